import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, shardOfString } from '@kv/wire';
import { ERR } from '@kv/node';
import { KeyMove } from '../src/coord/key-move';
import { err, FakeOwners, FakeSink, int, list, nil, type FakeStep } from './coord-fakes';

/** A key whose shard is owned by `worker` in a map of `workers` (shard s is worker s % workers). */
function keyOn(worker: number, workers: number, n = 0): string {
  for (let i = 0, found = 0; ; i++) {
    const key = `m${worker}:${i}`;
    if (shardOfString(key) % workers === worker && found++ === n) return key;
  }
}

const t = suite('coord: KeyMove (RENAME, COPY over two shards) against a fake owner');

/** Answers TXHOLD with 0 changed keys, ENTRYDUMP (COPY's ENTRYREAD) with a string entry (or as `dump` says), the rest as `rest` says. */
function owner(dump: () => ReturnType<typeof list> | ReturnType<typeof nil>, rest: (step: FakeStep) => ReturnType<typeof int> | ReturnType<typeof err> | 'later' = () => int(1)) {
  return (step: FakeStep) => (step.name === 'TXHOLD' ? int(0) : step.name === 'ENTRYDUMP' || step.name === 'ENTRYREAD' ? dump() : rest(step));
}

t('RENAME over two workers: both held in worker order, then dump, load, drop through the hold, then released; OK', () => {
  const owners = new FakeOwners(0, 3, owner(() => list(['string', '0', 'v'])));
  const sink = new FakeSink();
  const [src, dst] = [keyOn(2, 3), keyOn(1, 3)];
  const plan = new KeyMove(owners, sink, null, 'rename', true, argsOf(['RENAME', src, dst]));
  plan.start();
  assert.equal(owners.steps.map((s) => [s.worker, s.name]), [[1, 'TXHOLD'], [2, 'TXHOLD'], [2, 'ENTRYDUMP'], [1, 'ENTRYLOAD'], [2, 'ENTRYDROP']]);
  const hold = owners.steps[0].argv[1];
  assert.ok(owners.steps.slice(2).every((s) => s.txid === hold), 'every step passes the hold');
  assert.equal(owners.steps[3].argv, ['ENTRYLOAD', dst, 'REPLACE', 'rename_to', 'string', '0', 'v']);
  assert.equal(owners.steps[4].argv, ['ENTRYDROP', src, 'rename_from']);
  assert.equal(owners.controls.map((c) => [c.worker, c.name]), [[1, 'TXABORT'], [2, 'TXABORT']], 'released');
  assert.ok(plan.done && plan.over);
  assert.is(sink.written, '+OK\r\n');
});

t('a missing source: RENAME answers no such key, COPY 0, and nothing is written', () => {
  for (const [kind, reply] of [['rename', `-${ERR.noSuchKey}\r\n`], ['copy', ':0\r\n']] as const) {
    const owners = new FakeOwners(0, 2, owner(() => nil()));
    const sink = new FakeSink();
    new KeyMove(owners, sink, null, kind, false, argsOf(['X', keyOn(0, 2), keyOn(1, 2)])).start();
    // COPY reads its source as a read (a missing one fires keymiss there); RENAME does not.
    assert.equal(owners.steps.map((s) => s.name), ['TXHOLD', 'TXHOLD', kind === 'copy' ? 'ENTRYREAD' : 'ENTRYDUMP']);
    assert.is(sink.written, reply);
  }
});

t('RENAMENX and COPY without REPLACE load with NX; an existing destination (0) ends it: no drop', () => {
  for (const kind of ['renamenx', 'copy'] as const) {
    const owners = new FakeOwners(0, 2, owner(() => list(['list', '0', 'a', 'b']), () => int(0)));
    const sink = new FakeSink();
    new KeyMove(owners, sink, null, kind, false, argsOf(['X', keyOn(0, 2), keyOn(1, 2)])).start();
    assert.equal(owners.steps.map((s) => s.name), ['TXHOLD', 'TXHOLD', kind === 'copy' ? 'ENTRYREAD' : 'ENTRYDUMP', 'ENTRYLOAD']);
    assert.is(owners.steps[3].argv[2], 'NX');
    assert.is(sink.written, ':0\r\n');
  }
});

