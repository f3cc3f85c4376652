import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIELD_OVERHEAD, HASH_OVERHEAD, LruHash, sizeOf, type Value } from '../src/hash';
import { Lru } from '../src/lru';
import { prng } from '../../../test-support/prng';

const t = suite('lru:hash');

const OVERHEAD = 10;
/** What a hash of these fields is charged besides key and entry overhead. */
const hashBytes = (pairs: [string, string][]) => HASH_OVERHEAD + pairs.reduce((sum, [f, v]) => sum + f.length + v.length + FIELD_OVERHEAD, 0);

function hashOf(...pairs: [string, string][]): LruHash {
  const hash = new LruHash();
  for (const [f, v] of pairs) hash.set(f, v);
  return hash;
}

function pairs(hash: LruHash): [string, string][] {
  const out: [string, string][] = [];
  hash.forEach((f, v) => out.push([f, v]));
  return out;
}

/** Checks the byte accounting of every entry against its contents. */
function checkBytes(lru: Lru): void {
  let sum = 0;
  for (const [k, v] of lru.entries()) sum += k.length + sizeOf(v) + lru.entryOverhead;
  assert.is(lru.bytes, sum, 'bytes vs entries');
  assert.ok(lru.bytes <= lru.maxBytes, `bytes ${lru.bytes} > maxBytes ${lru.maxBytes}`);
}

t('a hash keeps its bytes: fields, values and their overheads, through set, overwrite and delete', () => {
  const hash = new LruHash();
  assert.is(hash.bytes, HASH_OVERHEAD);
  assert.ok(hash.set('f', 'abc'));
  assert.not.ok(hash.set('f', 'abcdef'), 'an overwrite is not new');
  assert.ok(hash.set('', ''), 'the empty field is a field');
  assert.is(hash.bytes, hashBytes([['f', 'abcdef'], ['', '']]));
  assert.is(hash.growthOf('f', 'a'), -5);
  assert.is(hash.growthOf('g', 'xy'), 1 + 2 + FIELD_OVERHEAD);
  assert.ok(hash.delete('f'));
  assert.not.ok(hash.delete('f'));
  assert.is(hash.bytes, hashBytes([['', '']]));
  assert.is(hash.size, 1);
  assert.is(hash.get(''), '');
  assert.is(hash.get('f'), undefined);
});

t('fields come in insertion order; a delete keeps the others in order; holes are squeezed out', () => {
  const hash = new LruHash();
  for (let i = 0; i < 40; i++) hash.set(`f${i}`, `v${i}`);
  for (let i = 0; i < 40; i += 2) hash.delete(`f${i}`);
  hash.set('f1', 'again');
  hash.set('new', 'n');
  const expected = Array.from({ length: 20 }, (_, j) => `f${2 * j + 1}`).concat('new');
  assert.equal(hash.appendTo([], true, false), expected);
  assert.equal(hash.appendTo([], false, true).slice(0, 2), ['again', 'v3']);
  assert.equal(hash.appendTo([], true, true).slice(0, 4), ['f1', 'again', 'f3', 'v3']);
  assert.equal(hash.positions().length, 21);
  for (let i = 0; i < 100; i++) {
    const at = hash.randomPosition();
    assert.is(hash.get(hash.fieldAt(at)), hash.valueAt(at), 'a random position holds a live field');
  }
});

