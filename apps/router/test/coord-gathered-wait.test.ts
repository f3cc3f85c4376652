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

/** XRUN UNDO's answer: the command's reply, each remote key's change, each local key changed as it was, XREAD's ids as it waits. */
function xrunReply(kind: ReplyKind, items: Items | null, remote: string[][], originals: [string, string[]][], kept: string[] = []): Reply {
  const out: string[] = [String(kind), '', String(items === null ? -1 : items.length), ...((items ?? []) as string[])];
  for (const change of remote) out.push(String(change.length), ...change);
  out.push(String(originals.length));
  for (const [key, entry] of originals) out.push(key, String(entry.length), ...entry);
  out.push(String(kept.length), ...kept);
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

t("XREAD BLOCK $ over two workers: its watches wait after the ids its try fixed, not `$`", () => {
  const owners = new FakeOwners(0, 2, (step) => (step.name === 'TXHOLD' ? int(0) : step.name === 'ENTRYPEEK' ? list(['stream', '0', 'x']) : 'later'));
  const sink = new ClientSink();
  const [s1, s0] = [keyOn(1, 2), keyOn(0, 2)];
  const plan = waitPlan(owners, sink, commandNamed('XREAD'), argsOf(['XREAD', 'BLOCK', '0', 'STREAMS', s1, s0, '$', '0-5']))!;
  plan.start();
  const run = owners.steps.find((s) => s.name === 'XRUN')!;
  assert.equal(run.argv.slice(0, 2), ['XRUN', 'UNDO']);
  owners.settle(run, xrunReply(ReplyKind.NULL_ARRAY, null, [[]], [], ['7-1', '0-5']));
  const watches = owners.steps.filter((s) => s.name === 'BWAITSTREAM');
  assert.equal(watches.map((w) => w.argv.slice(-2)).sort(), [[s0, '0-5'], [s1, '7-1']].sort(), 'each watch waits after its stream id as the try fixed it');
  // Woken by s1: the next try reads it from that id; an empty one arms again, still after 7-1.
  owners.settle(watches.find((w) => w.argv.includes(s1))!, list([s1, '7-1']));
  const retry = owners.steps.filter((s) => s.name === 'XRUN')[1];
  assert.equal(retry.argv.slice(-5), ['COUNT', '1000', 'STREAMS', s1, '7-1']);
  owners.settle(retry, xrunReply(ReplyKind.NULL_ARRAY, null, [], [], ['7-1']));
  const rearmed = owners.steps.filter((s) => s.name === 'BWAITSTREAM').slice(2);
  assert.equal(rearmed.map((w) => w.argv.slice(-2)).sort(), [[s0, '0-5'], [s1, '7-1']].sort());
  assert.not.ok(plan.done);
});

/** Answers every step from `from` on with 1, as each comes. */
function settleRest(owners: FakeOwners, from: number): void {
  for (let i = from; i < owners.steps.length; i++) if (owners.steps[i].pending !== null) owners.settle(owners.steps[i], int(1));
}

t.run();
