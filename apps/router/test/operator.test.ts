import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { mergeSeries } from '../src/commands/latency';
import { LatencyMonitor } from '../src/operator/latency';
import { latencyDoctor } from '../src/operator/latency-doctor';
import { keptArgs, SlowLog } from '../src/operator/slowlog';

/** The slow log's entries and the latency monitor's series, one worker's and merged. */

const slow = suite('SLOWLOG: what an entry keeps');

slow('at most 32 arguments, the last counting the rest; strings cut at 128 bytes', () => {
  const many = argsOf(['DEL', ...Array.from({ length: 40 }, (_, i) => `k${i}`)]);
  const kept = keptArgs(many, () => false);
  assert.is(kept.length, 32);
  assert.is(kept[31], '... (10 more arguments)');
  assert.equal(keptArgs(argsOf(['SET', 'k', 'x'.repeat(129)]), () => false)[2], `${'x'.repeat(128)}... (1 more bytes)`);
  assert.equal(keptArgs(argsOf(['SET', 'k', 'x'.repeat(128)]), () => false)[2], 'x'.repeat(128));
});

slow("AUTH's arguments and each HELLO AUTH's two are redacted (the table's `redact`); newest kept, ids by worker", () => {
  const log = new SlowLog(3);
  const client = { addr: '127.0.0.1:1', name: 'n' };
  log.add(commandNamed('AUTH'), argsOf(['AUTH', 'user', 'pw']), 5, client);
  log.add(commandNamed('HELLO'), argsOf(['HELLO', '3', 'auth', 'u', 'p', 'SETNAME', 'x', 'AUTH', 'u2', 'p2']), 5, client);
  log.add(commandNamed('GET'), argsOf(['GET', 'auth']), 5, client);
  log.setMaxLen(2);
  const replies: string[] = [];
  log.step(argsOf(['SLOWLOGSTEP', 'get', '-1']), { bulk: (s: string) => replies.push(s) } as never);
  const entries = JSON.parse(replies[0]) as [number, number, number, string[]][];
  assert.equal(entries.map((e) => e[3]), [['HELLO', '3', 'auth', '(redacted)', '(redacted)', 'SETNAME', 'x', 'AUTH', '(redacted)', '(redacted)'], ['GET', 'auth']]);
  assert.equal(entries.map((e) => e[0]), [1 * 16 + 3, 2 * 16 + 3]);
});

slow.run();

const lat = suite('LATENCY: events by the second, merged over the workers');

lat('off at 0; below the threshold nothing; a second keeps its worst; reset names what it dropped', () => {
  const m = new LatencyMonitor();
  m.add('command', 50);
  assert.equal(m.all(), []);
  m.thresholdMs = 10;
  m.add('command', 9.9);
  m.add('command', 12.7);
  m.add('command', 30);
  m.add('command', 20);
  const [series] = m.all();
  // One sample a second (two if the adds straddled a second), the worst of it.
  assert.ok(series.samples.length <= 2);
  assert.is(Math.max(...series.samples.map((s) => s.ms)), 30);
  assert.is(series.max, 30);
  assert.equal(m.reset(['COMMAND', 'nosuch']), ['command']);
  assert.equal(m.all(), []);
});

lat('merged: the second\'s worst of the workers, the worst ever of theirs, events in name order; the doctor\'s report', () => {
  const merged = mergeSeries([
    [{ event: 'event-loop', max: 40, samples: [{ time: 100, ms: 40 }] }],
    [
      { event: 'event-loop', max: 60, samples: [{ time: 100, ms: 20 }, { time: 101, ms: 60 }] },
      { event: 'command', max: 5, samples: [{ time: 99, ms: 5 }] },
    ],
  ]);
  assert.equal(merged, [
    { event: 'command', max: 5, samples: [{ time: 99, ms: 5 }] },
    { event: 'event-loop', max: 60, samples: [{ time: 100, ms: 40 }, { time: 101, ms: 60 }] },
  ]);
  assert.match(latencyDoctor([], 0, 0), /^I'm sorry, Dave, I can't do that\./);
  assert.match(latencyDoctor([], 5, 0), /^Dave, no latency spike was observed/);
  const report = latencyDoctor(merged, 5, 110);
  assert.match(report, /2\. event-loop: 2 latency spikes \(average 50ms, mean deviation 10ms, period 5\.00 sec\)\. Worst all time event 60ms\./);
  assert.match(report, /I have a few advices for you:/);
});

lat.run();
