import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { crc16, keySlot, keySlotOfString, shardOf, shardOfString } from '../src/keyslot';
import { prng } from '../../../test-support/prng';

/**
 * Hash tags and slots: a key's slot is CRC16 of the bytes between its first `{` and the first `}`
 * after it, when there is at least one, else of the whole key, mod 16384 (Redis Cluster's rule);
 * its shard is the slot's 1,024-slot range.
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
  return (crc16(key, from, to) & 16383) >>> 10;
}

const latin1 = (s: string) => Buffer.from(s, 'latin1');
const whole = (s: string) => (crc16(latin1(s), 0, s.length) & 16383) >>> 10;
const of = (s: string) => {
  const buf = latin1(s);
  const byBytes = shardOf(buf, 0, buf.length);
  assert.is(shardOfString(s), byBytes, `both forms agree on ${JSON.stringify(s)}`);
  return byBytes;
};

t("slots are Redis Cluster's: CLUSTER KEYSLOT's answers, in both forms", () => {
  // From redis-server 7.0 (cluster-enabled yes): CLUSTER KEYSLOT <key>.
  const known: [string, number][] = [['foo', 12182], ['bar', 5061], ['somekey', 11058], ['hello', 866], ['{user1000}.following', 3443], ['{user1000}.followers', 3443], ['', 0]];
  for (const [key, slot] of known) {
    assert.is(keySlot(latin1(key), 0, key.length), slot, key);
    assert.is(keySlotOfString(key), slot, key);
    assert.is(shardOfString(key), slot >>> 10, key);
  }
  assert.is(crc16(latin1('123456789'), 0, 9), 0x31c3, 'the XMODEM check value');
});

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