t('scan by insertion number returns each field present throughout exactly once, whatever changes meanwhile', () => {
  const rand = prng(31);
  for (const count of [1, 3, 10, 50]) {
    const hash = new LruHash();
    for (let i = 0; i < 300; i++) hash.set(`stay${i}`, 'v');
    let churn = 0;
    const seen: string[] = [];
    let cursor = 0;
    let steps = 0;
    do {
      const out: string[] = [];
      cursor = hash.scan(cursor, count, out);
      assert.ok(out.length <= count * 2, 'at most count fields a step');
      for (let i = 0; i < out.length; i += 2) seen.push(out[i]);
      // Fields come and go, existing ones are overwritten, holes are squeezed out.
      for (let j = 0; j < 5; j++) hash.set(`tmp${churn++}`, 'x');
      for (let j = 0; j < 4; j++) hash.delete(`tmp${Math.floor(rand() * churn)}`);
      hash.set(`stay${Math.floor(rand() * 300)}`, 'updated');
      steps++;
    } while (cursor !== 0 && steps < 10_000);
    const stays = seen.filter((f) => f.startsWith('stay'));
    assert.is(stays.length, 300, `count ${count}: every field present throughout`);
    assert.is(new Set(stays).size, 300, `count ${count}: each once`);
  }
});

t('scan: an empty hash, a cursor past the end, and restore() keeping insertion numbers', () => {
  const out: string[] = [];
  assert.is(new LruHash().scan(0, 10, out), 0);
  const hash = hashOf(['a', '1'], ['b', '2'], ['c', '3']);
  hash.delete('a');
  assert.is(hash.scan(2 ** 60, 10, out), 0);
  assert.equal(out, []);
  const next = hash.scan(0, 1, out);
  assert.equal(out, ['b', '2']);
  // Rebuilt elsewhere from its numbered fields, the hash answers the same cursor the same way.
  const copy = new LruHash();
  hash.forEachNumbered((f, v, seq) => assert.ok(copy.restore(f, v, seq)));
  assert.not.ok(copy.restore('b', 'x', 99), 'a field already there is refused');
  assert.not.ok(copy.restore('z', 'x', 1), 'a number not above the last is refused');
  const rest: string[] = [];
  assert.is(copy.scan(next, 10, rest), 0);
  assert.equal(rest, ['c', '3']);
  assert.is(copy.bytes, hash.bytes);
  copy.set('d', '4');
  const all: string[] = [];
  copy.scan(0, 10, all);
  assert.equal(all, ['b', '2', 'c', '3', 'd', '4'], 'a field added after a restore goes last');
});

t('an Lru charges a hash key + hash bytes + entry overhead, again on each change (reserve, hashChanged)', () => {
  const lru = new Lru({ maxBytes: 1e6, entryOverhead: OVERHEAD });
  const hash = hashOf(['a', '1']);
  assert.ok(lru.setHash('h', hash));
  assert.is(lru.chargeOf('h'), 1 + hashBytes([['a', '1']]) + OVERHEAD);
  assert.is(lru.typeOf('h'), 'hash');
  assert.is(lru.peek('h'), hash);
  assert.ok(lru.reserve('h', hash.growthOf('bb', '22')));
  hash.set('bb', '22');
  lru.hashChanged('h');
  assert.is(lru.chargeOf('h'), 1 + hashBytes([['a', '1'], ['bb', '22']]) + OVERHEAD);
  checkBytes(lru);
  hash.delete('a');
  lru.hashChanged('h');
  checkBytes(lru);
  hash.delete('bb');
  lru.hashChanged('h');
  assert.is(lru.typeOf('h'), 'none', 'an empty hash is deleted');
  assert.is(lru.bytes, 0);
  assert.is(lru.size, 0);
});

t('a hash is evicted whole, least recently used first; growing one evicts others, never itself', () => {
  const one = 1 + hashBytes([['f', 'v']]) + OVERHEAD;
  const lru = new Lru({ maxBytes: one * 3, entryOverhead: OVERHEAD });
  for (const key of ['a', 'b', 'c']) assert.ok(lru.setHash(key, hashOf(['f', 'v'])));
  lru.get('a');
  // b is the least recently used: a new hash takes its place, whole.
  assert.ok(lru.setHash('d', hashOf(['f', 'v'])));
  assert.is(lru.typeOf('b'), 'none');
  assert.is(lru.evictions, 1);
  // c is now the oldest: growing d by a field needs c's room (and a's).
  const d = lru.peek('d') as LruHash;
  const growth = d.growthOf('g', 'w');
  assert.ok(lru.reserve('d', growth));
  d.set('g', 'w');
  lru.hashChanged('d');
  assert.is(lru.typeOf('c'), 'none');
  assert.is(lru.typeOf('d'), 'hash');
  checkBytes(lru);
  assert.not.ok(lru.reserve('d', lru.maxBytes), 'more than the whole store: refused');
  assert.not.ok(lru.reserve('nosuch', 1));
});

