import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, shardOfString } from '@kv/wire';
import { commandNamed, parseScan, type ScanRequest } from '@kv/node';
import { Combined } from '../src/coord/combine';
import { Gather, KeySteps, WorkerSteps } from '../src/coord/gather';
import { HeldWrite } from '../src/coord/held-write';
import { Scan } from '../src/coord/scan';
import { Transaction } from '../src/coord/txn';
import { Watch } from '../src/coord/watch';
import { bulk, err, FakeOwners, FakeSink, int, list, nil, ok, type FakeStep } from './coord-fakes';

/** A key whose shard is owned by `worker` in a map of `workers` (shard s is worker s % workers). */
function keyOn(worker: number, workers: number, n = 0): string {
  for (let i = 0, found = 0; ; i++) {
    const key = `k${worker}:${i}`;
    if (shardOfString(key) % workers === worker && found++ === n) return key;
  }
}

const gather = suite('coord: Gather (each-key, each-worker) against a fake owner');

gather('steps all go out at once; answered at once the reply is written now, with no place taken', () => {
  const owners = new FakeOwners(0, 3, () => int(1));
  const sink = new FakeSink();
  const keys = [keyOn(0, 3), keyOn(1, 3), keyOn(2, 3)];
  const del = commandNamed('DEL');
  const plan = new Gather(owners, sink, null, new KeySteps(owners.map, del, argsOf(['DEL', ...keys])), new Combined('sum', 3));
  plan.start();
  assert.equal(owners.steps.map((s) => [s.worker, s.argv]), keys.map((k, i) => [i, ['DEL', k]]));
  assert.ok(plan.done);
  assert.equal([sink.places, sink.nows, sink.written], [0, 1, ':3\r\n']);
  assert.is(owners.maxDepth, 1, 'no step from inside another');
});

gather('parts answered later, out of order, give the list in key order; the reply takes its place once, when the first waits', () => {
  const owners = new FakeOwners(0, 3, (step) => (step.worker === 0 ? bulk('v0') : 'later'));
  const sink = new FakeSink();
  const keys = [keyOn(1, 3), keyOn(0, 3), keyOn(2, 3), keyOn(1, 3, 1)];
  const plan = new Gather(owners, sink, null, new KeySteps(owners.map, commandNamed('MGET'), argsOf(['MGET', ...keys])), new Combined('list', 4));
  plan.start();
  assert.equal([plan.done, sink.places, sink.written], [false, 1, '']);
  const waiting = owners.steps.filter((s) => s.pending !== null);
  owners.settle(waiting[2], nil());
  owners.settle(waiting[0], bulk('v1a'));
  assert.not.ok(plan.done);
  owners.settle(waiting[1], bulk('v2'));
  assert.ok(plan.done);
  assert.equal([sink.places, sink.readies], [1, 1]);
  assert.is(sink.written, '*4\r\n$3\r\nv1a\r\n$2\r\nv0\r\n$2\r\nv2\r\n$-1\r\n');
});

gather('a failed step: the first error is the reply, whatever order the parts come back in', () => {
  for (const order of [[0, 1], [1, 0]]) {
    const owners = new FakeOwners(0, 3, () => 'later');
    const sink = new FakeSink();
    const plan = new Gather(owners, sink, null, new WorkerSteps(commandNamed('DBSIZE'), argsOf(['DBSIZE']), 3), new Combined('sum', 3));
    plan.start();
    owners.settle(owners.steps[2], int(5));
    owners.settle(owners.steps[order[0]], err(`ERR first ${order[0]}`));
    owners.settle(owners.steps[order[1]], err(`ERR second ${order[1]}`));
    assert.is(sink.written, `-ERR first ${order[0]}\r\n`);
  }
});

gather('steps pass the hold they are given (a MULTI/EXEC\'s): each-worker on a list of workers', () => {
  const owners = new FakeOwners(1, 3, () => ok());
  const sink = new FakeSink();
  new Gather(owners, sink, 'h1:7', new WorkerSteps(commandNamed('SCRIPTFLUSH'), argsOf(['SCRIPTFLUSH']), [0, 2]), new Combined('ok', 2)).start();
  assert.equal(owners.steps.map((s) => [s.worker, s.txid]), [[0, 'h1:7'], [2, 'h1:7']]);
  assert.is(sink.written, '+OK\r\n');
});

