import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prng } from '../../../test-support/prng';
import { LIST_OVERHEAD, LruList } from '../src/index';

/**
 * LruList's nodes (list.ts) against an array: seeded random pushes and pops at both ends, LSET,
 * indexes and ranges, with elements from empty to past a node's size (one-, two- and three-byte
 * length varints), through many nodes and back to empty; its charge covers what it holds.
 */
const t = suite('lru: a big list in packed nodes');

function element(next: () => number, step: number): string {
  const r = next();
  const length = r < 0.05 ? 0 : r < 0.9 ? Math.floor(next() * 40) : r < 0.98 ? 100 + Math.floor(next() * 300) : 9000 + Math.floor(next() * 20_000);
  return String.fromCharCode(97 + (step % 26), 0xe9).repeat(length).slice(0, length);
}

for (const seed of [1, 2, 3, 4]) {
  t(`seed ${seed}: every operation answers as an array would, and the charge covers the elements`, () => {
    const next = prng(seed);
    const list = new LruList();
    const model: string[] = [];
    for (let step = 0; step < 12_000; step++) {
      const r = next();
      // Mostly growing for two thirds of the run, then draining to empty.
      const push = step < 8_000 ? 0.6 : 0.15;
      if (r < push) {
        const v = element(next, step);
        const left = next() < 0.5;
        // From a string, or from bytes where they lie (a command's argument: pushBytes).
        if (next() < 0.5) {
          if (left) list.pushLeft(v);
          else list.pushRight(v);
        } else list.pushBytes(Buffer.from(`xx${v}`, 'latin1'), 2, 2 + v.length, left);
        if (left) model.unshift(v);
        else model.push(v);
      } else if (r < 0.85 && model.length > 0) {
        if (next() < 0.5) assert.is(list.popLeft(), model.shift());
        else assert.is(list.popRight(), model.pop());
      } else if (model.length > 0) {
        const i = Math.floor(next() * model.length);
        const choice = next();
        if (choice < 0.3) {
          const v = element(next, step);
          list.set(i, v);
          model[i] = v;
        } else if (choice < 0.8) assert.is(list.at(i), model[i], `at ${i}`);
        else {
          const stop = Math.min(model.length - 1, i + Math.floor(next() * 50));
          assert.equal(list.range(i, stop, []), model.slice(i, stop + 1), `range ${i}..${stop}`);
        }
      }
      assert.is(list.size, model.length);
      if (step % 500 === 0) {
        assert.equal(list.toArray(), model);
        const held = model.reduce((n, v) => n + v.length, 0);
        assert.ok(list.bytes >= LIST_OVERHEAD + held, `charged ${list.bytes} for ${held} bytes of elements`);
      }
    }
    while (model.length > 0) assert.is(list.popRight(), model.pop());
    assert.is(list.size, 0);
    assert.is(list.bytes, LIST_OVERHEAD, 'every node given back');
    list.pushLeft('again');
    assert.equal(list.toArray(), ['again']);
  });
}

t('a clone and replaceAll hold the same elements; a big list costs about its bytes', () => {
  const list = LruList.of(Array.from({ length: 50_000 }, (_, i) => `member:${String(i).padStart(9, '0')}`));
  assert.equal(list.clone().toArray(), list.toArray());
  const perElement = (list.bytes - LIST_OVERHEAD) / 50_000;
  assert.ok(perElement > 18 && perElement < 20, `${perElement} bytes an element of 16`);
  list.replaceAll(['a', 'b']);
  assert.equal(list.toArray(), ['a', 'b']);
});

t.run();
