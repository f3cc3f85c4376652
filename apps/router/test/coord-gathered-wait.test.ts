import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, ReplyKind, shardOfString, type Items } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { waitPlan } from '../src/coord/gathered-wait';
import { FakeOwners, FakeSink, int, list, nil, type FakeStep, type Reply } from './coord-fakes';

/** A key whose shard is owned by `worker` in a map of `workers` (shard s is worker s % workers). */
function keyOn(worker: number, workers: number, n = 0): string {
  for (let i = 0, found = 0; ; i++) {
    const key = `w${worker}:${i}`;
    if (shardOfString(key) % workers === worker && found++ === n) return key;
  }
}

/** A client's sink: its blocked command's cancel is kept, as client/plans.ts keeps it. */
class ClientSink extends FakeSink {
  cancel: ((gone: boolean) => void) | null = null;
  blockInput(cancel: (gone: boolean) => void): void {
    this.cancel = cancel;
  }
}

/** XRUN's answer: the command's reply, each remote key's change, then (UNDO) each local key changed, as it was. */
function xrunReply(kind: ReplyKind, items: Items, remote: string[][], originals: [string, string[]][]): Reply {
  const out: string[] = [String(kind), '', String(items.length), ...(items as string[])];
  for (const change of remote) out.push(String(change.length), ...change);
  for (const [key, entry] of originals) out.push(key, String(entry.length), ...entry);
  return list(out);
}

const t = suite('coord: GatheredWait (a blocking command over several workers) against a fake owner');

// BLMOVE src dst: src on worker 1 (the target: XRUN runs there), dst on worker 0 (this one: read whole, written back).
const [src, dst] = [keyOn(1, 2), keyOn(0, 2)];
const BLMOVE = commandNamed('BLMOVE');

function start(answer: (step: FakeStep) => Reply | 'later') {
  const owners = new FakeOwners(0, 2, (step) => (step.name === 'TXHOLD' ? int(0) : answer(step)));
  const sink = new ClientSink();
  const plan = waitPlan(owners, sink, BLMOVE, argsOf(['BLMOVE', src, dst, 'LEFT', 'RIGHT', '0']))!;
  assert.ok(plan !== null, 'keys of two workers: a waiting plan');
  plan.start();
  return { owners, sink, plan, names: () => owners.steps.map((s) => s.name) };
}

const released = (owners: FakeOwners) => owners.controls.filter((c) => c.name === 'TXABORT').length + owners.ended.length;

t('its client leaves before the run: no XRUN, nothing written, the holds released', () => {
  const { owners, sink, plan, names } = start(() => 'later');
  assert.equal(names(), ['TXHOLD', 'TXHOLD', 'ENTRYDUMP']);
  sink.cancel!(true);
  owners.settle(owners.steps[2], list(['list', '0', 'd']));
  assert.equal(names(), ['TXHOLD', 'TXHOLD', 'ENTRYDUMP'], 'the run is not sent');
  assert.is(released(owners), 2);
  assert.ok(plan.done && plan.over);
});

t('its client leaves while XRUN runs: its change to the run worker key is put back, the remote key not written', () => {
  const { owners, sink, plan, names } = start((step) => (step.name === 'ENTRYDUMP' ? list(['list', '0', 'd']) : 'later'));
  const run = owners.steps[3];
  assert.equal(run.argv.slice(0, 2), ['XRUN', 'UNDO'], 'a blocking try asks what it changes was');
  sink.cancel!(true);
  assert.not.ok(plan.over, 'its holds are kept until the try is over');
  // It moved 'x' from src (the target's, two elements before) to dst (remote: written back as d, x).
  owners.settle(run, xrunReply(ReplyKind.BULK, [], [['list', '0', 'd', 'x']], [[src, ['list', '0', 'x', 'y']]]));
  const after = owners.steps.slice(4);
  assert.equal(after.map((s) => [s.worker, s.name, s.argv]), [[1, 'ENTRYPUT', ['ENTRYPUT', src, 'list', '0', 'x', 'y']]]);
  assert.is(after[0].shard, shardOfString(src));
  settleRest(owners, 4);
  assert.is(released(owners), 2);
  assert.ok(plan.done && plan.over);
  assert.equal(names().filter((n) => n === 'ENTRYPUT').length, 1, 'dst never written');
});

t('its client leaves after a write-back: that key gets its dump back, the run worker key its original', () => {
  const { owners, sink, names } = start((step) => (step.name === 'ENTRYDUMP' ? nil() : 'later'));
  owners.settle(owners.steps[3], xrunReply(ReplyKind.BULK, [], [['list', '0', 'x']], [[src, ['list', '0', 'x']]]));
  assert.equal(owners.steps[4].argv, ['ENTRYPUT', dst, 'list', '0', 'x']);
  sink.cancel!(true);
  owners.settle(owners.steps[4], int(1));
  // dst did not exist (its dump was nil): gone again; src as it was.
  assert.equal(owners.steps.slice(5).map((s) => s.argv), [['ENTRYGONE', dst]]);
  owners.settle(owners.steps[5], int(1));
  assert.equal(owners.steps.slice(6).map((s) => s.argv), [['ENTRYPUT', src, 'list', '0', 'x']]);
  owners.settle(owners.steps[6], int(1));
  assert.equal(names().length, 7);
  assert.is(released(owners), 2);
});

t('a client that stays gets what the try took: written back, no undo', () => {
  const { owners, sink, names } = start((step) => (step.name === 'ENTRYDUMP' ? nil() : step.name === 'XRUN' ? 'later' : int(1)));
  owners.settle(owners.steps[3], xrunReply(ReplyKind.BULK, [], [['list', '0', 'x']], [[src, ['list', '0', 'x']]]));
  assert.equal(names(), ['TXHOLD', 'TXHOLD', 'ENTRYDUMP', 'XRUN', 'ENTRYPUT']);
  assert.is(sink.written, '$0\r\n\r\n');
});

/** Answers every step from `from` on with 1, as each comes. */
function settleRest(owners: FakeOwners, from: number): void {
  for (let i = from; i < owners.steps.length; i++) if (owners.steps[i].pending !== null) owners.settle(owners.steps[i], int(1));
}

t.run();