t('OOM at the load: answered, the source is not dropped, the holds released', () => {
  const oom = "OOM command not allowed when used memory > 'maxmemory'.";
  const owners = new FakeOwners(0, 2, owner(() => list(['string', '0', 'v']), (step) => (step.name === 'ENTRYLOAD' ? err(oom) : int(1))));
  const sink = new FakeSink();
  new KeyMove(owners, sink, null, 'rename', true, argsOf(['RENAME', keyOn(0, 2), keyOn(1, 2)])).start();
  assert.equal(owners.steps.map((s) => s.name), ['TXHOLD', 'TXHOLD', 'ENTRYDUMP', 'ENTRYLOAD']);
  assert.is(sink.written, `-${oom}\r\n`);
  assert.is(owners.controls.length + owners.ended.length, 2, 'both released');
});

t('steps that wait go on when answered; the reply takes its place once', () => {
  const owners = new FakeOwners(0, 2, (step) => (step.name === 'TXHOLD' ? int(0) : 'later'));
  const sink = new FakeSink();
  const plan = new KeyMove(owners, sink, null, 'copy', true, argsOf(['COPY', keyOn(1, 2), keyOn(0, 2), 'REPLACE']));
  plan.start();
  owners.settle(owners.steps[2], list(['zset', '123', 'a', '1']));
  assert.equal(owners.steps[3].argv, ['ENTRYLOAD', owners.steps[3].argv[1], 'REPLACE', 'copy_to', 'zset', '123', 'a', '1']);
  assert.not.ok(plan.done);
  owners.settle(owners.steps[3], int(1));
  assert.ok(plan.done);
  assert.equal([sink.places, sink.written], [1, ':1\r\n']);
});

t('under a hold already (MULTI/EXEC, a script): no hold of its own, its steps pass that one', () => {
  const owners = new FakeOwners(0, 2, owner(() => list(['string', '0', 'v'])));
  const sink = new FakeSink();
  new KeyMove(owners, sink, 'outer-hold', 'rename', true, argsOf(['RENAME', keyOn(0, 2), keyOn(1, 2)])).start();
  assert.equal(owners.steps.map((s) => [s.name, s.txid]), [['ENTRYDUMP', 'outer-hold'], ['ENTRYLOAD', 'outer-hold'], ['ENTRYDROP', 'outer-hold']]);
  assert.equal([owners.controls.length, owners.ended.length], [0, 0], 'nothing released: the hold is not its own');
  assert.is(sink.written, '+OK\r\n');
});

t('both keys on this worker, free: no hold, the steps run at once', () => {
  const owners = new FakeOwners(0, 2, owner(() => list(['string', '0', 'v'])));
  const sink = new FakeSink();
  new KeyMove(owners, sink, null, 'rename', true, argsOf(['RENAME', keyOn(0, 2), keyOn(0, 2, 1)])).start();
  assert.equal(owners.steps.map((s) => [s.name, s.txid]), [['ENTRYDUMP', null], ['ENTRYLOAD', null], ['ENTRYDROP', null]]);
  assert.is(sink.written, '+OK\r\n');
});

t('both keys on one other worker: held there and here (never sent whole), then released', () => {
  const owners = new FakeOwners(0, 2, owner(() => list(['string', '0', 'v'])));
  const sink = new FakeSink();
  new KeyMove(owners, sink, null, 'copy', true, argsOf(['COPY', keyOn(1, 2), keyOn(1, 2, 1)])).start();
  assert.equal(owners.steps.map((s) => [s.worker, s.name]), [[0, 'TXHOLD'], [1, 'TXHOLD'], [1, 'ENTRYREAD'], [1, 'ENTRYLOAD']]);
  assert.is(sink.written, ':1\r\n');
});

t.run();
