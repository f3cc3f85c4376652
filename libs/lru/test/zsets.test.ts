import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FOUND, Kind, Lru, LruZset, StoreMemory, zsetEdit, zsetFind, zsetInsertPacked, zsetSize, zsetEncoding, zsetOf, zsetRead, zsetSave, type EncodingLimits, type EvictionPolicy, type ZSorted } from '../src/index';

const t = suite('lru: sorted sets, packed and past their limits');

function store(limits: Partial<EncodingLimits> = {}, budget = 1 << 22, policy: EvictionPolicy = 'allkeys-lru'): Lru {
  return new Lru(new StoreMemory({ budget, hashKey: { k0: 5, k1: 95 }, limits, policy }));
}

function checked(lru: Lru): void {
  const fault = lru.check();
  if (fault !== null) assert.unreachable(fault);
}

function keyRanges(key: string) {
  return { buf: Buffer.from(key, 'latin1'), starts: [0], ends: [key.length] };
}

/** Sets members' scores (a ZADD without options); false when it could not fit. */
function put(lru: Lru, key: string, pairs: [string, number][]): boolean {
  const slot = lru.peekKey(key);
  if (pairs.length === 1 && slot >= 0 && lru.isInline(slot)) {
    // One new member: in place, as ZADD does it, while the set stays packed.
    const bytes = Buffer.from(pairs[0][0], 'latin1');
    if (!zsetFind(lru, slot, bytes, 0, bytes.length)) {
      const added = zsetInsertPacked(lru, slot, bytes, 0, bytes.length, pairs[0][1]);
      if (added !== undefined) return added;
    }
  }
  const z = zsetEdit(lru, slot, pairs.reduce((n, [m]) => n + LruZset.cost(m.length), 0), pairs.length > 0 ? pairs[0][0].length : 0);
  if (z === null) return false;
  for (const [member, score] of pairs) z.set(member, score);
  return zsetSave(lru, slot, keyRanges(key), 0, z);
}

function remove(lru: Lru, key: string, members: string[]): void {
  const slot = lru.peekKey(key);
  if (slot < 0) return;
  const z = zsetEdit(lru, slot, 0)!;
  for (const member of members) z.delete(member);
  zsetSave(lru, slot, keyRanges(key), 0, z);
}

