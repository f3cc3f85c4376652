import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_OVERHEAD, Kind, Lru, LruHash, StoreMemory, type EvictionPolicy } from '../src/index';
import { prng } from '../../../test-support/prng';

const t = suite('lru: the store');

const KEY = { k0: 0x01234567, k1: 0x89abcdef };

function memory(budget: number, policy: EvictionPolicy = 'allkeys-lru', chunkSize?: number): StoreMemory {
  return new StoreMemory({ budget, policy, hashKey: KEY, chunkSize });
}

/** The store's value for a key as the model writes it: a string, a hash's fields, or undefined. */
function valueOf(store: Lru, key: string): string | Record<string, string> | undefined {
  const slot = store.peekKey(key);
  if (slot < 0) return undefined;
  if (store.kindAt(slot) === Kind.STRING) return store.valueString(slot);
  const fields: Record<string, string> = {};
  store.hashAt(slot).forEach((f, v) => (fields[f] = v));
  return fields;
}

function keysNewestFirst(store: Lru): string[] {
  const out: string[] = [];
  for (let slot = store.oldest; slot !== -1; slot = store.newerThan(slot)) out.unshift(store.keyString(slot));
  return out;
}

function checkAll(mem: StoreMemory, stores: Lru[], what: string): void {
  for (const store of stores) {
    const fault = store.check();
    if (fault !== null) assert.unreachable(`${what}: ${fault}`);
  }
  assert.is(mem.used, stores.reduce((n, s) => n + s.bytes, 0), `${what}: memory.used is the stores' sum`);
  assert.is(mem.entries, stores.reduce((n, s) => n + s.size, 0), `${what}: memory.entries`);
  assert.ok(mem.used <= mem.budget, `${what}: used ${mem.used} within the budget ${mem.budget}`);
}

t('a string round-trips byte for byte, charged its block plus ENTRY_OVERHEAD', () => {
  const mem = memory(1 << 20);
  const store = new Lru(mem);
  const value = Buffer.from([0, 255, 10, 13, 32, 128]);
  const key = Buffer.from('k\x00\xff');
  const slot = store.setString(key, 0, key.length, value, 0, value.length);
  assert.ok(slot >= 0);
  assert.is(store.read(key, 0, key.length), slot);
  const got: number[] = [];
  store.sendValue(slot, { bulkBytes: (buf, s, e) => got.push(...buf.subarray(s, e)) });
  assert.equal(got, [...value]);
  // 4 (block word) + 4 (SHORT header) + 3 + 6 = 17 -> a 24-byte block.
  assert.is(store.bytes, 24 + ENTRY_OVERHEAD);
  assert.is(store.costOf(3, 6), 24 + ENTRY_OVERHEAD);
  assert.is(store.hits, 1);
  assert.is(store.read(Buffer.from('nope'), 0, 4), -1);
  assert.is(store.misses, 1);
});

t('random operations on three stores match a model, every invariant holding (seeded)', () => {
  const rand = prng(424242);
  const mem = memory(64 << 20, 'allkeys-lru', 1 << 16);
  const stores = [new Lru(mem), new Lru(mem), new Lru(mem)];
  const models = stores.map(() => new Map<string, string | Record<string, string>>());
  const size = () => {
    const r = rand();
    return r < 0.7 ? Math.floor(rand() * 40) : r < 0.95 ? Math.floor(rand() * 3000) : 20_000 + Math.floor(rand() * 70_000);
  };
  for (let i = 0; i < 6000; i++) {
    const n = Math.floor(rand() * 3);
    const store = stores[n];
    const model = models[n];
    const key = `key:${Math.floor(rand() * 200)}`;
    const op = rand();
    const current = model.get(key);
    if (op < 0.35) {
      const value = String.fromCharCode(...Array.from({ length: size() }, () => Math.floor(rand() * 256)));
      assert.ok(store.setStringKey(key, value) >= 0);
      model.set(key, value);
    } else if (op < 0.5) {
      const slot = store.readKey(key);
      assert.is(slot >= 0, current !== undefined, key);
    } else if (op < 0.6) {
      const slot = store.peekKey(key);
      if (slot >= 0) store.remove(slot);
      model.delete(key);
    } else if (op < 0.75 && typeof current === 'string') {
      const add = 'x'.repeat(size());
      const slot = store.peekKey(key);
      assert.ok(store.append(slot, Buffer.from(add, 'latin1'), 0, add.length));
      model.set(key, current + add);
    } else if (op < 0.9 && typeof current !== 'string') {
      const field = `f${Math.floor(rand() * 20)}`;
      const slot = store.peekKey(key);
      const fields = { ...(current ?? {}) };
      if (rand() < 0.3 && slot >= 0) {
        store.hashAt(slot).delete(field);
        store.hashChanged(slot);
        delete fields[field];
      } else {
        const value = 'v'.repeat(size() % 100);
        if (slot < 0) {
          const hash = new LruHash();
          hash.set(field, value);
          assert.ok(store.setHashKey(key, hash) >= 0);
        } else {
          const hash = store.hashAt(slot);
          assert.ok(store.reserve(slot, hash.growthOf(field, value)));
          hash.set(field, value);
          store.hashChanged(slot);
        }
        fields[field] = value;
      }
      if (Object.keys(fields).length === 0) model.delete(key);
      else model.set(key, fields);
    } else {
      const slot = store.peekKey(key);
      if (slot >= 0) store.setExpireAt(slot, rand() < 0.5 ? 0 : Date.now() + 60_000);
    }
    if (i % 50 === 0 || op < 0.05) checkAll(mem, stores, `step ${i}`);
  }
  checkAll(mem, stores, 'end');
  stores.forEach((store, n) => {
    assert.is(store.size, models[n].size);
    for (const [key, value] of models[n]) assert.equal(valueOf(store, key), value, key);
  });
  assert.is(mem.evictions, 0, 'the budget was never reached');
});

