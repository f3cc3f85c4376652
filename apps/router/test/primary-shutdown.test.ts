import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PrimaryMessage } from '../src/primary/messages';
import { Shutdown, SHUTDOWN_TIMEOUT_MS } from '../src/primary/shutdown';
import './primary-fakes';

/** A shutdown over `workers` pretend workers the test drains and exits. */
function setup(workers: number) {
  const events: string[] = [];
  const running = new Set(Array.from({ length: workers }, (_, i) => i));
  const drained = new Set<number>();
  const timers: { fn: () => void; ms: number }[] = [];
  const shutdown = new Shutdown({
    stopAccepting: () => events.push('stop accepting'),
    broadcast: (message: PrimaryMessage) => events.push(`broadcast ${message.t}`),
    allExited: () => running.size === 0,
    allDrained: () => [...running].every((i) => drained.has(i)),
    killAll: () => events.push(`kill ${[...running].join(',')}`),
    finish: (code) => events.push(`finish ${code}`),
    setTimer: (fn, ms) => timers.push({ fn, ms }),
  });
  const drain = (i: number) => {
    drained.add(i);
    shutdown.drained();
  };
  const exit = (i: number) => {
    running.delete(i);
    shutdown.workerExited();
  };
  return { shutdown, events, timers, drain, exit };
}

const t = suite('router:primary shutdown');

t('stop accepting, tell workers to drain; exit only once all drained; finish once all exited', () => {
  const { shutdown, events, timers, drain, exit } = setup(3);
  assert.not.ok(shutdown.active);
  shutdown.start(0);
  assert.ok(shutdown.active);
  assert.equal(events, ['stop accepting', 'broadcast shutdown']);
  assert.equal(timers.map((x) => x.ms), [SHUTDOWN_TIMEOUT_MS]);
  drain(0);
  drain(1);
  assert.is(events.length, 2, 'no exit while worker 2 still answers its clients');
  drain(2);
  assert.equal(events.slice(2), ['broadcast exit']);
  exit(0);
  exit(1);
  // Those still running hear exit again (a repeat is harmless), but nothing finishes yet.
  assert.equal(events.slice(3), ['broadcast exit', 'broadcast exit']);
  exit(2);
  assert.equal(events.slice(5), ['finish 0']);
  // The timer firing after the finish does nothing more.
  timers[0].fn();
  assert.is(events.length, 6);
});

t('a worker that dies undrained: the others are told to exit once the rest have drained', () => {
  const { shutdown, events, drain, exit } = setup(2);
  shutdown.start(0);
  drain(0);
  assert.is(events.length, 2);
  exit(1);
  assert.equal(events.slice(2), ['broadcast exit']);
  exit(0);
  assert.equal(events.slice(3), ['finish 0']);
});

t('a second start keeps the first exit code; no worker running: finish at once', () => {
  const { shutdown, events, exit } = setup(1);
  shutdown.start(1);
  shutdown.start(0);
  assert.is(events.filter((e) => e === 'stop accepting').length, 1);
  exit(0);
  assert.is(events.at(-1), 'finish 1');
  const none = setup(0);
  none.shutdown.start(0);
  assert.equal(none.events, ['stop accepting', 'broadcast shutdown', 'finish 0']);
});

t('past the timeout, what is left is killed and the primary finishes', () => {
  const { shutdown, events, timers, exit } = setup(2);
  shutdown.start(0);
  exit(0);
  timers[0].fn();
  assert.equal(events.slice(2), ['kill 1', 'finish 0']);
  exit(1);
  assert.is(events.filter((e) => e.startsWith('finish')).length, 1, 'finished once');
});

t('drained and exits before a shutdown do nothing', () => {
  const { events, drain, exit } = setup(2);
  drain(0);
  exit(1);
  assert.equal(events, []);
});

t.run();
