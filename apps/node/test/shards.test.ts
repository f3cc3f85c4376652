import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { answerTo, ShardSet } from '../src/shards/shards';
import { trackingShareOf } from '../src/shards/stores';
import { ReplyTo } from '../src/reply';
import { ReplyKind } from '@kv/wire';
import { valueOf } from './store';

const ALL = Array.from({ length: 16 }, (_, i) => i);
const t = suite('ShardSet: containment of faults, transactions and closed links');

/** A ShardSet whose faults are collected in `faults` instead of logged. */
function quiet(faults: string[] = []): { shards: ShardSet; faults: string[] } {
  return { shards: new ShardSet(ALL, 1 << 20, 'allkeys-lru', { fault: (message) => faults.push(message) }), faults };
}

t('deferred work that throws answers an error to its own sink; the work behind it still runs', () => {
  const { shards, faults } = quiet();
  const got: [ReplyKind, string][] = [];
  const sink = new ReplyTo((kind, payload) => got.push([kind, payload]));
  let after = false;
  shards.holdFor('t1', -1, []);
  shards.defer(() => {
    throw new Error('boom');
  }, answerTo(sink));
  shards.defer(() => (after = true));
  assert.ok(shards.abort('t1'));
  assert.equal(got, [[ReplyKind.ERROR, 'ERR boom']], 'the failed command is answered, not left hanging');
  assert.ok(after, 'the line moved on');
  assert.is(faults.length, 1, 'and it was logged');
  assert.not.ok(shards.busy);
});

t('a commit applies its writes; a link closing before its commit releases without writing; after, a commit is refused', () => {
  const { shards } = quiet();
  shards.holdFor('a', 3, [['k', 'v1']]);
  assert.ok(shards.commit('a'));
  const store = () => shards.store([...ALL].find((s) => shards.store(s)!.peekKey('k') >= 0) ?? 0)!;
  assert.is(valueOf(store(), 'k'), 'v1');
  shards.abortFrom(3);
  assert.is(valueOf(store(), 'k'), 'v1', 'a link closing after its commit changes nothing');
  shards.holdFor('b', 4, [['k', 'v2']]);
  shards.abortFrom(4);
  assert.not.ok(shards.busy, 'released');
  assert.not.ok(shards.commit('b'), 'a commit arriving after the close is not applied');
  assert.is(valueOf(store(), 'k'), 'v1');
});

t('closed links are remembered only while work waits in line', () => {
  const { shards } = quiet();
  for (let link = 0; link < 1000; link++) shards.abortFrom(link);
  assert.is(shards.goneLinkCount, 0, 'nothing waits: nothing to remember');
  // A prepare from link 5 waits behind a transaction from link 7; link 5 closes meanwhile.
  shards.holdFor('x', 7, []);
  let sawGone: boolean | null = null;
  shards.defer(() => (sawGone = shards.isGone(5)));
  shards.abortFrom(5);
  assert.ok(shards.isGone(5), 'remembered while its prepare may be waiting');
  assert.ok(shards.abort('x'));
  assert.is(sawGone, true, 'the waiting prepare saw its link gone');
  assert.is(shards.goneLinkCount, 0, 'forgotten once the line is empty');
});

t("tracking-table-max-keys is split over the shards exactly: the workers' shares add up to it; at least 1 each; 0 stays no limit", () => {
  const halves = [ALL.slice(0, 8), ALL.slice(8)];
  const thirds = [ALL.filter((s) => s % 3 === 0), ALL.filter((s) => s % 3 === 1), ALL.filter((s) => s % 3 === 2)];
  for (const max of [16, 100, 1_000_000, 1_000_003, Number.MAX_SAFE_INTEGER]) {
    for (const split of [halves, thirds, [ALL]]) assert.is(split.reduce((n, shards) => n + trackingShareOf(max, shards), 0), max, `${max}`);
  }
  assert.is(trackingShareOf(32, [3, 9]), 4);
  assert.is(trackingShareOf(3, [15]), 1, 'a share that rounds to none keeps one key');
  assert.is(trackingShareOf(0, ALL), 0);
  // A shards' change (a resize) is what re-splits it: the ShardSet's table follows its shards and CONFIG SET.
  const { shards } = quiet();
  shards.setTrackingMaxKeys(160);
  assert.is(shards.memory.tracking.maxKeys, 160);
  shards.drop(0);
  shards.drop(1);
  assert.is(shards.memory.tracking.maxKeys, 140);
});

t.run();