gather.run();

const txn = suite('coord: Transaction (MSET, MSETNX, MGET over workers) against a fake owner');

/** An MSET over one key on each of `workers` workers, self being worker 1. */
function mset(answerer: (step: FakeStep) => ReturnType<FakeOwners['answerer']>, mode: 'write' | 'write-new' | 'read' = 'write') {
  const owners = new FakeOwners(1, 3, answerer);
  const sink = new FakeSink();
  const keys = [keyOn(2, 3), keyOn(0, 3), keyOn(1, 3)];
  const plan = new Transaction(owners, sink, mode, keys, mode === 'read' ? null : ['a', 'b', 'c']);
  return { owners, sink, keys, plan };
}

txn('prepares one worker at a time in worker order, each only after the one before answered; then commits all, remote ones first', () => {
  const { owners, sink, keys, plan } = mset((step) => (step.worker === 1 ? int(0) : 'later'));
  plan.start();
  assert.equal(owners.steps.map((s) => s.worker), [0], 'the first prepare alone');
  assert.equal(owners.steps[0].argv, ['TXPREPARE', plan.id, '1', 'write', keys[1], 'b']);
  owners.settle(owners.steps[0], int(0));
  assert.equal(owners.steps.map((s) => s.worker), [0, 1, 2], 'then this worker (at once) and the next');
  assert.is(sink.written, '', 'no reply before every worker is prepared');
  owners.settle(owners.steps[2], int(0));
  assert.equal(owners.controls.map((c) => [c.worker, c.name, c.link]), [[0, 'TXCOMMIT', 100], [2, 'TXCOMMIT', 102]]);
  assert.equal(owners.ended, [[plan.id, true]]);
  assert.is(sink.written, '+OK\r\n');
  assert.is(owners.maxDepth, 1);
});

txn('a prepare that fails releases those prepared (abort on their links), commits nothing, and answers the error', () => {
  const { owners, sink, plan } = mset((step) => (step.worker === 2 ? err('OOM full') : int(0)));
  plan.start();
  assert.equal(owners.steps.map((s) => s.worker), [0, 1, 2]);
  assert.equal(owners.controls.map((c) => [c.worker, c.name]), [[0, 'TXABORT']]);
  assert.equal(owners.ended, [[plan.id, false]]);
  assert.is(sink.written, '-OOM full\r\n');
});

txn('a link that changed after its prepare: nothing is committed anywhere, the client hears the link is down', () => {
  const { owners, sink, plan } = mset((step) => (step.worker === 2 ? 'later' : int(0)));
  plan.start();
  owners.links.set(0, 555);
  owners.settle(owners.steps[2], int(0));
  assert.not.ok(owners.controls.some((c) => c.name === 'TXCOMMIT'));
  assert.ok(owners.ended.every(([, commit]) => !commit));
  assert.match(sink.written, /^-ERR the worker owning this key is down/);
});

txn('MSETNX with a key that exists aborts every worker and answers 0', () => {
  const { owners, sink, plan } = mset((step) => int(step.worker === 0 ? 1 : 0), 'write-new');
  plan.start();
  assert.equal(owners.controls.map((c) => c.name), ['TXABORT', 'TXABORT']);
  assert.equal(owners.ended, [[plan.id, false]]);
  assert.is(sink.written, ':0\r\n');
});

txn('MGET over workers: each worker\'s values land in key order', () => {
  const { owners, sink, keys, plan } = mset((step) => list(step.argv.slice(4).map((k) => (k === keys[0] ? undefined : `v:${k}`))), 'read');
  plan.start();
  assert.is(sink.written, `*3\r\n$-1\r\n$${keys[1].length + 2}\r\nv:${keys[1]}\r\n$${keys[2].length + 2}\r\nv:${keys[2]}\r\n`);
});

