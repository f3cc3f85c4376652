import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Kind, listItems, listPush, Lru, LruHash, LruList, LruSet, LruZset, rangesOf, setMembers, StoreMemory, writeSet, zsetOf, zsetPairs, type EncodingLimits } from '../src/index';

const t = suite('lru: COPY and RENAME within a shard (copyEntry, renameEntry), every kind and form; strings grown in place (createZeroed, growZeroed)');

function store(limits: Partial<EncodingLimits> = { listMaxListpackSize: 16 }, budget = 1 << 22, policy: 'allkeys-lru' | 'noeviction' = 'allkeys-lru'): Lru {
  return new Lru(new StoreMemory({ budget, hashKey: { k0: 7, k1: 77 }, limits, policy }));
}

function checked(lru: Lru): void {
  const fault = lru.check();
  if (fault !== null) assert.unreachable(fault);
}

const key = (k: string) => Buffer.from(k, 'latin1');
const keys = (k: string) => ({ buf: key(k), starts: [0], ends: [k.length] });

/** Every kind in every form, with what reading it back gives. */
function fill(lru: Lru): Map<string, unknown> {
  lru.setStringKey('str', 'v'.repeat(100), Date.now() + 60_000);
  const hash = new LruHash();
  hash.set('f', '1');
  hash.set('g', '2');
  lru.setHashKey('hash', hash);
  listPush(lru, -1, keys('small-list'), 0, rangesOf(['a', 'b', 'c']), 0, 3, false);
  listPush(lru, -1, keys('big-list'), 0, rangesOf(Array.from({ length: 40 }, (_, i) => `e${i}`)), 0, 40, false);
  writeSet(lru, -1, keys('intset'), 0, ['1', '2', '3']);
  writeSet(lru, -1, keys('big-set'), 0, Array.from({ length: 300 }, (_, i) => `m${i}`));
  const small = zsetOf(lru.memory.limits, ['a', 'b'], [1, 2]);
  lru.createPacked(key('small-zset'), 0, 10, Kind.ZSET, (small as { bytes: Buffer }).bytes, 0, (small as { bytes: Buffer }).bytes.length);
  lru.setObject(key('big-zset'), 0, 8, Kind.ZSET, zsetOf({ ...lru.memory.limits, zsetMaxListpackEntries: 0 }, ['x', 'y'], [1, 2]) as LruZset);
  const out = new Map<string, unknown>();
  for (const k of ['str', 'hash', 'small-list', 'big-list', 'intset', 'big-set', 'small-zset', 'big-zset']) out.set(k, read(lru, k));
  return out;
}

function read(lru: Lru, k: string): unknown {
  const slot = lru.peekKey(k);
  if (slot < 0) return undefined;
  switch (lru.kindAt(slot)) {
    case Kind.STRING: return lru.valueString(slot);
    case Kind.HASH: return lru.hashAt(slot).appendTo([], true, true);
    case Kind.LIST: return listItems(lru, slot);
    case Kind.SET: return setMembers(lru, slot).sort();
    default: return zsetPairs(lru, slot);
  }
}

t('COPY: every kind and form copies whole, with its expiry; the copy is its own (a change to it leaves the source)', () => {
  const lru = store();
  const before = fill(lru);
  for (const [k, value] of before) {
    const src = lru.peekKey(k);
    const made = lru.copyEntry(src, key(`copy-${k}`), 0, `copy-${k}`.length);
    assert.ok(made >= 0, k);
    assert.equal(read(lru, `copy-${k}`), value, k);
    assert.is(lru.expireAt(made), lru.expireAt(lru.peekKey(k)), k);
    assert.is(lru.typeName(made), lru.typeName(lru.peekKey(k)));
    assert.is(lru.isInline(made), lru.isInline(lru.peekKey(k)), `${k}: same form`);
    if (!lru.isInline(made)) assert.is.not(lru.objectAt(made), lru.objectAt(lru.peekKey(k)), `${k}: a copy, not the same object`);
    checked(lru);
  }
  // A change to a copy's object leaves the source as it was.
  const copy = lru.peekKey('copy-big-set');
  lru.objectAt<LruSet>(copy).add('new');
  lru.objectChanged(copy);
  assert.equal(read(lru, 'big-set'), before.get('big-set'));
  const list = lru.peekKey('copy-big-list');
  lru.objectAt<LruList>(list).pushLeft('new');
  lru.objectChanged(list);
  assert.equal(read(lru, 'big-list'), before.get('big-list'));
  checked(lru);
});