t('noeviction: a hash that cannot grow is refused and nothing is evicted; volatile-lru frees only TTL keys', () => {
  const size = 1 + hashBytes([['f', 'v']]) + OVERHEAD;
  const lru = new Lru({ maxBytes: size * 2, entryOverhead: OVERHEAD, policy: 'noeviction' });
  assert.ok(lru.setHash('a', hashOf(['f', 'v'])));
  assert.ok(lru.setHash('b', hashOf(['f', 'v'])));
  assert.not.ok(lru.setHash('c', hashOf(['f', 'v'])));
  assert.not.ok(lru.reserve('a', 1));
  assert.is(lru.size, 2);
  assert.is(lru.evictions, 0);

  const volatile = new Lru({ maxBytes: size * 2, entryOverhead: OVERHEAD, policy: 'volatile-lru' });
  volatile.setHash('a', hashOf(['f', 'v']));
  volatile.setHash('b', hashOf(['f', 'v']));
  assert.not.ok(volatile.reserve('a', 1), 'nothing has a TTL');
  volatile.setExpiryOf('b', Date.now() + 60_000);
  assert.is(volatile.volatileBytes, size);
  assert.ok(volatile.reserve('a', 1), 'b has one: it goes');
  assert.is(volatile.typeOf('b'), 'none');
  assert.is(volatile.volatileBytes, 0);
  // A hash with a TTL that grows keeps volatileBytes exact.
  volatile.setExpiryOf('a', Date.now() + 60_000);
  const a = volatile.peek('a') as LruHash;
  a.set('gg', 'ww');
  volatile.hashChanged('a');
  assert.is(volatile.volatileBytes, volatile.chargeOf('a'));
});

t('a hash expires whole (on access and by sampling); SET over a hash makes it a string, setHash over a string a hash', () => {
  const lru = new Lru({ maxBytes: 1e6, entryOverhead: OVERHEAD });
  lru.setHash('h', hashOf(['f', 'v']));
  lru.setExpiryOf('h', Date.now() - 1);
  assert.is(lru.typeOf('h'), 'none');
  assert.is(lru.expirations, 1);
  lru.setHash('s', hashOf(['f', 'v']));
  lru.setExpiryOf('s', Date.now() - 1);
  assert.is(lru.expireSample(Date.now(), 10), 1);
  assert.is(lru.size, 0);
  assert.is(lru.bytes, 0);
  lru.setHash('k', hashOf(['f', 'v']));
  lru.setExpiryOf('k', Date.now() + 60_000);
  assert.ok(lru.set('k', 'str'));
  assert.is(lru.typeOf('k'), 'string');
  assert.is(lru.expiryOf('k'), 0, 'SET clears the expiry');
  assert.ok(lru.setHash('k', hashOf(['f', 'v'])));
  assert.is(lru.typeOf('k'), 'hash');
  checkBytes(lru);
});

