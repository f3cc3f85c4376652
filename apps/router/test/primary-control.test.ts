import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PoolControl, RETIRE_TIMEOUT_MS } from '../src/primary/control';
import { initialMap } from '../src/primary/shard-map';
import { WorkerPool } from '../src/primary/slots';
import { FakeWorker, flush, ManualTimers, rejection } from './primary-fakes';

/** The resize's control over a pool of `count` fake workers, each exiting when the test says. */
function setup(count: number) {
  const map = initialMap(count);
  const timers = new ManualTimers();
  const workers: FakeWorker[][] = [];
  const state = { stopping: false, published: 0, removed: [] as number[] };
  let control: PoolControl;
  const pool = new WorkerPool<FakeWorker>({
    fork: (index) => {
      const worker = new FakeWorker();
      (workers[index] ??= []).push(worker);
      return worker;
    },
    greeting: () => [],
    runDir: '/run/kv-test',
    removeFile: () => {},
    now: () => 0,
    mapWorkers: () => map.workers,
    stopping: () => state.stopping,
    message: (index, message) => {
      if (message.t === 'done') control.done(index, message);
    },
    exited: (index, code, signal) => control.exited(index, code, signal),
    exitedWhileStopping: () => {},
    restarting: () => {},
    giveUp: () => {},
  });
  control = new PoolControl({
    map,
    pool,
    timers,
    stopping: () => state.stopping,
    publish: () => state.published++,
    removed: (n) => state.removed.push(n),
  });
  for (let i = 0; i < count; i++) pool.fork(i);
  const current = (index: number) => workers[index].at(-1)!;
  return { map, pool, control, timers, state, current, workers };
}

const t = suite('router:primary resize control');

t('ask sends the request with an id and resolves with the done answer', async () => {
  const { control, current, timers } = setup(2);
  const answer = control.ask(1, { t: 'move', shard: 1, to: 0, version: 3 }, 5000);
  const sent = current(1).sent.at(-1)!;
  assert.equal(sent, { t: 'move', shard: 1, to: 0, version: 3, id: 1 });
  current(1).say({ t: 'done', id: 1, keys: 4, bytes: 100 });
  assert.equal(await answer, { keys: 4, bytes: 100 });
  assert.is(timers.pending.size, 0, 'its timeout cleared');
});

t('ask fails on an error answer, a timeout, the worker exiting, a stopped worker or a shutdown', async () => {
  const { control, current, timers, state } = setup(3);
  const failed = control.ask(0, { t: 'pause', linkTo: 3 }, 1000);
  current(0).say({ t: 'done', id: 1, error: 'no room' });
  assert.match((await rejection(failed)).message, /worker 0: no room/);

  const late = control.ask(1, { t: 'pause', linkTo: 3 }, 1000);
  timers.fire(1000);
  assert.match((await rejection(late)).message, /did not answer pause within 1000 ms/);
  // Its answer arriving after the timeout is ignored.
  current(1).say({ t: 'done', id: 2 });

  const lost = control.ask(2, { t: 'pause', linkTo: 3 }, 1000);
  const other = control.ask(1, { t: 'pause', linkTo: 3 }, 1000);
  current(2).exit(null, 'SIGKILL');
  assert.match((await rejection(lost)).message, /worker 2 exited \(code null, signal SIGKILL\)/);
  current(1).say({ t: 'done', id: 4 });
  await other;

  current(0).connected = false;
  assert.match((await rejection(control.ask(0, { t: 'pause', linkTo: 3 }, 1000))).message, /worker 0 is not running/);
  state.stopping = true;
  assert.match((await rejection(control.ask(1, { t: 'pause', linkTo: 3 }, 1000))).message, /shutting down/);
});

t('addWorkers forks the new indexes and resolves once each is ready', async () => {
  const { control, pool, workers, current, map } = setup(2);
  let done = false;
  const added = control.addWorkers(4).then(() => (done = true));
  assert.is(pool.slots.length, 4);
  assert.equal(control.running(), [0, 1, 2, 3]);
  current(2).say({ t: 'ready' });
  await flush();
  assert.not.ok(done);
  current(3).say({ t: 'ready' });
  await added;
  // The map is the resizer's to change.
  assert.is(map.workers, 2);
  // Growing again after a failure reuses a running, ready worker rather than forking another.
  await control.addWorkers(4);
  assert.is(workers[3].length, 1);
});

t('addWorkers fails when a new worker exits while starting; it is not restarted', async () => {
  const { control, current, workers } = setup(1);
  const added = control.addWorkers(2);
  current(1).exit(1);
  assert.match((await rejection(added)).message, /worker 1 exited while starting/);
  assert.is(workers[1].length, 1);
});

t('retireWorkers lets the leaving workers exit (killing one that hangs), then drops their slots', async () => {
  const { control, pool, current, timers, state } = setup(4);
  const w2 = current(2);
  const w3 = current(3);
  const retired = control.retireWorkers(2);
  assert.ok(pool.slots[2].retiring && pool.slots[3].retiring);
  assert.is(w2.sent.at(-1)!.t, 'retire');
  assert.is(w3.sent.at(-1)!.t, 'retire');
  w2.exit(0);
  // Worker 3 hangs: killed at the deadline, its exit then ends the wait.
  timers.fire(RETIRE_TIMEOUT_MS);
  assert.equal(w3.signals, ['SIGKILL']);
  assert.equal(w2.signals, [], "the one that exited in time has no kill timer left");
  w3.exit(null, 'SIGKILL');
  await retired;
  assert.is(pool.slots.length, 2);
  assert.equal(state.removed, [2]);
  // The rest learn the new peer list; the retired are not restarted.
  assert.equal(current(0).sent.at(-1), { t: 'peers', paths: [null, null] });
  assert.is(pool.slots.length, 2);
});

t('tell reaches only a running worker', () => {
  const { control, current } = setup(2);
  control.tell(1, { t: 'map', map: { version: 1, workers: 2, owners: [] } as never });
  current(0).connected = false;
  control.tell(0, { t: 'map', map: { version: 1, workers: 2, owners: [] } as never });
  control.tell(9, { t: 'map', map: { version: 1, workers: 2, owners: [] } as never });
  assert.equal(current(1).kinds(), ['map']);
  assert.equal(current(0).kinds(), []);
});

t.run();
