import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bucketOf, bucketTop, cumulativeAt, LATENCY_BUCKETS, LatencyHistograms, percentileName, percentilesText, valueAtPercentile } from '../src/figures/latency-histogram';
import { prng } from '../../../test-support/prng';

const t = suite('node:latency histogram');

t('every value from 1 ns to 1 s falls in a bucket whose top is at most 1/32 above it, buckets in order', () => {
  assert.is(LATENCY_BUCKETS, 832);
  let last = -1;
  for (const ns of [1, 2, 31, 32, 33, 63, 64, 65, 1000, 1023, 1024, 5023, 999_999, 123_456_789, 1_000_000_000]) {
    const b = bucketOf(ns);
    assert.ok(b >= last && b < LATENCY_BUCKETS, `${ns}: bucket ${b}`);
    last = b;
    const top = bucketTop(b);
    assert.ok(top >= ns && top <= ns * (1 + 1 / 32), `${ns}: top ${top}`);
    if (b > 0) assert.ok(bucketTop(b - 1) < ns, `${ns}: the bucket before ends below it`);
  }
});

t('percentiles as HdrHistogram reads them, against a sorted model of random durations', () => {
  const random = prng(7);
  const h = new LatencyHistograms();
  const ms: number[] = [];
  for (let i = 0; i < 5000; i++) {
    const v = Math.exp(random() * 12 - 6); // 2.5 us .. 400 ms, log-spread
    ms.push(v);
    h.record(3, v);
  }
  ms.sort((a, b) => a - b);
  const value = h.value(3)!;
  const counts = new Float64Array(LATENCY_BUCKETS);
  for (const [i, c] of value.buckets) counts[i] = c;
  assert.is(value.count, 5000);
  for (const p of [0, 10, 50, 99, 99.9, 100]) {
    const rank = Math.max(1, Math.floor((p / 100) * 5000 + 0.5));
    const exactNs = Math.round(ms[rank - 1] * 1e6);
    const got = valueAtPercentile(counts, 5000, p);
    assert.ok(got >= exactNs && got <= exactNs * 1.04, `p${p}: ${got} ns vs ${exactNs} ns`);
  }
  assert.equal(h.value(4), null, 'a command never timed');
});

t("Redis's names and format: %f trimmed, microseconds with three decimals; none listed: empty", () => {
  assert.equal([50, 99, 99.9, 0, 100, 12.5, 1e-7, 99.123456789].map(percentileName), ['50', '99', '99.9', '0', '100', '12.5', '0', '99.123457']);
  const counts = new Float64Array(LATENCY_BUCKETS);
  counts[bucketOf(5000)] = 10;
  assert.is(percentilesText(counts, 10, [50, 99, 99.9]), `p50=${(bucketTop(bucketOf(5000)) / 1000).toFixed(3)},p99=5.119,p99.9=5.119`);
  assert.is(percentilesText(counts, 10, []), '');
});

t('durations past 1 s count as 1 s and below 1 ns as 1 ns (Redis\'s range); Prometheus bounds cumulative', () => {
  const h = new LatencyHistograms();
  h.record(1, 5000);
  h.record(1, 0);
  h.record(1, 0.0015);
  const v = h.value(1)!;
  assert.equal(v.buckets.map(([i]) => i), [bucketOf(1), bucketOf(1500), bucketOf(1_000_000_000)]);
  assert.equal(cumulativeAt(v, [0.000001, 0.0000025, 1, 10]), [
    { le: '0.000001', count: 1 },
    { le: '0.0000025', count: 2 },
    { le: '1', count: 2 },
    { le: '10', count: 3 },
    { le: '+Inf', count: 3 },
  ]);
  h.reset();
  assert.equal(h.value(1), null);
});

t.run();