function pairs(z: ZSorted, from = 0, to = z.size, reverse = false): string[] {
  const out: string[] = [];
  z.visit(from, to, reverse, (member, score) => out.push(`${member}=${score}`));
  return out;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const byScore = (a: [string, number], b: [string, number]): number => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

t('a random run of adds, moves and removes matches a model in both forms: order, ranks, score and lex counts, reverse walks', () => {
  const lru = store({ zsetMaxListpackEntries: 6, zsetMaxListpackValue: 8 });
  const model = new Map<string, Map<string, number>>();
  const next = random(7);
  const member = () => (next() < 0.04 ? 'w'.repeat(12) : `m${Math.floor(next() * 40)}`);
  const score = () => [0, 1, 2.5, -3, Infinity, -Infinity, Math.floor(next() * 10)][Math.floor(next() * 7)];
  let big = 0;
  for (let step = 0; step < 3000; step++) {
    const key = `z${Math.floor(next() * 3)}`;
    const have = model.get(key) ?? new Map<string, number>();
    if (next() < 0.6) {
      const given: [string, number][] = Array.from({ length: 1 + Math.floor(next() * 4) }, () => [member(), score()]);
      assert.ok(put(lru, key, given));
      for (const [m, s] of given) have.set(m, s);
      model.set(key, have);
    } else {
      const given = Array.from({ length: 1 + Math.floor(next() * 6) }, member);
      remove(lru, key, given);
      for (const m of given) have.delete(m);
      if (have.size === 0) model.delete(key);
    }
    const slot = lru.peekKey(key);
    const want = [...(model.get(key) ?? new Map<string, number>()).entries()].sort(byScore);
    if (want.length === 0) {
      assert.is(slot, -1, `step ${step}: an emptied set is deleted`);
      continue;
    }
    assert.is(lru.kindAt(slot), Kind.ZSET);
    if (zsetEncoding(lru, slot) === 'skiplist') big++;
    const z = zsetRead(lru, slot);
    assert.is(z.size, want.length);
    assert.equal(pairs(z), want.map(([m, s]) => `${m}=${s}`), `step ${step}`);
    const probe = want[Math.floor(next() * want.length)];
    assert.is(z.rank(probe[0]), want.indexOf(probe));
    assert.ok(z.score(probe[0]) === probe[1]);
    const bytes = Buffer.from(probe[0], 'latin1');
    assert.ok(zsetFind(lru, slot, bytes, 0, bytes.length));
    assert.is(FOUND.rank, want.indexOf(probe));
    assert.ok(FOUND.score === probe[1]);
    assert.not.ok(zsetFind(lru, slot, Buffer.from('absent'), 0, 6));
    assert.is(zsetSize(lru, slot), want.length);
    const s = score();
    assert.is(z.countBelowScore(s, false), want.filter(([, x]) => x < s).length);
    assert.is(z.countBelowScore(s, true), want.filter(([, x]) => x <= s).length);
    const from = Math.floor(next() * want.length);
    assert.equal(pairs(z, from, want.length, true), want.slice(from).reverse().map(([m, x]) => `${m}=${x}`));
    checked(lru);
  }
  assert.ok(big > 100, 'the run spent time in the big form');
});

t('equal scores: lex counts by member bytes', () => {
  for (const limit of [128, 2]) {
    const lru = store({ zsetMaxListpackEntries: limit });
    assert.ok(put(lru, 'l', ['c', 'a', 'bb', 'b', '', 'd'].map((m) => [m, 0])));
    const z = zsetRead(lru, lru.peekKey('l'));
    assert.is(z.countBelowMember('b', false), 2);
    assert.is(z.countBelowMember('b', true), 3);
    assert.is(z.countBelowMember('zz', true), 6);
  }
});

t('a packed set keeps -0 as 0 (as Redis\'s listpack); a big one keeps -0', () => {
  const lru = store({ zsetMaxListpackEntries: 2 });
  assert.ok(put(lru, 'p', [['a', -0]]));
  assert.ok(Object.is(zsetRead(lru, lru.peekKey('p')).score('a'), 0));
  assert.ok(put(lru, 'b', [['a', 1], ['b', 2], ['c', -0]]));
  assert.is(zsetEncoding(lru, lru.peekKey('b')), 'skiplist');
  assert.ok(Object.is(zsetRead(lru, lru.peekKey('b')).score('c'), -0));
  const made = zsetOf(lru.memory.limits, ['x', 'y'], [1, 2]);
  assert.not.ok(made instanceof LruZset);
});

t('under noeviction a write that cannot fit answers false and changes nothing, in either form', () => {
  const lru = store({ zsetMaxListpackEntries: 4 }, 1 << 16, 'noeviction');
  assert.ok(put(lru, 'small', [['a', 1]]));
  assert.ok(put(lru, 'big', Array.from({ length: 10 }, (_, i): [string, number] => [`m${i}`, i])));
  const before = [pairs(zsetRead(lru, lru.peekKey('small'))), pairs(zsetRead(lru, lru.peekKey('big')))];
  const huge = (n: number): [string, number][] => Array.from({ length: n }, (_, i) => [`${'x'.repeat(60)}${i}`, i]);
  assert.not.ok(put(lru, 'small', huge(2000)));
  assert.not.ok(put(lru, 'big', huge(2000)));
  assert.not.ok(put(lru, 'new', huge(2000)));
  assert.equal([pairs(zsetRead(lru, lru.peekKey('small'))), pairs(zsetRead(lru, lru.peekKey('big')))], before);
  assert.is(lru.peekKey('new'), -1);
  checked(lru);
});

t.run();
