import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ENTRY_OVERHEAD, FIELD_OVERHEAD, HASH_OVERHEAD, type LruHash } from '@kv/lru';
import { chargeOf, memStore, put, valueOf } from './store';
import { ENCODINGS } from '../src/commands/encodings';
import { HSCAN_WHOLE, MAX_RANDOM_REPLY } from '../src/commands/hash-scan';
import { run, type Reply } from './run-command';

/** The hash handlers (hashes.ts, hash-scan.ts) on one store, as Redis 7's t_hash.c answers. */
const t = suite('node:hash commands');

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
const OOM = { error: "OOM command not allowed when used memory > 'maxmemory'." };
const OK = { status: 'OK' };

const store = (budget = 1 << 20, policy: 'allkeys-lru' | 'noeviction' = 'allkeys-lru') => memStore(budget, policy);

t('HSET adds fields and counts the new ones; a field given twice takes its last value; HMSET answers OK', () => {
  const lru = store();
  assert.equal(run(lru, 'HSET', 'h', 'a', '1', 'b', '2'), 2);
  assert.equal(run(lru, 'HSET', 'h', 'a', '10', 'c', '3', 'c', '33'), 1);
  assert.equal(run(lru, 'HGETALL', 'h'), ['a', '10', 'b', '2', 'c', '33']);
  assert.equal(run(lru, 'HSET', 'h', 'a'), { error: "ERR wrong number of arguments for 'hset' command" });
  assert.equal(run(lru, 'HSET', 'h', 'a', '1', 'b'), { error: "ERR wrong number of arguments for 'hset' command" });
  assert.equal(run(lru, 'HMSET', 'h', 'd', '4'), OK);
  assert.equal(run(lru, 'HMSET', 'h', 'd', '4', 'e'), { error: "ERR wrong number of arguments for 'hmset' command" });
  assert.equal(run(lru, 'HSET', 'fresh', 'x', '1', 'x', '2'), 1, 'a new hash counts a field once');
  assert.equal(run(lru, 'HGET', 'fresh', 'x'), '2');
  assert.equal(run(lru, 'TYPE', 'h'), { status: 'hash' });
});

t('HSETNX, HGET, HMGET, HEXISTS, HLEN, HSTRLEN, on a hash and on no key', () => {
  const lru = store();
  assert.equal(run(lru, 'HSETNX', 'h', 'a', '1'), 1);
  assert.equal(run(lru, 'HSETNX', 'h', 'a', '2'), 0);
  assert.equal(run(lru, 'HSETNX', 'h', 'b', 'hello'), 1);
  assert.equal(run(lru, 'HGET', 'h', 'a'), '1');
  assert.equal(run(lru, 'HGET', 'h', 'zz'), null);
  assert.equal(run(lru, 'HGET', 'nokey', 'a'), null);
  assert.equal(run(lru, 'HMGET', 'h', 'a', 'zz', 'b'), ['1', null, 'hello']);
  assert.equal(run(lru, 'HMGET', 'nokey', 'a', 'b'), [null, null]);
  assert.equal(run(lru, 'HEXISTS', 'h', 'a'), 1);
  assert.equal(run(lru, 'HEXISTS', 'h', 'zz'), 0);
  assert.equal(run(lru, 'HEXISTS', 'nokey', 'a'), 0);
  assert.equal(run(lru, 'HLEN', 'h'), 2);
  assert.equal(run(lru, 'HLEN', 'nokey'), 0);
  assert.equal(run(lru, 'HSTRLEN', 'h', 'b'), 5);
  assert.equal(run(lru, 'HSTRLEN', 'h', 'zz'), 0);
  assert.equal(run(lru, 'HSTRLEN', 'nokey', 'a'), 0);
});

