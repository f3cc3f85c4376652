import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fnv1a, SHARD_COUNT, shardOf, shardOfString } from '../src/fnv';
import { prng } from '../../../test-support/prng';

/**
 * Hash tags: a key's shard is FNV-1a of the bytes between its first `{` and the first `}` after
 * it, when there is at least one; else of the whole key (Redis Cluster's and twemproxy's rule).
 */
const t = suite('wire:hash tags');

/** The rule written plainly, as Redis's keyHashSlot: what shardOf must agree with. */
function reference(key: Buffer): number {
  let from = 0;
  let to = key.length;
  const open = key.indexOf(0x7b);
  if (open >= 0) {
    const close = key.indexOf(0x7d, open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  return fnv1a(key, from, to) & (SHARD_COUNT - 1);
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const whole = (s: string) => fnv1a(latin1(s), 0, s.length) & (SHARD_COUNT - 1);
const of = (s: string) => {
  const buf = latin1(s);
  const byBytes = shardOf(buf, 0, buf.length);
  assert.is(shardOfString(s), byBytes, `both forms agree on ${JSON.stringify(s)}`);
  return byBytes;
};

t('the part inside the first braces decides; keys without a tag hash whole, as before', () => {
  assert.is(of('{user1}.a'), whole('user1'));
  assert.is(of('{user1}.b'), whole('user1'));
  assert.is(of('x{user1}y'), whole('user1'));
  assert.is(of('{user1}'), whole('user1'));
  assert.is(of('foo'), whole('foo'));
  assert.is(of('key:42'), whole('key:42'));
  assert.is(of(''), whole(''));
});

t('an empty or unclosed tag means the whole key; only the first { counts, then the first } after it', () => {
  for (const key of ['{}', '{}x', 'a{}b', '{', 'x{', '{abc', '}{', '}x{', 'a}b']) assert.is(of(key), whole(key), key);
  assert.is(of('{a}{b}'), whole('a'), 'the first tag');
  assert.is(of('{a{b}c}'), whole('a{b'), 'from the first { to the first } after it');
  assert.is(of('{}{b}'), whole('{}{b}'), 'the first tag is empty: whole key, not the second tag');
  assert.is(of('}{x}'), whole('x'), 'a } before the first { is not a close');
  assert.is(of('{{x}}'), whole('{x'));
});

t('shardOf hashes only buf[start, end): a tag is looked for inside the key only', () => {
  const buf = latin1('{ab}{cd}x');
  assert.is(shardOf(buf, 4, 9), whole('cd'), 'the key {cd}x');
  assert.is(shardOf(buf, 1, 9), whole('cd'), 'ab}{cd}x: the first { is followed by cd');
  assert.is(shardOf(buf, 0, 3), whole('{ab'), 'the } is past the end: unclosed');
});

t('random keys with braces agree with the plain rule, in both forms', () => {
  const rand = prng(777);
  const alphabet = 'ab{}x\x00\xff';
  for (let i = 0; i < 20000; i++) {
    const length = Math.floor(rand() * 12);
    let s = '';
    for (let j = 0; j < length; j++) s += alphabet[Math.floor(rand() * alphabet.length)];
    const buf = latin1(s);
    assert.is(shardOf(buf, 0, buf.length), reference(buf), JSON.stringify(s));
    assert.is(shardOfString(s), reference(buf), JSON.stringify(s));
  }
});

t.run();