t('eviction takes the least recently used entry over every store of the memory', () => {
  const mem = memory(10 * (16 + ENTRY_OVERHEAD));
  const a = new Lru(mem);
  const b = new Lru(mem);
  assert.is(a.costOf(2, 1), 16 + ENTRY_OVERHEAD);
  assert.is(a.costOf(4, 1), 16 + ENTRY_OVERHEAD);
  for (let i = 0; i < 10; i++) (i % 2 === 0 ? a : b).setStringKey(`k${i}`, 'v');
  assert.is(mem.used, mem.budget);
  a.readKey('k0'); // k0 is now the newest; k1 (in b) the oldest.
  a.setStringKey('new1', 'v');
  assert.is(b.peekKey('k1'), -1, 'k1, the oldest, went first');
  assert.ok(a.peekKey('k0') >= 0);
  a.setStringKey('new2', 'v');
  assert.is(a.peekKey('k2'), -1, 'then k2, from the other store');
  assert.is(mem.evictions, 2);
  assert.is(a.evictions + b.evictions, 2);
  checkAll(mem, [a, b], 'after evictions');
});

t('an overwrite that grows evicts others but never the entry itself', () => {
  const mem = memory(4 * (24 + ENTRY_OVERHEAD));
  const store = new Lru(mem);
  for (const k of ['a', 'b', 'c', 'd']) store.setStringKey(k, 'v');
  const grown = store.setStringKey('a', 'x'.repeat(100));
  assert.ok(grown >= 0);
  assert.is(store.valueString(store.peekKey('a')), 'x'.repeat(100));
  assert.is(store.peekKey('b'), -1);
  checkAll(mem, [store], 'grown');
  assert.is(store.setStringKey('a', 'y'.repeat(10_000)), -1, 'larger than the whole budget');
  assert.is(store.valueString(store.peekKey('a')), 'x'.repeat(100), 'unchanged after a refusal');
});

t('noeviction refuses a write past the budget and changes nothing; volatile-lru evicts only entries with a TTL', () => {
  const cost = 24 + ENTRY_OVERHEAD;
  const none = memory(3 * cost, 'noeviction');
  const store = new Lru(none);
  for (const k of ['a', 'b', 'c']) assert.ok(store.setStringKey(k, 'v') >= 0);
  assert.is(store.setStringKey('d', 'v'), -1);
  assert.is(store.size, 3);
  assert.is(none.evictions, 0);

  const volatile = memory(3 * cost, 'volatile-lru');
  const v = new Lru(volatile);
  v.setStringKey('keep1', 'v');
  v.setStringKey('ttl', 'v', Date.now() + 60_000);
  v.setStringKey('keep2', 'v');
  assert.ok(v.setStringKey('new', 'v') >= 0);
  assert.is(v.peekKey('ttl'), -1);
  assert.ok(v.peekKey('keep1') >= 0, 'the oldest, without a TTL, stays');
  assert.is(v.setStringKey('more', 'v'), -1, 'no entry with a TTL left');
  checkAll(volatile, [v], 'volatile');
});

t('expired entries read as absent and are removed on touch or by sampling', () => {
  const mem = memory(1 << 20);
  const store = new Lru(mem);
  store.setStringKey('gone', 'v', Date.now() - 1);
  store.setStringKey('later', 'v', Date.now() + 60_000);
  for (let i = 0; i < 50; i++) store.setStringKey(`old${i}`, 'v', Date.now() - 1);
  assert.is(store.readKey('gone'), -1);
  assert.is(store.expirations, 1);
  let expired = 0;
  for (let i = 0; i < 20; i++) expired += store.expireSample(Date.now(), 20);
  assert.is(expired, 50);
  assert.is(store.size, 1);
  assert.is(store.volatile, 1);
  checkAll(mem, [store], 'expired');
});

t('versions change on every write and stay on reads', () => {
  const store = new Lru(memory(1 << 20));
  const slot = store.setStringKey('k', 'v');
  const v1 = store.versionAt(slot);
  store.readKey('k');
  assert.is(store.versionAt(slot), v1);
  store.setStringKey('k', 'w');
  const v2 = store.versionAt(store.peekKey('k'));
  assert.ok(v2 > v1);
  store.setExpireAt(store.peekKey('k'), Date.now() + 1000);
  assert.ok(store.versionAt(store.peekKey('k')) > v2);
});

t.run();
