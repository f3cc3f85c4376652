import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, shardOfString } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { Coordinator } from '../src/coord/coordinator';
import { Scripts } from '../src/coord/scripts';
import { bulk, err, FakeOwners, FakeSink, int, ok } from './coord-fakes';

/** A key whose shard is owned by `worker` in a map of `workers`. */
function keyOn(worker: number, workers: number, n = 0): string {
  for (let i = 0, found = 0; ; i++) if (shardOfString(`s${worker}:${i}`) % workers === worker && found++ === n) return `s${worker}:${i}`;
}

const t = suite('coord: Script and its calls against a fake owner');
let scripts: Scripts;

t.before(async () => {
  scripts = new Scripts(5000);
  await scripts.ready;
});

/** EVAL body over `keys`, as a client on worker `self` of `workers` sends it (its body not shared: no peers here). */
function evalPlan(owners: FakeOwners, body: string, keys: string[], sink = new FakeSink()) {
  const env = new Coordinator(owners, scripts, () => 2, false);
  const plan = env.plan(sink, null, commandNamed('EVAL'), argsOf(['EVAL', body, String(keys.length), ...keys]));
  if (typeof plan === 'string') throw new Error(plan);
  return { plan, sink };
}

t('a script over keys on two workers holds both, in order; its calls pass the hold and, answered later and out of order, resume it', () => {
  const [here, there] = [keyOn(0, 2), keyOn(1, 2)];
  const owners = new FakeOwners(0, 2, (step) => (step.name === 'TXHOLD' ? int(0) : step.worker === 0 ? bulk('mine') : 'later'));
  const { plan, sink } = evalPlan(owners, "return {redis.call('GET', KEYS[2]), redis.call('GET', KEYS[1]), redis.call('INCR', KEYS[2])}", [here, there]);
  plan.start();
  assert.equal(owners.steps.map((s) => [s.worker, s.name]), [[0, 'TXHOLD'], [1, 'TXHOLD'], [1, 'GET']], 'holds in worker order, then the first call');
  const hold = owners.steps[0].argv[1];
  assert.is(owners.steps[2].txid, hold, 'the call passes the hold');
  owners.settle(owners.steps[2], bulk('theirs'));
  assert.equal(owners.steps.slice(3).map((s) => [s.worker, s.name]), [[0, 'GET'], [1, 'INCR']], 'the next call answered at once, the one after waits');
  owners.settle(owners.steps[4], int(5));
  assert.is(sink.written, '*3\r\n$6\r\ntheirs\r\n$4\r\nmine\r\n:5\r\n');
  assert.equal(owners.controls.map((c) => [c.worker, c.name]), [[1, 'TXABORT']]);
  assert.equal(owners.ended, [[hold, false]]);
  assert.ok(plan.over);
});

t('a call that fails raises in the script (redis.call) or returns its error (redis.pcall)', () => {
  const k = keyOn(1, 2);
  const owners = new FakeOwners(0, 2, (step) => (step.name === 'TXHOLD' ? int(0) : 'later'));
  const { plan, sink } = evalPlan(owners, "local e = redis.pcall('INCR', KEYS[1]) return {e['err'], redis.call('INCR', KEYS[1])}", [k, keyOn(0, 2)]);
  plan.start();
  owners.settle(owners.steps.at(-1)!, err('ERR value is not an integer or out of range'));
  owners.settle(owners.steps.at(-1)!, err('WRONGTYPE Operation against a key holding the wrong kind of value'));
  assert.match(sink.written, /^-WRONGTYPE Operation against a key holding the wrong kind of value/);
  assert.ok(plan.over);
});

t('a call over several owners (MGET) is a plan whose reply, read back in RESP2, resumes the script; all here at once, nothing is placed', () => {
  const [a, b] = [keyOn(0, 2), keyOn(0, 2, 1)];
  const owners = new FakeOwners(0, 2, (step) => (step.name === 'GET' || step.name === 'MGET' ? bulk(step.argv[1]) : ok()));
  const { plan, sink } = evalPlan(owners, "return redis.call('MGET', KEYS[1], KEYS[2])", [a, b]);
  plan.start();
  assert.equal(owners.steps.map((s) => s.name), ['MGET', 'MGET'], 'no hold: every key here and the shards free');
  assert.equal([sink.places, sink.written], [0, `*2\r\n$${a.length}\r\n${a}\r\n$${b.length}\r\n${b}\r\n`]);
  assert.is(owners.maxDepth, 1);
});

t.run();
