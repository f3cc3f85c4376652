import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_OVERHEAD, Kind, listItems, listLength, listMatches, listOf, listPop, listPush, listRewrite, listVisit, Lru, LruList, rangesOf, StoreMemory, type EncodingLimits } from '../src/index';

const t = suite('lru: lists, packed and past their limit');

function store(limits: Partial<EncodingLimits> = {}, budget = 1 << 22): Lru {
  return new Lru(new StoreMemory({ budget, hashKey: { k0: 3, k1: 93 }, limits }));
}

function checked(lru: Lru): void {
  const fault = lru.check();
  if (fault !== null) assert.unreachable(fault);
}

function push(lru: Lru, key: string, items: string[], left: boolean): number {
  const keys = rangesOf([key]);
  const keyBuf = Buffer.from(keys.buf.subarray(0, key.length));
  const elements = rangesOf(items);
  return listPush(lru, lru.peekKey(key), { buf: keyBuf, starts: [0], ends: [key.length] }, 0, elements, 0, items.length, left);
}

function items(lru: Lru, key: string): string[] {
  const slot = lru.peekKey(key);
  return slot < 0 ? [] : listItems(lru, slot);
}

/** A seeded generator, so a failure replays. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

t('pushes keep Redis order (LPUSH a b c leaves c b a); a list stays packed within the limit, then becomes an LruList', () => {
  const lru = store({ listMaxListpackSize: 4 });
  assert.is(push(lru, 'l', ['a', 'b', 'c'], true), 3);
  assert.equal(items(lru, 'l'), ['c', 'b', 'a']);
  assert.ok(lru.isInline(lru.peekKey('l')));
  assert.is(lru.kindAt(lru.peekKey('l')), Kind.LIST);
  assert.is(lru.typeName(lru.peekKey('l')), 'list');
  assert.is(push(lru, 'l', ['x'], false), 4);
  assert.ok(lru.isInline(lru.peekKey('l')), '4 elements: still packed');
  assert.is(push(lru, 'l', ['y'], false), 5);
  const slot = lru.peekKey('l');
  assert.not.ok(lru.isInline(slot), 'past 4 elements: an LruList');
  assert.equal(items(lru, 'l'), ['c', 'b', 'a', 'x', 'y']);
  const list = lru.objectAt<LruList>(slot);
  assert.is(lru.chargeAt(slot) - list.bytes - ENTRY_OVERHEAD, 24, 'charged its block, the overhead and its bytes');
  checked(lru);
});

t('a byte limit (negative list-max-listpack-size) converts a list whose packed bytes pass it', () => {
  const lru = store({ listMaxListpackSize: -1 });
  const big = 'x'.repeat(1000);
  for (let i = 0; i < 4; i++) push(lru, 'l', [big], false);
  assert.ok(lru.isInline(lru.peekKey('l')), '4 x 1002 bytes fit 4 KiB');
  push(lru, 'l', [big], false);
  assert.not.ok(lru.isInline(lru.peekKey('l')));
  assert.is(listLength(lru, lru.peekKey('l')), 5);
  checked(lru);
});

t('pops from both ends, with counts past the length; a list emptied is deleted and its charge given back', () => {
  for (const limit of [3, 100]) {
    const lru = store({ listMaxListpackSize: limit });
    push(lru, 'l', ['1', '2', '3', '4', '5'], false);
    assert.equal(listPop(lru, lru.peekKey('l'), true, 2, []), ['1', '2']);
    assert.equal(listPop(lru, lru.peekKey('l'), false, 2, []), ['5', '4']);
    assert.equal(items(lru, 'l'), ['3']);
    checked(lru);
    assert.equal(listPop(lru, lru.peekKey('l'), false, 10, []), ['3']);
    assert.is(lru.peekKey('l'), -1);
    assert.is(lru.bytes, 0);
    assert.is(lru.memory.external, 0);
    checked(lru);
  }
});

t('a random run of pushes, pops and rewrites matches a model, in both forms, with the layout checked throughout', () => {
  for (const limit of [-1, 3, 16]) {
    const lru = store({ listMaxListpackSize: limit });
    const model = new Map<string, string[]>();
    const next = random(limit + 100);
    for (let step = 0; step < 3000; step++) {
      const key = `k${Math.floor(next() * 4)}`;
      const have = model.get(key) ?? [];
      const op = next();
      if (op < 0.45) {
        const n = 1 + Math.floor(next() * 4);
        const add = Array.from({ length: n }, () => 'v'.repeat(Math.floor(next() * (next() < 0.1 ? 700 : 20))) + step);
        const left = next() < 0.5;
        assert.is(push(lru, key, add, left), have.length + n);
        if (left) for (const v of add) have.unshift(v);
        else have.push(...add);
        model.set(key, have);
      } else if (op < 0.85) {
        if (have.length === 0) continue;
        const count = 1 + Math.floor(next() * 5);
        const left = next() < 0.5;
        const want = left ? have.splice(0, count) : have.splice(Math.max(0, have.length - count)).reverse();
        assert.equal(listPop(lru, lru.peekKey(key), left, count, step % 2 ? [] : null), step % 2 ? want : null);
        if (have.length === 0) model.delete(key);
      } else {
        if (have.length === 0) continue;
        const kept = have.filter(() => next() < 0.7);
        assert.ok(listRewrite(lru, lru.peekKey(key), kept));
        if (kept.length === 0) model.delete(key);
        else model.set(key, kept);
      }
      if (step % 50 === 0) checked(lru);
      assert.equal(items(lru, key), model.get(key) ?? [], `step ${step}`);
    }
    for (const [key, want] of model) assert.equal(items(lru, key), want);
    checked(lru);
  }
});

t('listVisit walks ranges both ways; listMatches finds equal elements from either end within maxlen', () => {
  for (const limit of [3, 100]) {
    const lru = store({ listMaxListpackSize: limit });
    push(lru, 'l', ['a', 'b', 'a', 'c', 'a'], false);
    const slot = lru.peekKey('l');
    const seen: string[] = [];
    const sink = { elementBytes: (buf: Uint8Array, s: number, e: number) => seen.push(Buffer.from(buf.subarray(s, e)).toString('latin1')), elementString: (x: string) => seen.push(x) };
    listVisit(lru, slot, 1, 3, false, sink);
    listVisit(lru, slot, 1, 3, true, sink);
    assert.equal(seen, ['b', 'a', 'c', 'c', 'a', 'b']);
    const a = Buffer.from('a');
    const found = (fromTail: boolean, maxlen: number) => {
      const at: number[] = [];
      listMatches(lru, slot, a, 0, 1, fromTail, maxlen, (i) => (at.push(i), true));
      return at;
    };
    assert.equal(found(false, 0), [0, 2, 4]);
    assert.equal(found(true, 0), [4, 2, 0]);
    assert.equal(found(false, 3), [0, 2]);
  }
});

t('a list that cannot fit changes nothing; a hand-over rebuilds either form with its kind', () => {
  const lru = store({ listMaxListpackSize: 100 }, 4096);
  assert.is(push(lru, 'l', ['x'.repeat(5000)], false), -1);
  assert.is(lru.peekKey('l'), -1);
  checked(lru);
  const to = store({ listMaxListpackSize: 2 });
  const packed = listOf(to.memory.limits, ['a', 'b']);
  const big = listOf(to.memory.limits, ['a', 'b', 'c']);
  assert.ok(to.restoreAt(5, 'p', packed, 0, 0));
  assert.ok(to.restoreAt(9, 'q', big, 0, 0));
  to.finishRestore();
  assert.ok(to.isInline(5));
  assert.not.ok(to.isInline(9));
  assert.equal(listItems(to, 5), ['a', 'b']);
  assert.equal(listItems(to, 9), ['a', 'b', 'c']);
  assert.is(to.kindAt(5), Kind.LIST);
  assert.is(to.kindAt(9), Kind.LIST);
  checked(to);
});

t('lists are evicted whole, either form, giving back their block and object bytes; noeviction refuses a push and changes nothing', () => {
  const lru = new Lru(new StoreMemory({ budget: 64 * 1024, hashKey: { k0: 1, k1: 2 }, limits: { listMaxListpackSize: 8 } }));
  for (let i = 0; i < 200; i++) push(lru, `l${i}`, Array.from({ length: 1 + (i % 12) }, () => 'x'.repeat(100)), false);
  assert.ok(lru.evictions > 0, 'older lists went to make room');
  assert.ok(lru.peekKey('l0') < 0);
  assert.ok(lru.memory.used <= lru.memory.budget);
  checked(lru);
  for (let slot = lru.oldest; slot !== -1; slot = lru.newerThan(slot)) assert.is(listItems(lru, slot).length, listLength(lru, slot));
  const full = new Lru(new StoreMemory({ budget: 16 * 1024, policy: 'noeviction', hashKey: { k0: 1, k1: 2 }, limits: { listMaxListpackSize: 4 } }));
  let pushed = 0;
  while (push(full, 'big', ['y'.repeat(200)], true) > 0) pushed++;
  assert.ok(pushed > 4, 'past the packed form');
  assert.is(listLength(full, full.peekKey('big')), pushed, 'the refused push changed nothing');
  const small = full.bytes;
  assert.is(push(full, 'other', ['z'.repeat(20_000)], true), -1);
  assert.is(full.bytes, small);
  checked(full);
});

t.run();
