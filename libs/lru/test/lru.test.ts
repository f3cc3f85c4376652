import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_OVERHEAD, Lru } from '../src/lru';
import { sizeOf } from '../src/hash';
import { prng } from '../../../test-support/prng';

const t = suite('lru');


const keysOf = (lru: Lru) => [...lru.entries()].map(([k]) => k);

/** Checks the byte accounting against the entries themselves. */
function checkBytes(lru: Lru, what = ''): void {
  let sum = 0;
  let n = 0;
  for (const [k, v] of lru.entries()) {
    sum += k.length + sizeOf(v) + lru.entryOverhead;
    n++;
  }
  assert.is(lru.bytes, sum, `bytes vs entries ${what}`);
  assert.ok(lru.bytes <= lru.maxBytes, `bytes ${lru.bytes} > maxBytes ${lru.maxBytes} ${what}`);
  assert.is(lru.size, n, `size vs entries ${what}`);
}

t('refuses a non-positive maxBytes', () => {
  for (const maxBytes of [0, -1, NaN]) assert.throws(() => new Lru({ maxBytes }), RangeError);
});

t('charges key length + value length + entry overhead, by default ENTRY_OVERHEAD', () => {
  const lru = new Lru({ maxBytes: 1 << 20 });
  assert.is(lru.entryOverhead, ENTRY_OVERHEAD);
  assert.is(lru.costOf('abc', 'de'), 5 + ENTRY_OVERHEAD);
  lru.set('abc', 'de');
  assert.is(lru.bytes, 5 + ENTRY_OVERHEAD);
  const custom = new Lru({ maxBytes: 100, entryOverhead: 0 });
  custom.set('k', '');
  assert.is(custom.bytes, 1);
});

t('evicts the least recently used entry first', () => {
  // Each entry costs 1 + 1 + 8 = 10; room for three.
  const lru = new Lru({ maxBytes: 30, entryOverhead: 8 });
  lru.set('a', '1');
  lru.set('b', '2');
  lru.set('c', '3');
  assert.equal(keysOf(lru), ['c', 'b', 'a']);
  lru.set('d', '4');
  assert.equal(keysOf(lru), ['d', 'c', 'b']);
  assert.not.ok(lru.has('a'));
  lru.set('e', '5');
  assert.equal(keysOf(lru), ['e', 'd', 'c']);
  assert.is(lru.evictions, 2);
});

t('get() makes an entry most recently used, so it survives the next eviction', () => {
  const lru = new Lru({ maxBytes: 30, entryOverhead: 8 });
  lru.set('a', '1');
  lru.set('b', '2');
  lru.set('c', '3');
  assert.is(lru.get('a'), '1');
  assert.equal(keysOf(lru), ['a', 'c', 'b']);
  lru.set('d', '4');
  assert.equal(keysOf(lru), ['d', 'a', 'c']);
  assert.not.ok(lru.has('b'));
});

t('peek() and has() do not touch recency or counters', () => {
  const lru = new Lru({ maxBytes: 30, entryOverhead: 8 });
  lru.set('a', '1');
  lru.set('b', '2');
  lru.set('c', '3');
  assert.is(lru.peek('a'), '1');
  assert.is(lru.peek('zz'), undefined);
  assert.ok(lru.has('a'));
  assert.not.ok(lru.has('zz'));
  assert.equal(keysOf(lru), ['c', 'b', 'a']);
  assert.equal([lru.hits, lru.misses, lru.evictions], [0, 0, 0]);
  lru.set('d', '4');
  assert.not.ok(lru.has('a'));
});

t('evicts as many entries as a large new entry needs, oldest first', () => {
  const lru = new Lru({ maxBytes: 100, entryOverhead: 0 });
  for (const k of 'abcdefghij') lru.set(k, 'x'.repeat(9)); // 10 each: full
  assert.is(lru.bytes, 100);
  lru.set('big', 'y'.repeat(32)); // 35: needs four evictions
  assert.equal(keysOf(lru), ['big', 'j', 'i', 'h', 'g', 'f', 'e']);
  assert.is(lru.evictions, 4);
  assert.is(lru.bytes, 95);
});

