import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_OVERHEAD, Kind, Lru, LruSet, rangesOf, setAdd, setEncoding, setHas, setMembers, setOf, setPop, setRandomMembers, setRemove, setScan, setSize, StoreMemory, writeSet, type EncodingLimits } from '../src/index';

const t = suite('lru: sets, packed (intset, listpack) and past their limits');

function store(limits: Partial<EncodingLimits> = {}, budget = 1 << 22): Lru {
  return new Lru(new StoreMemory({ budget, hashKey: { k0: 5, k1: 95 }, limits }));
}

function checked(lru: Lru): void {
  const fault = lru.check();
  if (fault !== null) assert.unreachable(fault);
}

function keyRanges(key: string) {
  return { buf: Buffer.from(key, 'latin1'), starts: [0], ends: [key.length] };
}

function add(lru: Lru, key: string, members: string[]): number {
  return setAdd(lru, lru.peekKey(key), keyRanges(key), 0, rangesOf(members), 0, members.length);
}

function remove(lru: Lru, key: string, members: string[]): number {
  const slot = lru.peekKey(key);
  return slot < 0 ? 0 : setRemove(lru, slot, rangesOf(members), 0, members.length);
}

function members(lru: Lru, key: string): string[] {
  const slot = lru.peekKey(key);
  return slot < 0 ? [] : setMembers(lru, slot).sort();
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

t('integers stay an intset (sorted, widened as needed) up to set-max-intset-entries; a string makes a listpack; past the limits a hashtable', () => {
  const lru = store({ setMaxIntsetEntries: 4, setMaxListpackEntries: 6, setMaxListpackValue: 8 });
  assert.is(add(lru, 's', ['3', '1', '2', '1']), 3);
  assert.is(setEncoding(lru, lru.peekKey('s')), 'intset');
  assert.equal(setMembers(lru, lru.peekKey('s')), ['1', '2', '3']);
  assert.is(add(lru, 's', ['-9223372036854775808']), 1);
  assert.is(setEncoding(lru, lru.peekKey('s')), 'intset');
  assert.equal(setMembers(lru, lru.peekKey('s'))[0], '-9223372036854775808');
  assert.is(add(lru, 's', ['7']), 1);
  assert.is(setEncoding(lru, lru.peekKey('s')), 'hashtable', 'past 4 integers');
  assert.is(lru.kindAt(lru.peekKey('s')), Kind.SET);
  assert.is(lru.typeName(lru.peekKey('s')), 'set');
  assert.is(add(lru, 't', ['1', 'a']), 2);
  assert.is(setEncoding(lru, lru.peekKey('t')), 'listpack');
  assert.is(add(lru, 't', ['01']), 1, '01 is not the integer 1');
  assert.is(add(lru, 't', ['123456789']), 1);
  assert.is(setEncoding(lru, lru.peekKey('t')), 'hashtable', 'a member past the value limit');
  const set = lru.objectAt<LruSet>(lru.peekKey('t'));
  assert.is(lru.chargeAt(lru.peekKey('t')) - set.bytes - ENTRY_OVERHEAD, 24);
  assert.ok(setHas(lru, lru.peekKey('t'), Buffer.from('01'), 0, 2));
  assert.not.ok(setHas(lru, lru.peekKey('t'), Buffer.from('1 '), 0, 2));
  checked(lru);
});

t('a random run of adds, removes, pops and rewrites matches a model in every form, the layout checked throughout', () => {
  for (const limits of [{ setMaxIntsetEntries: 3, setMaxListpackEntries: 4 }, {}]) {
    const lru = store(limits);
    const model = new Map<string, Set<string>>();
    const next = random(Object.keys(limits).length + 11);
    const member = () => (next() < 0.6 ? String(Math.floor(next() * 40) - 10) : next() < 0.05 ? 'w'.repeat(100) : `m${Math.floor(next() * 30)}`);
    for (let step = 0; step < 4000; step++) {
      const key = `k${Math.floor(next() * 3)}`;
      const have = model.get(key) ?? new Set<string>();
      const op = next();
      if (op < 0.5) {
        const given = Array.from({ length: 1 + Math.floor(next() * 3) }, member);
        const before = have.size;
        for (const m of given) have.add(m);
        assert.is(add(lru, key, given), have.size - before);
        model.set(key, have);
      } else if (op < 0.8) {
        const given = Array.from({ length: 1 + Math.floor(next() * 3) }, member);
        let gone = 0;
        for (const m of new Set(given)) if (have.delete(m)) gone++;
        assert.is(remove(lru, key, given), gone, `step ${step}`);
        if (have.size === 0) model.delete(key);
      } else if (op < 0.9) {
        if (have.size === 0) continue;
        const popped = setPop(lru, lru.peekKey(key), 1 + Math.floor(next() * 3), [], next);
        for (const m of popped) assert.ok(have.delete(m), `popped ${m} was a member`);
        if (have.size === 0) model.delete(key);
      } else {
        if (have.size === 0) continue;
        const kept = [...have].filter(() => next() < 0.7);
        if (kept.length === 0) continue;
        assert.ok(writeSet(lru, lru.peekKey(key), keyRanges(key), 0, kept) >= 0);
        model.set(key, new Set(kept));
      }
      if (step % 50 === 0) checked(lru);
      assert.equal(members(lru, key), [...(model.get(key) ?? [])].sort(), `step ${step}`);
      const slot = lru.peekKey(key);
      if (slot >= 0) assert.is(setSize(lru, slot), model.get(key)!.size);
    }
    checked(lru);
  }
});

t('random members: distinct picks, or with repeats; SSCAN walks a big set by cursor and answers a packed one whole', () => {
  const lru = store({ setMaxIntsetEntries: 4, setMaxListpackEntries: 4 });
  add(lru, 'small', ['1', '2', '3']);
  add(lru, 'big', Array.from({ length: 100 }, (_, i) => `m${i}`));
  const next = random(3);
  for (const key of ['small', 'big']) {
    const slot = lru.peekKey(key);
    const all = setMembers(lru, slot);
    const picks = setRandomMembers(lru, slot, 3, false, [], next);
    assert.is(new Set(picks).size, 3);
    for (const m of picks) assert.ok(all.includes(m));
    assert.is(setRandomMembers(lru, slot, 50, true, [], next).length, 50);
    assert.equal(setRandomMembers(lru, slot, 1000, false, [], next).sort(), [...all].sort());
  }
  const out: string[] = [];
  assert.is(setScan(lru, lru.peekKey('small'), 0, 1, out), 0);
  assert.equal(out.sort(), ['1', '2', '3']);
  const walked: string[] = [];
  let cursor = 0;
  let calls = 0;
  do {
    cursor = setScan(lru, lru.peekKey('big'), cursor, 10, walked);
    calls++;
  } while (cursor !== 0);
  assert.is(calls, 10);
  assert.is(new Set(walked).size, 100);
});

t('a set that cannot fit changes nothing; setOf builds either form for a hand-over', () => {
  const lru = store({}, 4096);
  assert.is(add(lru, 's', ['x'.repeat(5000)]), -1);
  assert.is(lru.peekKey('s'), -1);
  checked(lru);
  const to = store({ setMaxIntsetEntries: 2 });
  const packed = setOf(to.memory.limits, ['5', '-1']);
  assert.not.instance(packed, LruSet);
  assert.ok(to.restoreAt(3, 'p', { kind: Kind.SET, bytes: Buffer.from((packed as { bytes: Buffer }).bytes) }, 0, 0));
  assert.ok(to.restoreAt(4, 'q', setOf(to.memory.limits, ['1', '2', '3']), 0, 0));
  to.finishRestore();
  assert.equal(setMembers(to, 3), ['-1', '5']);
  assert.is(setEncoding(to, 4), 'hashtable');
  checked(to);
});

t('a set of 300,000 members answers SRANDMEMBER and SPOP with counts past its size whole', () => {
  const lru = store({}, 1 << 28);
  const all = Array.from({ length: 300_000 }, (_, i) => `m${i}`);
  for (let i = 0; i < all.length; i += 1000) add(lru, 'big', all.slice(i, i + 1000));
  const slot = lru.peekKey('big');
  assert.is(setRandomMembers(lru, slot, 1_000_000, false, []).length, 300_000);
  assert.is(setPop(lru, slot, 1_000_000, []).length, 300_000);
  assert.is(lru.peekKey('big'), -1);
  checked(lru);
});

t.run();