t('COPY over an existing key replaces it whole, whatever its kind', () => {
  const lru = store();
  fill(lru);
  const src = lru.peekKey('str');
  assert.ok(lru.copyEntry(src, key('big-set'), 0, 7) >= 0);
  assert.is(read(lru, 'big-set'), 'v'.repeat(100));
  assert.ok(lru.copyEntry(lru.peekKey('hash'), key('str'), 0, 3) >= 0);
  assert.is(lru.typeName(lru.peekKey('str')), 'hash');
  assert.is(lru.expireAt(lru.peekKey('str')), 0, "the source's (no) expiry, not the replaced one's");
  checked(lru);
});

t('RENAME: the value moves with its expiry, the source is gone, the charges add up', () => {
  const lru = store();
  const before = fill(lru);
  const size = lru.size;
  for (const [k, value] of before) {
    const src = lru.peekKey(k);
    const object = lru.isInline(src) ? null : lru.objectAt(src);
    const expireAt = lru.expireAt(src);
    const made = lru.renameEntry(src, key(`r-${k}`), 0, `r-${k}`.length);
    assert.ok(made >= 0, k);
    assert.is(lru.peekKey(k), -1, k);
    assert.equal(read(lru, `r-${k}`), value, k);
    assert.is(lru.expireAt(made), expireAt, k);
    if (object !== null) assert.is(lru.objectAt(made), object, `${k}: the object itself moves`);
    checked(lru);
  }
  assert.is(lru.size, size);
  // Onto an existing key: replaced.
  assert.ok(lru.renameEntry(lru.peekKey('r-str'), key('r-hash'), 0, 6) >= 0);
  assert.is(lru.size, size - 1);
  assert.is(read(lru, 'r-hash'), 'v'.repeat(100));
  checked(lru);
});

t('under noeviction a COPY or RENAME that cannot fit changes nothing; under allkeys-lru it evicts others, never the source', () => {
  const lru = store({}, 64 * 1024, 'noeviction');
  const big = 'x'.repeat(25_000);
  lru.setStringKey('a', big);
  lru.setStringKey('b', big);
  assert.is(lru.copyEntry(lru.peekKey('a'), key('c'), 0, 1), -1);
  assert.is(lru.peekKey('c'), -1);
  // Replacing b frees its bytes: the copy fits then.
  assert.ok(lru.copyEntry(lru.peekKey('a'), key('b'), 0, 1) >= 0);
  // A rename needs no more room than it frees.
  assert.ok(lru.renameEntry(lru.peekKey('a'), key('a-longer-name'), 0, 13) >= 0);
  assert.is(lru.valueString(lru.peekKey('a-longer-name')), big);
  checked(lru);

  const lru2 = store({}, 80 * 1024);
  lru2.setStringKey('a', big);
  lru2.setStringKey('b', big);
  lru2.setStringKey('old', big);
  lru2.touch(lru2.peekKey('b'));
  lru2.touch(lru2.peekKey('old'));
  // 'a' is the least recently used: making room for its copy must evict another.
  assert.ok(lru2.copyEntry(lru2.peekKey('a'), key('c'), 0, 1) >= 0);
  assert.is(lru2.valueString(lru2.peekKey('a')), big);
  assert.is(lru2.valueString(lru2.peekKey('c')), big);
  checked(lru2);
});

t('strings edited where they lie: createZeroed and growZeroed add zero bytes, charged first', () => {
  const lru = store({}, 64 * 1024, 'noeviction');
  const made = lru.createZeroed(key('z'), 0, 1, 10);
  assert.ok(made !== null);
  made!.buf[made!.start + 9] = 0x41;
  assert.is(lru.valueString(lru.peekKey('z')), '\0'.repeat(9) + 'A');
  const slot = lru.peekKey('z');
  const version = lru.versionOfKey('z');
  const grown = lru.growZeroed(slot, 3000);
  assert.ok(grown !== null);
  assert.is(grown!.end - grown!.start, 3000);
  assert.is(lru.valueString(lru.peekKey('z')), '\0'.repeat(9) + 'A' + '\0'.repeat(2990));
  assert.ok(lru.versionOfKey('z') !== version, 'a new version (WATCH)');
  // Shorter than it is: the same bytes, a new version all the same.
  const v2 = lru.versionOfKey('z');
  assert.is(lru.growZeroed(lru.peekKey('z'), 5)!.end - lru.valueView(lru.peekKey('z')).start, 3000);
  assert.ok(lru.versionOfKey('z') !== v2);
  checked(lru);
  // Past the budget: nothing made, nothing changed.
  assert.is(lru.createZeroed(key('big'), 0, 3, 100_000), null);
  assert.is(lru.peekKey('big'), -1);
  assert.is(lru.growZeroed(lru.peekKey('z'), 100_000), null);
  assert.is(lru.valueLength(lru.peekKey('z')), 3000);
  checked(lru);
});

t.run();