t('an entry of exactly maxBytes fits, evicting everything else', () => {
  const lru = new Lru({ maxBytes: 50, entryOverhead: 10 });
  lru.set('a', '1');
  lru.set('b', '2');
  assert.ok(lru.set('k', 'v'.repeat(39)));
  assert.equal(keysOf(lru), ['k']);
  assert.is(lru.bytes, 50);
  assert.is(lru.evictions, 2);
});

t('overwrite updates the value, the byte accounting and recency', () => {
  const lru = new Lru({ maxBytes: 1000, entryOverhead: 10 });
  lru.set('a', 'short');
  lru.set('b', 'x');
  assert.is(lru.bytes, 1 + 5 + 10 + 1 + 1 + 10);
  assert.ok(lru.set('a', 'a much longer value'));
  assert.is(lru.peek('a'), 'a much longer value');
  assert.is(lru.size, 2);
  assert.is(lru.bytes, 1 + 19 + 10 + 1 + 1 + 10);
  assert.equal(keysOf(lru), ['a', 'b']);
  lru.set('a', '');
  assert.is(lru.bytes, 1 + 0 + 10 + 1 + 1 + 10);
  checkBytes(lru);
});

t('an overwrite that grows an entry evicts others but never the entry itself', () => {
  const lru = new Lru({ maxBytes: 40, entryOverhead: 0 });
  lru.set('a', 'x'.repeat(9));
  lru.set('b', 'x'.repeat(9));
  lru.set('c', 'x'.repeat(9));
  lru.set('d', 'x'.repeat(9)); // 40: full, 'a' oldest
  assert.ok(lru.set('a', 'y'.repeat(25))); // 26 - 10 = +16 over: evicts b and c
  assert.equal(keysOf(lru), ['a', 'd']);
  assert.is(lru.peek('a'), 'y'.repeat(25));
  assert.is(lru.bytes, 36);
  assert.is(lru.evictions, 2);
  assert.ok(lru.set('a', 'z'.repeat(39))); // exactly maxBytes: evicts d only
  assert.equal(keysOf(lru), ['a']);
  assert.is(lru.bytes, 40);
  assert.is(lru.evictions, 3);
});

t('an entry larger than maxBytes is refused and changes nothing', () => {
  const lru = new Lru({ maxBytes: 50, entryOverhead: 10 });
  lru.set('a', '1');
  lru.set('b', '2');
  lru.get('a');
  lru.get('nope');
  const before = { entries: [...lru.entries()], bytes: lru.bytes, hits: lru.hits, misses: lru.misses, evictions: lru.evictions };
  assert.is(lru.set('k', 'v'.repeat(40)), false); // 51
  assert.is(lru.set('b', 'v'.repeat(40)), false); // overwrite of an existing key, too large
  const after = { entries: [...lru.entries()], bytes: lru.bytes, hits: lru.hits, misses: lru.misses, evictions: lru.evictions };
  assert.equal(after, before);
  assert.not.ok(lru.has('k'));
  assert.is(lru.peek('b'), '2');
});

t('hits, misses and evictions are counted exactly', () => {
  const lru = new Lru({ maxBytes: 30, entryOverhead: 8 });
  lru.set('a', '1');
  lru.set('b', '2');
  assert.is(lru.get('a'), '1'); // hit
  assert.is(lru.get('a'), '1'); // hit
  assert.is(lru.get('x'), undefined); // miss
  lru.set('c', '3');
  lru.set('d', '4'); // evicts b
  lru.set('e', '5'); // evicts a
  assert.is(lru.get('b'), undefined); // miss
  lru.delete('c'); // a delete is not an eviction
  lru.set('e', '6'); // overwrite with same size: no eviction
  lru.peek('d');
  lru.has('d');
  assert.equal({ hits: lru.hits, misses: lru.misses, evictions: lru.evictions }, { hits: 2, misses: 2, evictions: 2 });
});

