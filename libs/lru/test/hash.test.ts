import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FIELD_OVERHEAD, HASH_OVERHEAD, LruHash } from '../src/hash';
import { prng } from '../../../test-support/prng';

const t = suite('lru:hash');

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

t.run();
