import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lru, StoreMemory, TrackingTable } from '../src/index';

const t = suite('lru: client-side caching table');

type Told = [reader: number, writer: number, key: string];

function setup(budget = 1 << 22): { lru: Lru; memory: StoreMemory; told: Told[] } {
  const memory = new StoreMemory({ budget, hashKey: { k0: 7, k1: 11 } });
  const lru = new Lru(memory);
  const told: Told[] = [];
  memory.tracking.sink = { invalidate: (reader, writer, buf, start, end) => told.push([reader, writer, buf.toString('latin1', start, end)]), flushed: () => told.push([0, 0, '(flush)']), broadcast: (prefix, writer, buf, start, end) => told.push([-1 - prefix, writer, buf.toString('latin1', start, end)]) };
  return { lru, memory, told };
}

const b = (s: string): Buffer => Buffer.from(s, 'latin1');
function track(lru: Lru, key: string, reader: number, shard = 0): void {
  const k = b(key);
  lru.track(shard, k, 0, k.length, reader);
}

t('a write to a tracked key tells each reader once, then forgets them', () => {
  const { lru, memory, told } = setup();
  lru.setStringKey('k', 'v');
  track(lru, 'k', 17);
  track(lru, 'k', 17);
  track(lru, 'k', 33);
  assert.is(memory.tracking.keys, 1);
  assert.is(memory.tracking.items, 2);
  memory.tracking.writer = 33;
  lru.setStringKey('k', 'w');
  assert.equal(told.sort(), [[17, 33, 'k'], [33, 33, 'k']]);
  assert.is(memory.tracking.keys, 0);
  assert.is(memory.tracking.items, 0);
  lru.setStringKey('k', 'x');
  assert.is(told.length, 2);
});

t('a missing key read is told when it is created; delete, expiry and eviction tell too', () => {
  const { lru, told } = setup();
  track(lru, 'absent', 1);
  lru.setStringKey('absent', '1');
  assert.equal(told, [[1, 0, 'absent']]);
  track(lru, 'absent', 1);
  lru.remove(lru.peekKey('absent'));
  assert.equal(told[1], [1, 0, 'absent']);
  lru.setStringKey('ttl', 'v', Date.now() - 1);
  const slot = lru.peekKey('ttl');
  assert.ok(slot < 0 || lru.size >= 0);
  lru.setStringKey('soon', 'v', Date.now() + 5);
  track(lru, 'soon', 2);
  const until = Date.now() + 20;
  while (Date.now() < until) { /* wait for the TTL */ }
  assert.is(lru.readKey('soon'), -1);
  assert.equal(told[2], [2, 0, 'soon']);
});

t("RENAME and COPY tell as Redis's db.c: a rename's source, then the destination, a missing one (a cached miss) too; signalModified tells once", () => {
  const { lru, told } = setup();
  lru.setStringKey('src', 'v');
  lru.setStringKey('dst', 'w');
  for (const k of ['src', 'dst', 'fresh']) track(lru, k, 5);
  const k = (s: string) => b(s);
  lru.renameEntry(lru.peekKey('src'), k('dst'), 0, 3);
  assert.equal(told, [[5, 0, 'src'], [5, 0, 'dst']]);
  lru.copyEntry(lru.peekKey('dst'), k('fresh'), 0, 5);
  assert.equal(told[2], [5, 0, 'fresh'], 'a copy to a key read while missing');
  track(lru, 'dst', 6);
  lru.signalModified(k('dst'), 0, 3);
  lru.setStringKey('dst', 'x');
  assert.equal(told.slice(3), [[6, 0, 'dst']], 'told before the write, once');
});

t('eviction tells the readers of the evicted key', () => {
  const { lru, told } = setup(4096);
  lru.setStringKey('old', 'x'.repeat(100));
  track(lru, 'old', 5);
  for (let i = 0; i < 100; i++) lru.setStringKey(`new${i}`, 'y'.repeat(100));
  assert.equal(told[0], [5, 0, 'old']);
});

t('max keys evicts with an invalidation; a moved shard tells its keys; clear forgets all', () => {
  const { lru, memory, told } = setup();
  memory.tracking.maxKeys = 3;
  for (let i = 0; i < 5; i++) track(lru, `k${i}`, 9, i % 2);
  assert.is(memory.tracking.keys, 3);
  assert.is(told.length, 2);
  assert.is(memory.tracking.evicted, 2);
  told.length = 0;
  memory.tracking.invalidateShard(0);
  for (const [, , key] of told) assert.ok(Number(key.slice(1)) % 2 === 0);
  told.length = 0;
  memory.tracking.flush();
  assert.equal(told, [[0, 0, '(flush)']]);
  assert.is(memory.tracking.keys, 0);
  track(lru, 'again', 1);
  assert.is(memory.tracking.keys, 1);
});

t('the index survives growth and deletion against a model', () => {
  const table = new TrackingTable({ k0: 1, k1: 2 });
  const told = new Map<string, number>();
  table.sink = { invalidate: (reader, _w, buf, s, e) => told.set(buf.toString('latin1', s, e), reader), flushed: () => {}, broadcast: () => {} };
  const model = new Map<string, number>();
  let seed = 12345;
  const rnd = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let i = 0; i < 20000; i++) {
    const key = `key:${rnd(3000)}`;
    const k = b(key);
    if (rnd(3) === 0) {
      told.clear();
      table.invalidate(k, 0, k.length);
      if (model.has(key)) assert.is(told.get(key), model.get(key));
      else assert.is(told.size, 0);
      model.delete(key);
    } else if (!model.has(key)) {
      table.remember(0, k, 0, k.length, i + 1);
      model.set(key, i + 1);
    }
    assert.is(table.keys, model.size);
  }
});

t('BCAST: every change of a key under a known prefix is broadcast, with its writer; none without prefixes', () => {
  const { lru, memory, told } = setup();
  lru.setStringKey('user:1', 'a');
  assert.is(told.length, 0);
  memory.tracking.setPrefixes([b('user:'), b('')]);
  memory.tracking.writer = 7;
  lru.setStringKey('user:1', 'b');
  lru.setStringKey('item:1', 'c');
  memory.tracking.writer = 0;
  lru.remove(lru.peekKey('user:1'));
  const seen = told.map(([p, w, k]) => `${-1 - p} ${w} ${k}`);
  // A new key is told twice (its insert and its first write): the router keeps one per batch.
  assert.ok(seen.includes('0 7 user:1') && seen.includes('1 7 user:1') && seen.includes('1 7 item:1') && seen.includes('0 0 user:1'));
  assert.not.ok(seen.some((s) => s.startsWith('0 ') && s.endsWith('item:1')));
  // A hand-over's restore brings entries in without telling anyone.
  told.length = 0;
  const other = new Lru(memory);
  assert.ok(other.restoreAt(5, 'user:9', 'v', 0, 0));
  assert.is(told.length, 0);
  other.setStringKey('user:9', 'w');
  assert.is(told.length, 2);
  memory.tracking.setPrefixes([]);
  told.length = 0;
  lru.setStringKey('user:2', 'x');
  assert.is(told.length, 0);
});

t.run();