t('delete() removes an entry and its bytes, and reports whether it was there', () => {
  const lru = new Lru({ maxBytes: 1000, entryOverhead: 5 });
  lru.set('a', '1');
  lru.set('b', '22');
  lru.set('c', '333');
  assert.ok(lru.delete('b'));
  assert.not.ok(lru.delete('b'));
  assert.not.ok(lru.delete('never'));
  assert.equal(keysOf(lru), ['c', 'a']);
  assert.is(lru.bytes, 2 + 5 + 4 + 5);
  assert.ok(lru.delete('c')); // head
  assert.ok(lru.delete('a')); // tail, now the only one
  assert.equal(keysOf(lru), []);
  assert.is(lru.bytes, 0);
  lru.set('z', 'z');
  assert.equal(keysOf(lru), ['z']);
});

t('entries() iterates from most to least recently used without touching recency', () => {
  const lru = new Lru({ maxBytes: 10_000 });
  for (const k of ['a', 'b', 'c', 'd']) lru.set(k, k.toUpperCase());
  lru.get('b');
  lru.set('c', 'C2');
  assert.equal([...lru.entries()], [
    ['c', 'C2'],
    ['b', 'B'],
    ['d', 'D'],
    ['a', 'A'],
  ]);
  assert.equal([...lru.entries()], [...lru.entries()]);
  assert.is(lru.hits, 1);
});

t('grows past initialCapacity (16 -> 100k entries) and keeps everything', () => {
  const lru = new Lru({ maxBytes: Number.MAX_SAFE_INTEGER, initialCapacity: 16 });
  const N = 100_000;
  for (let i = 0; i < N; i++) assert.ok(lru.set(`key-${i}`, `value-${i}`));
  assert.is(lru.size, N);
  assert.is(lru.evictions, 0);
  let bytes = 0;
  for (let i = 0; i < N; i++) {
    const k = `key-${i}`;
    const v = `value-${i}`;
    if (lru.peek(k) !== v) assert.is(lru.peek(k), v, k);
    bytes += k.length + v.length + ENTRY_OVERHEAD;
  }
  assert.is(lru.bytes, bytes);
  const keys = keysOf(lru);
  assert.is(keys.length, N);
  for (let i = 0; i < N; i++) if (keys[i] !== `key-${N - 1 - i}`) assert.is(keys[i], `key-${N - 1 - i}`, `position ${i}`);
});

t('evicts in the right order after growing', () => {
  const lru = new Lru({ maxBytes: 1000 * (4 + 1 + 10), entryOverhead: 10, initialCapacity: 16 });
  for (let i = 0; i < 1000; i++) lru.set(String(i).padStart(4, '0'), 'v');
  for (let i = 0; i < 1000; i += 2) lru.get(String(i).padStart(4, '0')); // evens become recent
  for (let i = 0; i < 500; i++) lru.set(`n${String(i).padStart(3, '0')}`, 'v');
  // The 500 odd keys were least recently used and went first.
  for (let i = 0; i < 1000; i++) assert.is(lru.has(String(i).padStart(4, '0')), i % 2 === 0, String(i));
  assert.is(lru.evictions, 500);
  checkBytes(lru);
});

t('reuses slots after delete instead of growing, and keeps size right', () => {
  const lru = new Lru({ maxBytes: 1 << 20, initialCapacity: 16 });
  const capacity = () => (lru as unknown as { sizes: Int32Array }).sizes.length;
  assert.is(capacity(), 16);
  for (let round = 0; round < 1000; round++) {
    for (let i = 0; i < 16; i++) lru.set(`r${round}-${i}`, 'v');
    assert.is(lru.size, 16);
    for (let i = 0; i < 16; i++) assert.ok(lru.delete(`r${round}-${i}`));
    assert.is(lru.size, 0);
  }
  assert.is(capacity(), 16, 'freed slots were reused');
  // Interleaved: delete from the middle, insert, check order and contents.
  for (let i = 0; i < 16; i++) lru.set(`k${i}`, `v${i}`);
  lru.delete('k3');
  lru.delete('k9');
  lru.set('x', 'X');
  lru.set('y', 'Y');
  assert.is(capacity(), 16);
  assert.is(lru.size, 16);
  assert.equal(keysOf(lru), ['y', 'x', 'k15', 'k14', 'k13', 'k12', 'k11', 'k10', 'k8', 'k7', 'k6', 'k5', 'k4', 'k2', 'k1', 'k0']);
  assert.is(lru.peek('k4'), 'v4');
  assert.is(lru.peek('x'), 'X');
  checkBytes(lru);
});

