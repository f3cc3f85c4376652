import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lru, StoreMemory } from '../src/index';
import { prng } from '../../../test-support/prng';

/**
 * Eviction is exact LRU over every shard of a worker: the same hits as a plain LRU map bounded by
 * the same bytes (each entry charged what the store charges it), on a skewed trace (Zipf 0.99)
 * and on one polluted by scans, with keys spread over four shards of one memory.
 */
const t = suite('lru: hit ratio against exact LRU');

const KEYS = 20_000;
const SHARDS = 4;

/** Zipf(s) over 0..n-1 by inverse CDF on precomputed weights. */
function zipf(n: number, s: number, rand: () => number): () => number {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  return () => {
    const x = rand() * sum;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

/** GET, and SET on a miss (a cache in front of a database), over a trace; the hit ratio. */
function replayStore(trace: number[], budget: number): number {
  const memory = new StoreMemory({ budget, hashKey: { k0: 1, k1: 2 } });
  const shards = Array.from({ length: SHARDS }, () => new Lru(memory));
  let hits = 0;
  for (const k of trace) {
    const store = shards[k % SHARDS];
    const key = `key:${k}`;
    if (store.readKey(key) >= 0) hits++;
    else store.setStringKey(key, valueOf(k));
  }
  return hits / trace.length;
}

/** The same with a Map in recency order, charging each entry what the store would. */
function replayReference(trace: number[], budget: number, cost: (k: number) => number): number {
  const map = new Map<number, number>();
  let used = 0;
  let hits = 0;
  for (const k of trace) {
    if (map.has(k)) {
      hits++;
      map.delete(k);
      map.set(k, cost(k));
      continue;
    }
    used += cost(k);
    map.set(k, cost(k));
    for (const [old, c] of map) {
      if (used <= budget) break;
      map.delete(old);
      used -= c;
    }
  }
  return hits / trace.length;
}

const valueOf = (k: number) => 'v'.repeat(20 + (k % 50));

function compare(name: string, trace: number[]): void {
  const probe = new Lru(new StoreMemory({ budget: 1 << 20 }));
  const cost = (k: number) => probe.costOf(`key:${k}`.length, valueOf(k).length);
  let mean = 0;
  for (let k = 0; k < KEYS; k++) mean += cost(k);
  const budget = Math.floor((mean / KEYS) * KEYS * 0.2);
  const ours = replayStore(trace, budget);
  const exact = replayReference(trace, budget, cost);
  console.log(`    ${name}: hit ratio ${(100 * ours).toFixed(2)}% vs exact LRU ${(100 * exact).toFixed(2)}% (20% of the keys fit)`);
  assert.ok(ours >= exact - 0.01, `${name}: ${ours} vs ${exact}`);
}

t('Zipf 0.99 over 20,000 keys, a fifth of them fitting: within a point of exact LRU', () => {
  const rand = prng(99);
  const next = zipf(KEYS, 0.99, rand);
  compare('zipf 0.99', Array.from({ length: 200_000 }, next));
});

t('the same trace polluted by scans (a run over every key every 20,000 requests)', () => {
  const rand = prng(100);
  const next = zipf(KEYS, 0.99, rand);
  const trace: number[] = [];
  for (let i = 0; trace.length < 200_000; i++) {
    if (i % 20_000 === 0) for (let k = 0; k < KEYS; k++) trace.push(k);
    trace.push(next());
  }
  compare('zipf 0.99 + scans', trace);
});

t.run();