t('a shard with hashes rebuilt from forEachOldestFirst/restoreAt has the same entries, slots, recency and charges', () => {
  const from = new Lru({ maxBytes: 1e6, entryOverhead: OVERHEAD });
  from.set('s1', 'one');
  from.setHash('h1', hashOf(['a', '1'], ['b', '2']));
  from.set('s2', 'two', Date.now() + 60_000);
  from.setHash('h2', hashOf(['x', 'y']));
  from.setExpiryOf('h2', Date.now() + 60_000);
  from.get('s1');
  const to = new Lru({ maxBytes: 1e6, entryOverhead: OVERHEAD });
  const order: string[] = [];
  from.forEachOldestFirst((key, value: Value, expireAt, slot) => {
    order.push(key);
    let copy: Value = value;
    if (typeof value !== 'string') {
      const hash = new LruHash();
      value.forEachNumbered((f, v, seq) => hash.restore(f, v, seq));
      copy = hash;
    }
    assert.ok(to.restoreAt(slot, key, copy, expireAt), key);
  });
  to.finishRestore();
  assert.equal(order, ['h1', 's2', 'h2', 's1']);
  assert.is(to.bytes, from.bytes);
  assert.equal([...to.entries()].map(([k]) => k), [...from.entries()].map(([k]) => k));
  for (const key of order) {
    assert.is(to.chargeOf(key), from.chargeOf(key), key);
    assert.is(to.expiryOf(key), from.expiryOf(key), key);
  }
  assert.equal(pairs(to.peek('h1') as LruHash), [['a', '1'], ['b', '2']]);
  assert.is(to.volatileBytes, from.volatileBytes);
});

t('version(): a new stamp on every write, 0 when absent or expired, and reading it touches nothing', () => {
  const lru = new Lru({ maxBytes: 1e6, entryOverhead: OVERHEAD });
  const other = new Lru({ maxBytes: 1e6, entryOverhead: OVERHEAD });
  assert.is(lru.version('k'), 0);
  const seen = new Set<number>();
  const stamp = (what: string) => {
    const v = lru.version('k');
    assert.ok(v > 0, what);
    assert.not.ok(seen.has(v), `${what}: a new stamp`);
    seen.add(v);
  };
  lru.set('k', 'a');
  stamp('set');
  other.set('k', 'a');
  assert.not.ok(seen.has(other.version('k')), 'unique across stores of the process');
  lru.set('k', 'a');
  stamp('the same value set again');
  lru.set('k', 'b', 0, true);
  stamp('set keeping the TTL');
  lru.setExpiryOf('k', Date.now() + 60_000);
  stamp('an expiry set');
  lru.setExpiryOf('k', 0);
  stamp('an expiry cleared');
  const before = lru.version('k');
  lru.get('k');
  lru.peek('k');
  lru.has('k');
  assert.is(lru.version('k'), before, 'reads leave it');
  const hits = lru.hits;
  const recency = [...lru.entries()].map(([key]) => key);
  lru.version('k');
  assert.is(lru.hits, hits);
  assert.equal([...lru.entries()].map(([key]) => key), recency);
  lru.delete('k');
  assert.is(lru.version('k'), 0, 'deleted');
  lru.set('k', 'b');
  stamp('made again');
  lru.setHash('k', hashOf(['f', 'v']));
  stamp('made a hash');
  (lru.peek('k') as LruHash).set('g', 'w');
  lru.hashChanged('k');
  stamp('a field set');
  lru.set('k', 'x', Date.now() - 1);
  assert.is(lru.version('k'), 0, 'expired');
  assert.is(lru.size, 1, 'and reading the version did not remove it');
  assert.is(lru.expirations, 0);
});

t('version(): evicted and expired-by-sampling keys read 0; restoreAt gives a new stamp', () => {
  const lru = new Lru({ maxBytes: 3 * (1 + 1 + OVERHEAD), entryOverhead: OVERHEAD });
  lru.set('a', 'x');
  lru.set('b', 'x');
  lru.set('c', 'x');
  lru.set('d', 'x');
  assert.is(lru.version('a'), 0, 'evicted');
  lru.setExpiryOf('b', Date.now() - 1);
  lru.expireSample(Date.now(), 10);
  assert.is(lru.version('b'), 0);
  const to = new Lru({ maxBytes: 1e6 });
  const old = lru.version('c');
  assert.ok(to.restoreAt(0, 'c', 'x', 0));
  assert.ok(to.version('c') > old);
});

t.run();
