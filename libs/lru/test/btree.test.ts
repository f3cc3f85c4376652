import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compareKeys, ScoreTree } from '../src/btree';

const t = suite('lru: ScoreTree (the sorted sets\' order, not yet used by a command)');

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** The tree's pairs in order, walked by seek() and the leaves' links. */
function walk(tree: ScoreTree): [number, string][] {
  const out: [number, string][] = [];
  if (tree.size === 0) return out;
  let leaf: ReturnType<ScoreTree['seek']> | null = tree.seek(0);
  let i = tree.offset;
  while (leaf !== null && out.length < tree.size) {
    for (; i < leaf.scores.length; i++) out.push([leaf.scores[i], leaf.members[i]]);
    leaf = leaf.next;
    i = 0;
  }
  return out;
}

t('a random run of inserts and removes matches a sorted model: order, ranks, seeks, counts below a score or member', () => {
  const next = random(42);
  const tree = new ScoreTree();
  let model: [number, string][] = [];
  const has = new Map<string, number>();
  for (let step = 0; step < 20_000; step++) {
    const member = `m${Math.floor(next() * 3000)}`;
    const score = next() < 0.1 ? Math.floor(next() * 3) : next() < 0.05 ? (next() < 0.5 ? Infinity : -Infinity) : Math.floor(next() * 500) / 4;
    if (has.has(member) && next() < 0.6) {
      assert.ok(tree.remove(has.get(member)!, member));
      has.delete(member);
      model = model.filter(([, m]) => m !== member);
    } else if (!has.has(member)) {
      tree.insert(score, member);
      has.set(member, score);
      model.push([score, member]);
      model.sort((a, b) => compareKeys(a[0], a[1], b[0], b[1]));
    }
    if (step % 500 === 0 || step > 19_900) {
      assert.is(tree.size, model.length);
      assert.equal(walk(tree), model, `step ${step}`);
      for (let k = 0; k < 20 && model.length > 0; k++) {
        const r = Math.floor(next() * model.length);
        const [s, m] = model[r];
        assert.is(tree.rank(s, m), r);
        const leaf = tree.seek(r);
        assert.is(leaf.members[tree.offset], m);
        const bound = Math.floor(next() * 500) / 4;
        assert.is(tree.countBelowScore(bound, false), model.filter(([x]) => x < bound).length);
        assert.is(tree.countBelowScore(bound, true), model.filter(([x]) => x <= bound).length);
      }
      assert.not.ok(tree.remove(1e9, 'absent'));
      assert.is(tree.rank(1e9, 'absent'), -1);
    }
  }
  // All removed: an empty tree again.
  for (const [s, m] of model) assert.ok(tree.remove(s, m));
  assert.is(tree.size, 0);
  assert.equal(walk(tree), []);
});

t('countBelowMember counts by member when every score is equal (BYLEX)', () => {
  const tree = new ScoreTree();
  const members = Array.from({ length: 2000 }, (_, i) => `k${String(i).padStart(5, '0')}`);
  for (const m of [...members].reverse()) tree.insert(0, m);
  assert.is(tree.countBelowMember('k01000', false), 1000);
  assert.is(tree.countBelowMember('k01000', true), 1001);
  for (let i = 0; i < 2000; i += 3) tree.remove(0, members[i]);
  const left = members.filter((_, i) => i % 3 !== 0);
  assert.is(tree.countBelowMember('k01000', false), left.filter((m) => m < 'k01000').length);
  assert.is(tree.countBelowMember('k01000', true), left.filter((m) => m <= 'k01000').length);
});

t('100,000 pairs (three levels of nodes) in and 90% out again keep order, ranks and counts', () => {
  const next = random(7);
  const tree = new ScoreTree();
  const pairs: [number, string][] = Array.from({ length: 100_000 }, (_, i) => [Math.floor(next() * 1e6), `p${i}`]);
  for (const [s, m] of pairs) tree.insert(s, m);
  const sorted = [...pairs].sort((a, b) => compareKeys(a[0], a[1], b[0], b[1]));
  assert.equal(walk(tree), sorted);
  for (let k = 0; k < 200; k++) {
    const r = Math.floor(next() * sorted.length);
    assert.is(tree.rank(sorted[r][0], sorted[r][1]), r);
  }
  const kept = sorted.filter(() => next() < 0.1);
  const keep = new Set(kept.map(([, m]) => m));
  for (const [s, m] of pairs) if (!keep.has(m)) assert.ok(tree.remove(s, m));
  assert.equal(walk(tree), kept);
  for (let k = 0; k < 200; k++) {
    const r = Math.floor(next() * kept.length);
    assert.is(tree.rank(kept[r][0], kept[r][1]), r);
    const bound = Math.floor(next() * 1e6);
    assert.is(tree.countBelowScore(bound, false), kept.filter(([x]) => x < bound).length);
  }
});

t.run();
