import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ClientHandoff } from '../src/primary/handoff';
import { newSlot, type Slot } from '../src/primary/slots';
import { FakeSocket, FakeWorker } from './primary-fakes';

/** `count` ready slots with running fake workers. */
function slots(count: number): { slots: Slot<FakeWorker>[]; workers: FakeWorker[] } {
  const workers = Array.from({ length: count }, () => new FakeWorker());
  const list = workers.map((worker) => ({ ...newSlot<FakeWorker>(), worker, ready: true }));
  return { slots: list, workers };
}

/** Which worker index each of `n` new clients went to. */
function handOut(handoff: ClientHandoff, workers: FakeWorker[], n: number): number[] {
  const chosen: number[] = [];
  for (let i = 0; i < n; i++) {
    const before = workers.map((w) => w.handles.length);
    handoff.handOff(new FakeSocket().asSocket());
    chosen.push(workers.findIndex((w, j) => w.handles.length > before[j]));
  }
  return chosen;
}

const t = suite('router:primary client hand-off');

t("the socket's error listener is attached before anything else is done with it", () => {
  const none = new ClientHandoff([]);
  const refused = new FakeSocket();
  none.handOff(refused.asSocket());
  assert.equal(refused.calls, ['on:error', 'destroy']);

  const { slots: list, workers } = slots(1);
  const socket = new FakeSocket();
  new ClientHandoff(list).handOff(socket.asSocket());
  assert.equal(socket.calls, ['on:error']);
  assert.is(workers[0].handles.length, 1);
  // A reset while it is on its way closes the primary's copy rather than throwing.
  socket.fail();
  assert.ok(socket.destroyed);
});

t('the client goes with its id and tls flag, the primary keeps its copy until adopted', () => {
  const { slots: list, workers } = slots(1);
  const handoff = new ClientHandoff(list);
  const a = new FakeSocket();
  const b = new FakeSocket();
  handoff.handOff(a.asSocket());
  handoff.handOff(b.asSocket(), true);
  assert.equal(workers[0].handles.map((h) => h.message), [
    { t: 'client', id: 0, tls: false },
    { t: 'client', id: 1, tls: true },
  ]);
  assert.is(workers[0].handles[1].handle, b.asSocket());
  assert.equal([...list[0].handingOver.keys()], [0, 1]);
  handoff.adopted(list[0], 1);
  assert.ok(b.destroyed, 'its own copy closed once the worker has the client');
  assert.not.ok(a.destroyed);
  assert.equal([...list[0].handingOver.keys()], [0]);
  // An unknown or repeated id does nothing.
  handoff.adopted(list[0], 1);
  handoff.adopted(list[0], 99);
  assert.not.ok(a.destroyed);
});

t('a failed send closes the socket and forgets it', () => {
  const { slots: list, workers } = slots(1);
  const socket = new FakeSocket();
  new ClientHandoff(list).handOff(socket.asSocket());
  workers[0].handles[0].callback(new Error('channel closed'));
  assert.ok(socket.destroyed);
  assert.is(list[0].handingOver.size, 0);
});

t('a worker that exits before taking its clients: the primary closes them', () => {
  const { slots: list } = slots(2);
  const handoff = new ClientHandoff(list);
  const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
  for (const s of sockets) handoff.handOff(s.asSocket());
  handoff.dropPending(list[0]);
  // Clients 0 and 2 went to worker 0 (in turn), client 1 to worker 1.
  assert.equal(sockets.map((s) => s.destroyed), [true, false, true]);
  assert.is(list[0].handingOver.size, 0);
  assert.is(list[1].handingOver.size, 1);
});

t('clients go in turn among equally loaded workers, to the least loaded otherwise', () => {
  const { slots: list, workers } = slots(3);
  const handoff = new ClientHandoff(list);
  assert.equal(handOut(handoff, workers, 6), [0, 1, 2, 0, 1, 2]);
  // A resize added worker 2's neighbours' load: pongs report 10, 10, 0 clients.
  handoff.pong(list[0], 10);
  handoff.pong(list[1], 10);
  handoff.pong(list[2], 0);
  // Each pong counts the clients still on their way (two each here).
  assert.equal(list.map((s) => s.clients), [12, 12, 2]);
  assert.equal(handOut(handoff, workers, 11), [2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 0]);
});

t('workers not ready, retiring, exited or disconnected get no clients', () => {
  const { slots: list, workers } = slots(5);
  list[0].ready = false;
  list[1].retiring = true;
  list[2].worker = null;
  workers[3].connected = false;
  const handoff = new ClientHandoff(list);
  assert.equal(handOut(handoff, workers, 3), [4, 4, 4]);
  assert.is(handoff.pick(), 4);
  list[4].ready = false;
  assert.is(handoff.pick(), -1);
  const socket = new FakeSocket();
  handoff.handOff(socket.asSocket());
  assert.ok(socket.destroyed, 'no worker can take it: closed, not left hanging');
});

t.run();