t('HDEL counts the fields removed; the key goes with its last field. HKEYS, HVALS, HGETALL keep insertion order', () => {
  const lru = store();
  run(lru, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4');
  assert.equal(run(lru, 'HDEL', 'h', 'b', 'zz', 'b'), 1);
  assert.equal(run(lru, 'HKEYS', 'h'), ['a', 'c', 'd']);
  assert.equal(run(lru, 'HVALS', 'h'), ['1', '3', '4']);
  assert.equal(run(lru, 'HGETALL', 'h'), ['a', '1', 'c', '3', 'd', '4']);
  assert.equal(run(lru, 'HDEL', 'nokey', 'a'), 0);
  assert.equal(run(lru, 'HGETALL', 'nokey'), []);
  assert.equal(run(lru, 'HKEYS', 'nokey'), []);
  assert.equal(run(lru, 'HDEL', 'h', 'a', 'c', 'd', 'more'), 3);
  assert.equal(run(lru, 'EXISTS', 'h'), 0);
  assert.equal(run(lru, 'TYPE', 'h'), { status: 'none' });
  assert.is(lru.bytes, 0);
});

t('HINCRBY and HINCRBYFLOAT: Redis errors in its order, results kept as text', () => {
  const lru = store();
  run(lru, 'HSET', 'h', 's', 'hello', 'n', '10', 'f', '1.5');
  assert.equal(run(lru, 'HINCRBY', 'h', 'n', '5'), 15);
  assert.equal(run(lru, 'HINCRBY', 'h', 'n', '-20'), -5);
  assert.equal(run(lru, 'HINCRBY', 'h', 'new', '3'), 3);
  assert.equal(run(lru, 'HINCRBY', 'nokey', 'x', '7'), 7);
  assert.equal(run(lru, 'HINCRBY', 'h', 'n', 'abc'), { error: 'ERR value is not an integer or out of range' });
  assert.equal(run(lru, 'HINCRBY', 'h', 's', '1'), { error: 'ERR hash value is not an integer' });
  assert.equal(run(lru, 'HINCRBY', 'h', 'f', '1'), { error: 'ERR hash value is not an integer' });
  assert.equal(run(lru, 'HINCRBY', 'h', 'n', '9223372036854775807'), 9223372036854775802n);
  assert.equal(run(lru, 'HINCRBY', 'h', 'n', '10'), { error: 'ERR increment or decrement would overflow' });
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'f', '0.1'), '1.6');
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'nf', '0.1'), '0.1');
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'nf', '0.2'), '0.3');
  assert.equal(run(lru, 'HGET', 'h', 'nf'), '0.3');
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'f', 'abc'), { error: 'ERR value is not a valid float' });
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'f', '+inf'), { error: 'ERR value is NaN or Infinity' });
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'f', 'nan'), { error: 'ERR value is not a valid float' });
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 's', '1'), { error: 'ERR hash value is not a float' });
  run(lru, 'HSET', 'h', 'big', '1e4932');
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'big', '1e4932'), { error: 'ERR increment would produce NaN or Infinity' }, "past a long double's range");
  // As redis-server: a long double's 64-bit mantissa holds it (a double would say 9223372036854775808).
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'n', '0.5'), '9223372036854775802.5');
  run(lru, 'HSET', 'h', 'm', '1.5');
  assert.equal(run(lru, 'HINCRBYFLOAT', 'h', 'm', '4611686018427387904'), '4611686018427387905.5');
});

