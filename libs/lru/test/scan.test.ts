import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lru } from '../src/lru';

const t = suite('lru:scanSlots');

/** Walks the whole store `count` keys at a time, as SCAN does. */
function walk(lru: Lru, count: number, between?: (step: number) => void): string[] {
  const keys: string[] = [];
  let pos = 0;
  for (let step = 0; pos !== -1; step++) {
    const before = keys.length;
    pos = lru.scanSlots(pos, count, keys);
    assert.ok(keys.length - before <= count, 'never more than count keys a step');
    between?.(step);
  }
  return keys;
}

t('a full walk returns every live key once, whatever the count', () => {
  const lru = new Lru({ maxBytes: 1e9, initialCapacity: 16 });
  for (let i = 0; i < 500; i++) lru.set(`k${i}`, 'v');
  for (let i = 0; i < 500; i += 3) lru.delete(`k${i}`);
  const live = [...lru.entries()].map(([k]) => k).sort();
  for (const count of [1, 3, 10, 1000]) assert.equal(walk(lru, count).sort(), live, `count ${count}`);
});

t('expired entries are skipped and left in place; recency and hits untouched', () => {
  const lru = new Lru({ maxBytes: 1e9 });
  lru.set('a', '1');
  lru.set('gone', '1', Date.now() - 1);
  lru.set('later', '1', Date.now() + 60_000);
  const hits = lru.hits;
  assert.equal(walk(lru, 10).sort(), ['a', 'later']);
  assert.is(lru.hits, hits);
  assert.is(lru.size, 3, 'the walk removes nothing');
  assert.equal([...lru.entries()].map(([k]) => k), ['later', 'gone', 'a']);
});

t('keys that live throughout are seen exactly once while others come and go', () => {
  const lru = new Lru({ maxBytes: 1e9, initialCapacity: 16 });
  for (let i = 0; i < 200; i++) lru.set(`stay${i}`, 'v');
  let churn = 0;
  const keys = walk(lru, 7, (step) => {
    // Deletes, re-adds (reusing freed slots) and growth past the initial capacity, for a while
    // (the store grows faster than the walk goes).
    if (step >= 40) return;
    for (let j = 0; j < 20; j++) lru.set(`tmp${churn++}`, 'v');
    for (let j = churn - 20; j < churn - 10; j++) lru.delete(`tmp${j}`);
    lru.get('stay0');
    lru.set('stay1', 'updated');
  });
  const stays = keys.filter((k) => k.startsWith('stay'));
  assert.is(stays.length, 200);
  assert.is(new Set(stays).size, 200);
});

t('an empty or cleared store, and a position past the end, finish at once', () => {
  const lru = new Lru({ maxBytes: 1e9 });
  const out: string[] = [];
  assert.is(lru.scanSlots(0, 10, out), -1);
  lru.set('a', '1');
  assert.is(lru.scanSlots(5, 10, out), -1);
  lru.clear();
  assert.is(lru.scanSlots(0, 10, out), -1);
  assert.equal(out, []);
});

t('a long run of free slots is walked in bounded steps', () => {
  const lru = new Lru({ maxBytes: 1e9 });
  for (let i = 0; i < 5000; i++) lru.set(`k${i}`, 'v');
  for (let i = 0; i < 4999; i++) lru.delete(`k${i}`);
  const out: string[] = [];
  const next = lru.scanSlots(0, 1, out);
  assert.is(next, 1000, 'stops after count * 10, at least 1000, slots');
  assert.equal(out, []);
  assert.equal(walk(lru, 1), ['k4999']);
});

t.run();