t('clear() empties the cache and it works normally afterwards', () => {
  const lru = new Lru({ maxBytes: 300, entryOverhead: 10, initialCapacity: 16 });
  for (let i = 0; i < 40; i++) lru.set(`k${i}`, 'value');
  lru.delete('k39');
  lru.clear();
  assert.is(lru.size, 0);
  assert.is(lru.bytes, 0);
  assert.equal([...lru.entries()], []);
  assert.not.ok(lru.has('k38'));
  assert.is(lru.peek('k38'), undefined);
  const evictions = lru.evictions;
  const key = (i: number) => `n${String(i).padStart(2, '0')}`;
  for (let i = 0; i < 20; i++) lru.set(key(i), 'x'.repeat(7)); // 20 each: room for 15
  assert.is(lru.size, 15);
  assert.equal(keysOf(lru), Array.from({ length: 15 }, (_, i) => key(19 - i)));
  assert.is(lru.evictions - evictions, 5);
  checkBytes(lru);
});

/**
 * Reference model: a Map whose insertion order is recency, least recent first; an access deletes
 * and re-inserts. Evicts from the front.
 */
class Model {
  readonly map = new Map<string, string>();
  bytes = 0;
  hits = 0;
  misses = 0;
  evictions = 0;
  constructor(
    readonly maxBytes: number,
    readonly overhead: number,
  ) {}
  private cost(k: string, v: string): number {
    return k.length + v.length + this.overhead;
  }
  get(k: string): string | undefined {
    const v = this.map.get(k);
    if (v === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    this.map.delete(k);
    this.map.set(k, v);
    return v;
  }
  peek(k: string): string | undefined {
    return this.map.get(k);
  }
  set(k: string, v: string): { ok: boolean; evicted: string[] } {
    const cost = this.cost(k, v);
    if (cost > this.maxBytes) return { ok: false, evicted: [] };
    const old = this.map.get(k);
    if (old !== undefined) {
      this.bytes -= this.cost(k, old);
      this.map.delete(k);
    }
    const evicted: string[] = [];
    while (this.bytes + cost > this.maxBytes) {
      const [lk, lv] = this.map.entries().next().value as [string, string];
      this.map.delete(lk);
      this.bytes -= this.cost(lk, lv);
      this.evictions++;
      evicted.push(lk);
    }
    this.map.set(k, v);
    this.bytes += cost;
    return { ok: true, evicted };
  }
  delete(k: string): boolean {
    const v = this.map.get(k);
    if (v === undefined) return false;
    this.map.delete(k);
    this.bytes -= this.cost(k, v);
    return true;
  }
  clear(): void {
    this.map.clear();
    this.bytes = 0;
  }
  /** Most recent first, like Lru.entries(). */
  entries(): Array<[string, string]> {
    return [...this.map.entries()].reverse();
  }
}

function randomString(rand: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(Math.floor(rand() * 256));
  return s;
}

function runRandomSequence(seed: number, steps: number, maxBytes: number, overhead: number, initialCapacity: number): void {
  const rand = prng(seed);
  const lru = new Lru({ maxBytes, entryOverhead: overhead, initialCapacity });
  const model = new Model(maxBytes, overhead);
  const pool: string[] = [];
  for (let i = 0; i < 60; i++) pool.push(randomString(rand, 1 + Math.floor(rand() * (i % 3 === 0 ? 200 : 12))));
  const pickKey = () => (rand() < 0.9 ? pool[Math.floor(rand() * pool.length)] : randomString(rand, 1 + Math.floor(rand() * 20)));
  const valueSize = () => {
    const r = rand();
    if (r < 0.5) return Math.floor(rand() * 16);
    if (r < 0.9) return Math.floor(rand() * 300);
    if (r < 0.97) return Math.floor(rand() * maxBytes);
    return maxBytes + Math.floor(rand() * 10) - overhead - 5; // around the limit, sometimes over
  };

  for (let step = 0; step < steps; step++) {
    const r = rand();
    let what: string;
    if (r < 0.45) {
      // set: a new key or an overwrite (keys come from a small pool)
      const k = rand() < 0.3 && model.map.size > 0 ? [...model.map.keys()][Math.floor(rand() * model.map.size)] : pickKey();
      const v = randomString(rand, Math.max(0, valueSize()));
      what = `#${step} set(${JSON.stringify(k).slice(0, 20)}, ${v.length} bytes)`;
      const before = new Set(keysOf(lru));
      const expected = model.set(k, v);
      assert.is(lru.set(k, v), expected.ok, what);
      const after = new Set(keysOf(lru));
      const evicted = [...before].filter((x) => !after.has(x));
      assert.equal(evicted.sort(), expected.evicted.sort(), `${what}: evicted keys`);
    } else if (r < 0.75) {
      const k = rand() < 0.7 && model.map.size > 0 ? [...model.map.keys()][Math.floor(rand() * model.map.size)] : pickKey();
      what = `#${step} get`;
      assert.is(lru.get(k), model.get(k), what);
    } else if (r < 0.82) {
      const k = pickKey();
      what = `#${step} peek`;
      assert.is(lru.peek(k), model.peek(k), what);
      assert.is(lru.has(k), model.peek(k) !== undefined, what);
    } else if (r < 0.9995) {
      const k = rand() < 0.7 && model.map.size > 0 ? [...model.map.keys()][Math.floor(rand() * model.map.size)] : pickKey();
      what = `#${step} delete`;
      assert.is(lru.delete(k), model.delete(k), what);
    } else {
      what = `#${step} clear`;
      lru.clear();
      model.clear();
    }
    checkBytes(lru, what);
    assert.is(lru.bytes, model.bytes, `${what}: bytes vs model`);
    assert.is(lru.size, model.map.size, `${what}: size vs model`);
    assert.equal([lru.hits, lru.misses, lru.evictions], [model.hits, model.misses, model.evictions], `${what}: counters`);
    const got = [...lru.entries()];
    const want = model.entries();
    if (got.length !== want.length || got.some(([k, v], i) => k !== want[i][0] || v !== want[i][1])) {
      assert.equal(got, want, `${what}: entries in recency order`);
    }
  }
}

t('matches a reference model after every step of a long seeded-random sequence (small cache)', () => {
  runRandomSequence(1, 20_000, 2_000, 16, 16);
});

t('matches a reference model after every step of a long seeded-random sequence (default overhead)', () => {
  runRandomSequence(2, 20_000, 8_000, ENTRY_OVERHEAD, 16);
});

t('matches a reference model across several seeds and no overhead', () => {
  for (let seed = 100; seed < 110; seed++) runRandomSequence(seed, 3_000, 1_500 + seed, 0, 16);
});

t('an entry past its expiry is gone for get, peek, has and delete, and counts as expired', () => {
  const lru = new Lru({ maxBytes: 10_000, entryOverhead: 10 });
  lru.set('old', 'v', Date.now() - 1);
  lru.set('new', 'v', Date.now() + 60_000);
  lru.set('plain', 'v');
  assert.is(lru.volatile, 2);
  assert.is(lru.get('old'), undefined);
  assert.is(lru.misses, 1);
  assert.is(lru.expirations, 1);
  assert.not.ok(lru.has('old'));
  assert.is(lru.size, 2);
  assert.is(lru.bytes, (3 + 1 + 10) + (5 + 1 + 10), 'new and plain remain');
  assert.is(lru.volatile, 1);
  assert.is(lru.get('new'), 'v');
});

t('expiry can be read, set, kept on overwrite with keepTtl, and cleared', () => {
  const lru = new Lru({ maxBytes: 10_000 });
  const at = Date.now() + 60_000;
  lru.set('k', 'v', at);
  assert.is(lru.expiryOf('k'), at);
  assert.is(lru.expiryOf('missing'), -1);
  lru.set('k', 'v2', 0, true);
  assert.is(lru.expiryOf('k'), at, 'keepTtl keeps it');
  lru.set('k', 'v3');
  assert.is(lru.expiryOf('k'), 0, 'a plain overwrite clears it');
  assert.is(lru.volatile, 0);
  assert.ok(lru.setExpiryOf('k', at));
  assert.is(lru.volatile, 1);
  assert.ok(lru.setExpiryOf('k', 0));
  assert.is(lru.volatile, 0);
  assert.not.ok(lru.setExpiryOf('missing', at));
});

t('sampling removes expired entries without anyone reading them, and keeps bytes exact', () => {
  const lru = new Lru({ maxBytes: 10_000_000, entryOverhead: 10 });
  const past = Date.now() - 1;
  for (let i = 0; i < 1000; i++) lru.set(`dead${i}`, 'x', past);
  for (let i = 0; i < 1000; i++) lru.set(`live${i}`, 'x', i % 2 ? Date.now() + 60_000 : 0);
  let rounds = 0;
  while (lru.volatile > 500 && rounds++ < 10_000) lru.expireSample(Date.now(), 20);
  assert.is(lru.size, 1000, 'only the live entries remain');
  assert.is(lru.expirations, 1000);
  assert.is(lru.volatile, 500);
  let bytes = 0;
  for (const [k, v] of lru.entries()) bytes += k.length + sizeOf(v) + 10;
  assert.is(lru.bytes, bytes);
  assert.is(lru.expireSample(Date.now(), 1000), 0, 'nothing live is removed');
});

t('active expiry finds the few expired entries among many without one', () => {
  const lru = new Lru({ maxBytes: 1e9, entryOverhead: 10 });
  for (let i = 0; i < 20_000; i++) lru.set(`plain${i}`, 'x');
  for (let i = 0; i < 50; i++) lru.set(`dead${i}`, 'x', Date.now() - 1);
  lru.set('later', 'x', Date.now() + 60_000);
  let calls = 0;
  while (lru.volatile > 1 && calls++ < 100) lru.expireSample(Date.now(), 20);
  assert.is(lru.expirations, 50);
  assert.ok(calls < 100, `took ${calls} rounds of 20 samples`);
  assert.is(lru.size, 20_001);
  assert.is(lru.expiryOf('later') > 0, true);
  lru.setExpiryOf('later', 0);
  assert.is(lru.volatile, 0);
  assert.is(lru.expireSample(Date.now(), 20), 0);
});

t('noeviction refuses a write that does not fit and changes nothing', () => {
  const lru = new Lru({ maxBytes: 100, entryOverhead: 10, policy: 'noeviction' });
  assert.ok(lru.set('a', 'x'.repeat(39)));
  assert.ok(lru.set('b', 'x'.repeat(39)));
  assert.not.ok(lru.set('c', 'x'.repeat(9)), 'no room and nothing may go');
  assert.not.ok(lru.set('a', 'x'.repeat(60)), 'an overwrite that grows past the limit is refused too');
  assert.is(lru.peek('a'), 'x'.repeat(39));
  assert.is(lru.size, 2);
  assert.is(lru.evictions, 0);
  assert.ok(lru.set('a', 'short'), 'a shrinking overwrite fits');
  assert.ok(lru.set('c', 'x'), 'and then there is room');
});

t('volatile-lru evicts only entries with an expiry, least recently used first, else refuses', () => {
  const lru = new Lru({ maxBytes: 100, entryOverhead: 10, policy: 'volatile-lru' });
  const later = Date.now() + 60_000;
  lru.set('p1', 'x'.repeat(9));
  lru.set('v1', 'x'.repeat(8), later);
  lru.set('v2', 'x'.repeat(8), later);
  lru.set('p2', 'x'.repeat(9));
  lru.get('v1');
  assert.is(lru.bytes, 82);
  assert.is(lru.volatileBytes, 40);
  assert.ok(lru.set('n1', 'x'.repeat(26)), 'fits after evicting v2, the least recently used volatile entry');
  assert.not.ok(lru.has('v2'));
  assert.ok(lru.has('p1') && lru.has('p2') && lru.has('v1'));
  assert.ok(lru.set('n2', 'x'.repeat(8)), 'evicts v1');
  assert.not.ok(lru.has('v1'));
  assert.not.ok(lru.set('n3', 'x'.repeat(30)), 'only entries without expiry left: refused');
  assert.ok(lru.has('p1') && lru.has('p2'));
  assert.is(lru.evictions, 2);
  assert.is(lru.volatileBytes, 0, 'no entry with a TTL is left');
  let bytes = 0;
  for (const [k, v] of lru.entries()) bytes += k.length + sizeOf(v) + 10;
  assert.is(lru.bytes, bytes);
});

t('allkeys-lru never evicts the entry being overwritten, even when it is the oldest', () => {
  const lru = new Lru({ maxBytes: 100, entryOverhead: 10 });
  lru.set('old', 'x'.repeat(20));
  lru.set('mid', 'x'.repeat(20));
  lru.set('new', 'x'.repeat(20));
  assert.ok(lru.set('old', 'x'.repeat(40)), 'grows from 33 to 53 bytes');
  assert.is(lru.peek('old'), 'x'.repeat(40));
  assert.not.ok(lru.has('mid'), 'the next oldest went instead');
  assert.ok(lru.bytes <= 100);
});

t('a shard without TTLs keeps no expiry arrays; the first TTL makes them, clear() drops them', () => {
  const lru = new Lru({ maxBytes: 1e6, initialCapacity: 16 });
  const ttlOf = () => (lru as unknown as { ttl: unknown }).ttl;
  for (let i = 0; i < 100; i++) lru.set(`k${i}`, 'v');
  lru.set('k1', 'w', 0);
  assert.is(ttlOf(), null);
  assert.is(lru.expiryOf('k1'), 0);
  lru.set('t', 'v', Date.now() + 60_000);
  assert.ok(ttlOf() !== null);
  for (let i = 100; i < 1000; i++) lru.set(`k${i}`, 'v', i % 3 ? 0 : Date.now() + 60_000);
  assert.is(lru.volatile, 1 + 300);
  assert.ok(lru.expiryOf('k999') > 0 && lru.expiryOf('k998') === 0);
  lru.clear();
  assert.is(ttlOf(), null);
  assert.is(lru.volatile, 0);
});

t('restoreAt rebuilds entries at given slots; it refuses a taken slot or key, or an entry that does not fit', () => {
  const lru = new Lru({ maxBytes: 4 * (ENTRY_OVERHEAD + 2), entryOverhead: ENTRY_OVERHEAD, initialCapacity: 16 });
  assert.ok(lru.restoreAt(40, 'a', '1', 0));
  assert.ok(lru.restoreAt(3, 'b', '2', Date.now() + 60_000));
  assert.not.ok(lru.restoreAt(40, 'c', '3', 0), 'slot taken');
  assert.not.ok(lru.restoreAt(5, 'a', '9', 0), 'key taken');
  assert.ok(lru.restoreAt(0, 'c', '3', 0));
  assert.not.ok(lru.restoreAt(7, 'd', '4'.repeat(100), 0), 'over maxBytes');
  lru.finishRestore();
  const seen: string[] = [];
  lru.forEachOldestFirst((key, _value, expireAt, slot) => {
    seen.push(`${key}@${slot}${expireAt > 0 ? '+ttl' : ''}`);
  });
  assert.equal(seen, ['a@40', 'b@3+ttl', 'c@0']);
  assert.is(lru.volatile, 1);
  // The slots left empty below 40 are free again: a new entry takes the lowest, not slot 41.
  lru.set('e', '5');
  const slots: string[] = [];
  lru.forEachOldestFirst((key, _v, _e, slot) => {
    slots.push(`${key}@${slot}`);
  });
  assert.is(slots.at(-1), 'e@1', slots.join(' '));
});

t.run();