t('HRANDFIELD: one field, distinct fields, repeats for a negative count, WITHVALUES flat; count checked before the key', () => {
  const lru = store();
  run(lru, 'HSET', 'h', 'a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5');
  const fields = ['a', 'b', 'c', 'd', 'e'];
  assert.ok(fields.includes(run(lru, 'HRANDFIELD', 'h') as string));
  assert.equal(run(lru, 'HRANDFIELD', 'nokey'), null);
  assert.equal(run(lru, 'HRANDFIELD', 'nokey', '5'), []);
  assert.equal(run(lru, 'HRANDFIELD', 'h', '0'), []);
  assert.equal(run(lru, 'HRANDFIELD', 'h', '100'), fields, 'count >= size: the whole hash in order');
  assert.equal(run(lru, 'HRANDFIELD', 'h', '5', 'WITHVALUES'), ['a', '1', 'b', '2', 'c', '3', 'd', '4', 'e', '5']);
  for (let i = 0; i < 50; i++) {
    const three = run(lru, 'HRANDFIELD', 'h', '3') as string[];
    assert.is(new Set(three).size, 3, 'distinct');
    assert.ok(three.every((f) => fields.includes(f)));
    const pairs = run(lru, 'HRANDFIELD', 'h', '2', 'withvalues') as string[];
    assert.is(pairs.length, 4);
    assert.is(pairs[1], String(fields.indexOf(pairs[0]) + 1), 'each field with its value');
  }
  const repeats = run(lru, 'HRANDFIELD', 'h', '-50') as string[];
  assert.is(repeats.length, 50);
  assert.ok(repeats.every((f) => fields.includes(f)));
  assert.is((run(lru, 'HRANDFIELD', 'h', '-3', 'WITHVALUES') as string[]).length, 6);
  assert.equal(run(lru, 'HRANDFIELD', 'h', 'abc'), { error: 'ERR value is not an integer or out of range' });
  assert.equal(run(lru, 'HRANDFIELD', 'h', '1', 'withvalue'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'HRANDFIELD', 'h', '1', 'withvalues', 'x'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'HRANDFIELD', 'h', '-9223372036854770000', 'withvalues'), { error: 'ERR value is out of range' });
  const outOfRange = { error: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807' };
  assert.equal(run(lru, 'HRANDFIELD', 'h', '-9223372036854775808'), outOfRange);
  assert.equal(run(lru, 'HRANDFIELD', 'nokey', '-9223372036854775808'), outOfRange, 'before the key');
  assert.equal(run(lru, 'HRANDFIELD', 'h', String(-MAX_RANDOM_REPLY - 1)), { error: 'ERR value is out of range' }, 'a reply too big to build');
});

t('HSCAN: a small hash whole with cursor 0; a big one walked by cursor, every field present throughout once', () => {
  const lru = store(64 << 20);
  run(lru, 'HSET', 'small', 'a', '1', 'b', '2', 'ab', '3');
  assert.equal(run(lru, 'HSCAN', 'small', '0'), ['0', ['a', '1', 'b', '2', 'ab', '3']]);
  assert.equal(run(lru, 'HSCAN', 'small', '12345', 'COUNT', '1'), ['0', ['a', '1', 'b', '2', 'ab', '3']]);
  assert.equal(run(lru, 'HSCAN', 'small', '0', 'MATCH', 'a*'), ['0', ['a', '1', 'ab', '3']]);
  assert.equal(run(lru, 'HSCAN', 'nokey', '0'), ['0', []]);
  assert.equal(run(lru, 'HSCAN', 'nokey', '0', 'COUNT', '0'), ['0', []], 'no key: the options are not read');
  assert.equal(run(lru, 'HSCAN', 'small', 'abc'), { error: 'ERR invalid cursor' });
  assert.equal(run(lru, 'HSCAN', 'nokey', 'abc'), { error: 'ERR invalid cursor' });
  assert.equal(run(lru, 'HSCAN', 'small', '0', 'COUNT', '0'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'HSCAN', 'small', '0', 'COUNT', 'x'), { error: 'ERR value is not an integer or out of range' });
  assert.equal(run(lru, 'HSCAN', 'small', '0', 'TYPE', 'string'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'HSCAN', 'small', '0', 'COUNT'), { error: 'ERR syntax error' });

  const n = HSCAN_WHOLE * 4;
  for (let i = 0; i < n; i++) run(lru, 'HSET', 'big', `stay${i}`, String(i));
  const seen: string[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const [next, items] = run(lru, 'HSCAN', 'big', cursor, 'COUNT', '25') as [string, string[]];
    assert.ok(items.length <= 50);
    for (let i = 0; i < items.length; i += 2) {
      seen.push(items[i]);
      if (items[i].startsWith('stay') && items[i] !== 'stay7') assert.is(items[i + 1], items[i].slice(4), 'each field with its value');
    }
    // Meanwhile fields come and go, and one that stays changes value.
    run(lru, 'HSET', 'big', `tmp${calls}`, 'x', 'stay7', 'changed');
    if (calls > 2) run(lru, 'HDEL', 'big', `tmp${calls - 2}`);
    cursor = next;
    calls++;
  } while (cursor !== '0' && calls < 1000);
  const stays = seen.filter((f) => f.startsWith('stay'));
  assert.is(stays.length, n);
  assert.is(new Set(stays).size, n);
  assert.ok(calls > n / 25 - 1, 'it took several calls');
  const matched = run(lru, 'HSCAN', 'big', '0', 'MATCH', 'stay1*', 'COUNT', '100') as [string, string[]];
  assert.ok(matched[1].every((item, i) => i % 2 === 1 || item.startsWith('stay1')), 'MATCH filters fields (and drops their values)');
});

t('every hash command on a string key answers WRONGTYPE and leaves it', () => {
  for (const argv of [
    ['HSET', 's', 'a', '1'],
    ['HMSET', 's', 'a', '1'],
    ['HSETNX', 's', 'a', '1'],
    ['HGET', 's', 'a'],
    ['HMGET', 's', 'a'],
    ['HGETALL', 's'],
    ['HDEL', 's', 'a'],
    ['HEXISTS', 's', 'a'],
    ['HLEN', 's'],
    ['HKEYS', 's'],
    ['HVALS', 's'],
    ['HSTRLEN', 's', 'a'],
    ['HINCRBY', 's', 'a', '1'],
    ['HINCRBYFLOAT', 's', 'a', '1'],
    ['HRANDFIELD', 's'],
    ['HRANDFIELD', 's', '3'],
    ['HSCAN', 's', '0'],
  ]) {
    const lru = store();
    put(lru, 's', 'v');
    assert.equal(run(lru, ...argv), WRONGTYPE, argv.join(' '));
    assert.is(valueOf(lru, 's'), 'v');
  }
  const lru = store();
  put(lru, 's', 'v');
  assert.equal(run(lru, 'HINCRBY', 's', 'a', 'x'), { error: 'ERR value is not an integer or out of range' }, 'the increment is read first');
  assert.equal(run(lru, 'HSCAN', 's', 'x'), { error: 'ERR invalid cursor' }, 'the cursor is read first');
  assert.equal(run(lru, 'HRANDFIELD', 's', 'x'), { error: 'ERR value is not an integer or out of range' });
});

t('a small hash is packed: charged its block, a fraction of the big form; it becomes big past either threshold, for good', () => {
  const lru = store(1 << 20);
  run(lru, 'HSET', 'h', 'ab', 'xyz');
  assert.ok(lru.isInline(lru.peekKey('h')));
  assert.ok(chargeOf(lru, 'h') < ENTRY_OVERHEAD + 64, `${chargeOf(lru, 'h')}`);
  run(lru, 'HSET', 'h', 'long', 'v'.repeat(ENCODINGS.hashMaxListpackValue + 1));
  assert.not.ok(lru.isInline(lru.peekKey('h')), 'a value past hash-max-listpack-value');
  run(lru, 'HDEL', 'h', 'long');
  assert.not.ok(lru.isInline(lru.peekKey('h')), 'never packed again, as Redis');
  assert.equal(run(lru, 'HGETALL', 'h'), ['ab', 'xyz']);
  for (let i = 0; i < ENCODINGS.hashMaxListpackEntries; i++) run(lru, 'HSET', 'many', `f${i}`, 'v');
  assert.ok(lru.isInline(lru.peekKey('many')), 'at hash-max-listpack-entries');
  run(lru, 'HSET', 'many', 'one-more', 'v');
  assert.not.ok(lru.isInline(lru.peekKey('many')), 'past hash-max-listpack-entries');
  assert.is(run(lru, 'HLEN', 'many'), ENCODINGS.hashMaxListpackEntries + 1);
  assert.is(run(lru, 'HGET', 'many', 'f7'), 'v');
});

t('a big hash is charged key + fields + values + overheads, again on each change; under noeviction an HSET that does not fit is OOM', () => {
  // Every hash big here (a packed one is charged its block: above).
  const entries = ENCODINGS.hashMaxListpackEntries;
  ENCODINGS.hashMaxListpackEntries = 0;
  try {
    bigHashCharges();
  } finally {
    ENCODINGS.hashMaxListpackEntries = entries;
  }
});

function bigHashCharges(): void {
  const lru = store(1 << 20);
  run(lru, 'HSET', 'h', 'ab', 'xyz');
  // A hash's entry: a 24-byte block (block word, 12-byte header, 1-byte key) + ENTRY_OVERHEAD + the hash's bytes.
  const entry = 24 + ENTRY_OVERHEAD;
  const one = entry + HASH_OVERHEAD + 2 + 3 + FIELD_OVERHEAD;
  assert.is(chargeOf(lru, 'h'), one);
  run(lru, 'HSET', 'h', 'ab', 'x', 'cd', 'efgh');
  assert.is(chargeOf(lru, 'h'), one - 2 + 2 + 4 + FIELD_OVERHEAD);
  run(lru, 'HDEL', 'h', 'ab');
  assert.is(chargeOf(lru, 'h'), entry + HASH_OVERHEAD + 2 + 4 + FIELD_OVERHEAD);
  assert.is(lru.bytes, chargeOf(lru, 'h'));

  const tight = store(one + 10, 'noeviction');
  assert.equal(run(tight, 'HSET', 'h', 'ab', 'xyz'), 1);
  assert.equal(run(tight, 'HSET', 'h', 'cd', 'efgh'), OOM);
  assert.equal(run(tight, 'HSETNX', 'h', 'cd', 'e'), OOM);
  assert.equal(run(tight, 'HINCRBY', 'h', 'n', '1'), OOM);
  assert.equal(run(tight, 'HSET', 'other', 'a', 'b'), OOM);
  assert.equal(run(tight, 'HGETALL', 'h'), ['ab', 'xyz'], 'nothing changed');
  assert.equal(run(tight, 'HSET', 'h', 'ab', 'xyzw'), 1 - 1, 'growing by a byte still fits');
  assert.is(tight.bytes, one + 1);

  const evicting = store(one * 3);
  for (const key of ['a', 'b', 'c']) run(evicting, 'HSET', key, 'ab', 'xyz');
  run(evicting, 'HGET', 'a', 'ab');
  assert.equal(run(evicting, 'HSET', 'c', 'more', 'fields'), 1, 'allkeys-lru: growing c evicts the oldest, b, whole');
  assert.equal(run(evicting, 'TYPE', 'b'), { status: 'none' });
  assert.equal(run(evicting, 'HLEN', 'a'), 1);
}

t('writes change the key version, reads do not', () => {
  const lru = store();
  const versions: number[] = [];
  const write = (...argv: string[]): Reply => {
    const reply = run(lru, ...argv);
    versions.push(lru.versionOfKey('h'));
    return reply;
  };
  write('HSET', 'h', 'a', '1');
  write('HSET', 'h', 'a', '1');
  write('HSETNX', 'h', 'b', '2');
  write('HINCRBY', 'h', 'n', '1');
  write('HINCRBYFLOAT', 'h', 'n', '1');
  write('HDEL', 'h', 'a');
  write('EXPIRE', 'h', '100');
  write('PERSIST', 'h');
  assert.is(new Set(versions).size, versions.length, 'each write a new stamp');
  const last = lru.versionOfKey('h');
  for (const argv of [['HGET', 'h', 'b'], ['HGETALL', 'h'], ['HSCAN', 'h', '0'], ['HRANDFIELD', 'h', '2'], ['HLEN', 'h'], ['HSETNX', 'h', 'b', '9'], ['HDEL', 'h', 'zz']]) {
    run(lru, ...argv);
    assert.is(lru.versionOfKey('h'), last, `${argv[0]} changed nothing`);
  }
  assert.ok((valueOf(lru, 'h') as LruHash).size === 2);
});

t.run();
