import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PrimaryMessage, WorkerMessage } from '../src/primary/messages';
import { MAX_RESTARTS, newSlot, recordCrash, RESTART_WINDOW_MS, WorkerPool, type PoolDeps } from '../src/primary/slots';
import { FakeWorker } from './primary-fakes';

/** A pool over fake workers, recording what it asks of the primary. */
function setup(over: Partial<PoolDeps<FakeWorker>> = {}) {
  const forks: { index: number; peerPath: string; worker: FakeWorker }[] = [];
  const events: string[] = [];
  const messages: [number, WorkerMessage][] = [];
  const state = { now: 0, workers: 2, stopping: false };
  const pool = new WorkerPool<FakeWorker>({
    fork: (index, peerPath) => {
      const worker = new FakeWorker();
      forks.push({ index, peerPath, worker });
      return worker;
    },
    greeting: (): PrimaryMessage[] => [{ t: 'password', password: 'secret' }],
    runDir: '/run/kv-test',
    removeFile: (file) => events.push(`remove ${file}`),
    now: () => state.now,
    mapWorkers: () => state.workers,
    stopping: () => state.stopping,
    message: (index, message) => messages.push([index, message]),
    exited: (index, code, signal) => events.push(`exited ${index} ${code} ${signal}`),
    exitedWhileStopping: () => events.push('exited while stopping'),
    restarting: (index) => events.push(`restarting ${index} (forks so far: ${forks.length})`),
    giveUp: () => events.push('give up'),
    ...over,
  });
  for (let i = 0; i < state.workers; i++) pool.fork(i);
  return { pool, forks, events, messages, state };
}

const t = suite('router:primary worker slots');

t('a forked worker gets the greeting before anything else, and a peer socket path per generation', () => {
  const { pool, forks } = setup();
  assert.equal(forks.map((f) => [f.index, f.peerPath]), [
    [0, '/run/kv-test/w0.1.sock'],
    [1, '/run/kv-test/w1.1.sock'],
  ]);
  assert.equal(forks[0].worker.sent, [{ t: 'password', password: 'secret' }]);
  assert.is(pool.slots[0].generation, 1);
  assert.is(pool.slots[0].worker, forks[0].worker);
  // Until the worker says its socket listens, no one is told its path.
  assert.equal(pool.peerMap(), [null, null]);
  forks[1].worker.say({ t: 'peer-listening' });
  assert.equal(pool.peerMap(), [null, '/run/kv-test/w1.1.sock']);
});

t('ready, drained and every other message reach the primary; ready calls the waiter once', () => {
  const { pool, forks, messages } = setup();
  const readies: boolean[] = [];
  pool.slots[0].onReady = (ok) => readies.push(ok);
  assert.not.ok(pool.allReady());
  forks[0].worker.say({ t: 'ready' });
  forks[1].worker.say({ t: 'ready' });
  assert.ok(pool.allReady());
  assert.equal(readies, [true]);
  assert.is(pool.slots[0].onReady, null);
  forks[0].worker.say({ t: 'drained' });
  assert.ok(pool.slots[0].drained);
  assert.not.ok(pool.allDrained());
  forks[1].worker.say({ t: 'clients', clients: 7 });
  assert.equal(messages, [
    [0, { t: 'ready' }],
    [1, { t: 'ready' }],
    [0, { t: 'drained' }],
    [1, { t: 'clients', clients: 7 }],
  ]);
});

t('a worker that dies is restarted at the same index, its socket removed, after its losses are handled', () => {
  const { pool, forks, events } = setup();
  const old = forks[1].worker;
  old.say({ t: 'peer-listening' });
  old.say({ t: 'ready' });
  const readies: boolean[] = [];
  pool.slots[1].onReady = (ok) => readies.push(ok);
  old.exit(null, 'SIGKILL');
  assert.equal(events, ['remove /run/kv-test/w1.1.sock', 'exited 1 null SIGKILL', 'restarting 1 (forks so far: 2)']);
  assert.equal(readies, [false]);
  assert.is(forks.length, 3);
  assert.equal([forks[2].index, forks[2].peerPath], [1, '/run/kv-test/w1.2.sock']);
  const slot = pool.slots[1];
  assert.is(slot.worker, forks[2].worker);
  assert.equal([slot.ready, slot.drained, slot.generation], [false, false, 2]);
  // The old process is gone: what it might still say is ignored.
  old.say({ t: 'ready' });
  assert.not.ok(slot.ready);
  assert.equal(pool.running(), [0, 1]);
});

t(`more than ${MAX_RESTARTS} crashes of one worker within the window: give up instead of restarting`, () => {
  const { forks, events } = setup();
  const current = () => forks.filter((f) => f.index === 0).at(-1)!.worker;
  for (let i = 0; i < MAX_RESTARTS; i++) current().exit();
  assert.is(forks.length, 2 + MAX_RESTARTS);
  assert.not.ok(events.includes('give up'));
  current().exit();
  assert.is(events.at(-1), 'give up');
  assert.is(forks.length, 2 + MAX_RESTARTS, 'no fork after giving up');
});

t('crashes spread wider than the window keep being restarted', () => {
  const { forks, events, state } = setup();
  const current = () => forks.filter((f) => f.index === 0).at(-1)!.worker;
  for (let i = 0; i < 3 * MAX_RESTARTS; i++) {
    state.now += RESTART_WINDOW_MS / 2;
    current().exit();
  }
  assert.not.ok(events.includes('give up'));
  assert.is(forks.length, 2 + 3 * MAX_RESTARTS);
});

t('recordCrash counts only the crashes within the window', () => {
  const slot = newSlot();
  for (let i = 0; i < 5; i++) assert.ok(recordCrash(slot, i * 1000, 5, 10_000));
  assert.not.ok(recordCrash(slot, 5000, 5, 10_000));
  // At 14 s the crashes at 0-4 s have left the window (t > now - 10 s): 5, 14 remain.
  assert.ok(recordCrash(slot, 14_000, 5, 10_000));
  assert.equal(slot.restarts, [5000, 14_000]);
});

t('a retiring worker, a worker past the map and any worker during shutdown are not restarted', () => {
  const { pool, forks, events, state } = setup();
  const exits: number[] = [];
  pool.slots[1].retiring = true;
  pool.slots[1].onExit = () => exits.push(1);
  forks[1].worker.exit(0);
  assert.equal(exits, [1]);
  assert.is(pool.slots[1].onExit, null);
  // A resize adding worker 2 that dies while starting.
  pool.fork(2);
  forks[2].worker.exit();
  state.stopping = true;
  forks[0].worker.exit(0);
  assert.is(forks.length, 3);
  assert.ok(pool.allExited());
  assert.not.ok(events.some((e) => e.startsWith('restarting')));
  assert.is(events.filter((e) => e === 'exited while stopping').length, 1);
});

t('broadcast reaches only running workers; truncate drops slots a resize removed', () => {
  const { pool, forks } = setup();
  forks[0].worker.connected = false;
  pool.broadcast({ t: 'exit' });
  assert.equal(forks[0].worker.kinds(), ['password']);
  assert.equal(forks[1].worker.kinds(), ['password', 'exit']);
  assert.is(pool.connected(0), null);
  assert.is(pool.connected(1), forks[1].worker);
  assert.is(pool.connected(5), null);
  pool.truncate(1);
  assert.is(pool.slots.length, 1);
  // The removed slot's process says something late: ignored, no throw.
  forks[1].worker.say({ t: 'ready' });
  forks[1].worker.exit();
});

t.run();