txn.run();

const scan = suite('coord: Scan against a fake owner');

function scanOf(cursor: string, count: number): ScanRequest {
  return parseScan(argsOf(['SCAN', cursor, 'COUNT', String(count)])) as ScanRequest;
}

scan('walks on into the next shard while steps answer at once and keys are wanted; stops at COUNT', () => {
  let shard = 0;
  const owners = new FakeOwners(0, 2, () => list([`${(++shard) * 2 ** 32}`, `key${shard}`]));
  const sink = new FakeSink();
  new Scan(owners, sink, null, commandNamed('SCAN'), scanOf('0', 3)).start();
  assert.equal(owners.steps.map((s) => s.worker), [0, 1, 0]);
  assert.is(sink.written, `*2\r\n$${String(3 * 2 ** 32).length}\r\n${3 * 2 ** 32}\r\n*3\r\n$4\r\nkey1\r\n$4\r\nkey2\r\n$4\r\nkey3\r\n`);
  assert.is(owners.maxDepth, 1);
});

scan('a step that waited ends the call (later commands may have run); an error step is the reply', () => {
  const owners = new FakeOwners(0, 2, () => 'later');
  const sink = new FakeSink();
  new Scan(owners, sink, null, commandNamed('SCAN'), scanOf('0', 10)).start();
  owners.settle(owners.steps[0], list([String(2 ** 32), 'a']));
  assert.is(owners.steps.length, 1, 'no further step');
  assert.is(sink.written, `*2\r\n$10\r\n${2 ** 32}\r\n*1\r\n$1\r\na\r\n`);
  const failing = new FakeOwners(0, 2, () => err('ERR no'));
  const sink2 = new FakeSink();
  new Scan(failing, sink2, null, commandNamed('SCAN'), scanOf('0', 10)).start();
  assert.is(sink2.written, '-ERR no\r\n');
});

scan.run();

const held = suite('coord: HeldWrite and Watch against a fake owner');

held('MSETNX under a hold: every EXISTS first (answered in any order), then the SETs only if none exists', () => {
  const owners = new FakeOwners(0, 2, () => 'later');
  const sink = new FakeSink();
  const keys = [keyOn(0, 2), keyOn(1, 2)];
  new HeldWrite(owners, sink, 'h0:1', true, keys, ['1', '2']).start();
  assert.equal(owners.steps.map((s) => s.name), ['EXISTS', 'EXISTS']);
  owners.settle(owners.steps[1], int(0));
  owners.settle(owners.steps[0], int(0));
  assert.equal(owners.steps.map((s) => [s.name, s.txid]), [['EXISTS', 'h0:1'], ['EXISTS', 'h0:1'], ['SET', 'h0:1'], ['SET', 'h0:1']]);
  owners.settle(owners.steps[3], ok());
  owners.settle(owners.steps[2], ok());
  assert.is(sink.written, ':1\r\n');
  const some = new FakeOwners(0, 2, (step) => int(step.worker));
  const sink2 = new FakeSink();
  new HeldWrite(some, sink2, 'h0:2', true, keys, ['1', '2']).start();
  assert.equal(some.steps.map((s) => s.name), ['EXISTS', 'EXISTS'], 'one exists: nothing written');
  assert.is(sink2.written, ':0\r\n');
});

held('WATCH: each key\'s version, answered out of order, recorded once all are; the first seen of a key watched twice', () => {
  const owners = new FakeOwners(0, 2, () => 'later');
  const sink = new FakeSink();
  const into = new Map<string, number>([['old', 3]]);
  new Watch(owners, sink, ['a', 'old', 'a'], into).start();
  owners.settle(owners.steps[2], int(9));
  owners.settle(owners.steps[1], int(8));
  assert.equal([...into], [['old', 3]], 'nothing before every version is in');
  owners.settle(owners.steps[0], int(7));
  assert.equal([...into], [['old', 3], ['a', 7]]);
  assert.is(sink.written, '+OK\r\n');
});

held.run();
