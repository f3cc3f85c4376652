import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, shardOfString } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { ReplyKind } from '@kv/wire';
import { Coordinator } from '../src/coord/coordinator';
import { Here } from '../src/coord/here';
import { Scripts } from '../src/coord/scripts';
import { REPLY_ERRORS } from '../src/reply-errors';
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

/** EVALSHA sha over `keys`, as a client on worker `self` of `workers` sends it. */
function evalshaPlan(owners: FakeOwners, sha: string, keys: string[], sink = new FakeSink()) {
  const env = new Coordinator(owners, scripts, () => 2, false);
  const plan = env.plan(sink, null, commandNamed('EVALSHA'), argsOf(['EVALSHA', sha, String(keys.length), ...keys, 'arg']));
  if (typeof plan === 'string') throw new Error(plan);
  return { plan, sink };
}

t("EVALSHA whose keys are all another worker's goes to it by sha, not with its body; refused there (it lacks the script), the body follows once", () => {
  const body = "return {'whole', KEYS[1], ARGV[1]}";
  const added = scripts.lua.add(body, 'load') as { sha: string };
  const k = keyOn(1, 2);
  const owners = new FakeOwners(0, 2, () => 'later');
  const { plan, sink } = evalshaPlan(owners, added.sha, [k]);
  plan.start();
  assert.equal(owners.sent.map((s) => s.argv), [['EVALHERE', 'EVALSHA', added.sha, '1', k, 'arg']]);
  owners.sent[0].pending.settle(ReplyKind.ERROR, REPLY_ERRORS.scriptNotHere);
  assert.equal(owners.sent.map((s) => s.argv).slice(1), [['EVALHERE', 'EVAL', body, '1', k, 'arg']], 'again with the body');
  assert.is(sink.written, '', 'no reply yet');
  const reply = Buffer.from('*1\r\n$5\r\nwhole\r\n');
  owners.sent[1].pending.settleEncoded!(reply, 0, reply.length);
  assert.is(sink.written, '*1\r\n$5\r\nwhole\r\n');
  assert.ok(plan.over);
  // A second refusal (it cannot happen: the body runs wherever it goes) is the client's error, not a third send.
  const again = evalshaPlan(owners, added.sha, [k]);
  again.plan.start();
  owners.sent.at(-1)!.pending.settle(ReplyKind.ERROR, REPLY_ERRORS.scriptNotHere);
  owners.sent.at(-1)!.pending.settle(ReplyKind.ERROR, REPLY_ERRORS.scriptNotHere);
  assert.is(owners.sent.length, 4);
  assert.is(again.sink.written, `-${REPLY_ERRORS.scriptNotHere}\r\n`);
});

t('the owner refuses EVALHERE by sha plainly only when it lacks the script; a body or a script it has runs', () => {
  const here = new Here(new FakeOwners(1, 2, () => ok()), scripts, () => 2);
  const added = scripts.lua.add("return 'kept'", 'load') as { sha: string };
  const missing = 'f'.repeat(40);
  assert.is(here.evalRefusal(argsOf(['EVALHERE', 'EVALSHA', missing, '0'])), REPLY_ERRORS.scriptNotHere);
  assert.is(here.evalRefusal(argsOf(['EVALHERE', 'EVALSHA_RO', missing.toUpperCase(), '0'])), REPLY_ERRORS.scriptNotHere);
  assert.is(here.evalRefusal(argsOf(['EVALHERE', 'EVALSHA', added.sha.toUpperCase(), '0'])), null);
  assert.is(here.evalRefusal(argsOf(['EVALHERE', 'EVAL', 'return 1', '0'])), null);
});

t.run();
