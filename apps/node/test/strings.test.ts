import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LruHash, type Lru } from '@kv/lru';
import { memStore, put, typeOf } from './store';
import { run } from './run-command';

/**
 * String and key-space handlers: Redis 7.0's error strings where its own tests check them
 * (tests/unit/expire.tcl, type/incr.tcl, type/string.tcl), in Redis's order of checks, and
 * WRONGTYPE on a key holding a hash.
 */
const t = suite('node:string commands');

const WRONGTYPE = { error: 'WRONGTYPE Operation against a key holding the wrong kind of value' };
const NOT_INTEGER = { error: 'ERR value is not an integer or out of range' };
const invalid = (command: string) => ({ error: `ERR invalid expire time in '${command}' command` });
const OK = { status: 'OK' };

function store(): Lru {
  return memStore(1 << 20);
}

function withHash(): Lru {
  const lru = store();
  const hash = new LruHash();
  hash.set('f', 'v');
  lru.setHashKey('h', hash);
  return lru;
}

t('an expire amount that is an int64 but overflows as ms is an invalid expire time, as Redis 7 (expire.tcl)', () => {
  const lru = store();
  put(lru, 'foo', 'bar');
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '10000000000000000'), invalid('set'));
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '-9999999999999999'), invalid('set'));
  assert.equal(run(lru, 'GETEX', 'foo', 'EX', '10000000000000000'), invalid('getex'));
  assert.equal(run(lru, 'GETEX', 'foo', 'EX', '-9999999999999999'), invalid('getex'));
  assert.equal(run(lru, 'SETEX', 'foo', '10000000000000000', 'v'), invalid('setex'));
  assert.equal(run(lru, 'PSETEX', 'foo', '9223372036854770000', 'v'), invalid('psetex'));
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'PX', '9223372036854770000'), invalid('set'), 'PX: ms + now overflows');
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EXAT', '9223372036854770000'), invalid('set'), 'EXAT: x 1000 overflows');
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'PXAT', '9223372036854770000'), OK, 'PXAT within int64 is a time');
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '9223372036854775808'), NOT_INTEGER, 'past int64: not an integer');
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '0'), invalid('set'));
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '-0'), NOT_INTEGER, "string2ll refuses -0");
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '9007199254740993'), OK, 'past 2^53 but fine as ms');
  assert.ok((run(lru, 'TTL', 'foo') as number) > 9e15);
});

t('EXPIRE: int64 ms overflow is an invalid expire time, checked after the options and before the key', () => {
  const lru = store();
  put(lru, 'foo', 'bar');
  for (const amount of ['9223370399119966', '9223372036854776', '10000000000000000', '18446744073709561', '-9223372036854776', '-9999999999999999']) {
    assert.equal(run(lru, 'EXPIRE', 'foo', amount), invalid('expire'), amount);
  }
  assert.equal(run(lru, 'TTL', 'foo'), -1, 'nothing changed');
  assert.equal(run(lru, 'PEXPIRE', 'foo', '9223372036854770000'), invalid('pexpire'));
  assert.equal(run(lru, 'EXPIREAT', 'foo', '9223372036854770000'), invalid('expireat'));
  assert.equal(run(lru, 'EXPIRE', 'nokey', '10000000000000000'), invalid('expire'), 'before the key is looked up');
  assert.equal(run(lru, 'EXPIRE', 'foo', 'abc', 'AB'), { error: 'ERR Unsupported option AB' }, 'the options come first');
  assert.equal(run(lru, 'EXPIRE', 'foo', ''), NOT_INTEGER);
  // PEXPIREAT with big integers works (expire.tcl): far in the future, or past and so deleted.
  assert.equal(run(lru, 'PEXPIREAT', 'foo', '9223372036854770000'), 1);
  assert.ok((run(lru, 'TTL', 'foo') as number) > 9e15);
  assert.equal(run(lru, 'PEXPIREAT', 'foo', '-9223372036854770000'), 1);
  assert.equal(run(lru, 'TTL', 'foo'), -2);
});

t('INCRBYFLOAT: an infinite increment reads as a float and the result is refused (incr.tcl)', () => {
  const lru = store();
  put(lru, 'foo', '0');
  for (const inf of ['+inf', 'inf', '-inf', 'Infinity', '-INFINITY']) {
    assert.equal(run(lru, 'INCRBYFLOAT', 'foo', inf), { error: 'ERR increment would produce NaN or Infinity' }, inf);
  }
  assert.equal(run(lru, 'INCRBYFLOAT', 'foo', 'nan'), { error: 'ERR value is not a valid float' });
  assert.equal(run(lru, 'INCRBYFLOAT', 'foo', '1.5'), '1.5');
  put(lru, 'novar', '    11');
  assert.equal(run(lru, 'INCRBYFLOAT', 'novar', '1.0'), { error: 'ERR value is not a valid float' });
  assert.equal(run(lru, 'GET', 'foo'), '1.5');
});

t("SET's and GETEX's options are all checked before the amount; an expiry option may repeat, not mix", () => {
  const lru = store();
  put(lru, 'foo', 'bar');
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', 'abc', 'NOPE'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '10', 'EX', '20'), OK);
  assert.equal(run(lru, 'TTL', 'foo'), 20);
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'EX', '10', 'PX', '20'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'KEEPTTL', 'EX', '10'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'SET', 'foo', 'bar', 'KEEPTTL', 'KEEPTTL'), OK);
  assert.equal(run(lru, 'GETEX', 'nokey', 'EX', 'abc'), null, 'a missing key answers nil before the amount is read');
  assert.equal(run(lru, 'GETEX', 'foo', 'EX', 'abc'), NOT_INTEGER);
  assert.equal(run(lru, 'GETEX', 'foo', 'PERSIST', 'EX', '10'), { error: 'ERR syntax error' });
  assert.equal(run(lru, 'GETEX', 'foo', 'PXAT', '1'), 'bar', 'a past time answers the value, then deletes');
  assert.equal(run(lru, 'EXISTS', 'foo'), 0);
});

t('a string command on a hash answers WRONGTYPE where Redis does; SET, SETNX, MGET, TYPE and key commands work on it', () => {
  for (const argv of [
    ['GET', 'h'],
    ['GETSET', 'h', 'x'],
    ['GETDEL', 'h'],
    ['GETEX', 'h'],
    ['GETEX', 'h', 'EX', '10'],
    ['GETEX', 'h', 'EX', 'abc'],
    ['APPEND', 'h', 'x'],
    ['STRLEN', 'h'],
    ['INCR', 'h'],
    ['DECR', 'h'],
    ['INCRBY', 'h', '1'],
    ['DECRBY', 'h', '1'],
    ['INCRBYFLOAT', 'h', '1'],
    ['INCRBYFLOAT', 'h', 'abc'],
    ['SET', 'h', 'x', 'GET'],
    ['SET', 'h', 'x', 'NX', 'GET'],
  ]) {
    const lru = withHash();
    assert.equal(run(lru, ...argv), WRONGTYPE, argv.join(' '));
    assert.is(typeOf(lru, 'h'), 'hash', `${argv.join(' ')} left the hash`);
  }
  const lru = withHash();
  assert.equal(run(lru, 'INCRBY', 'h', 'x'), NOT_INTEGER, "INCRBY's increment is read before the key");
  assert.equal(run(lru, 'SETNX', 'h', 'x'), 0);
  assert.equal(run(lru, 'SET', 'h', 'x', 'NX'), null);
  assert.equal(run(lru, 'MGET', 'h'), null, "MGET's part answers nil");
  assert.equal(run(lru, 'TYPE', 'h'), { status: 'hash' });
  assert.equal(run(lru, 'EXPIRE', 'h', '100'), 1);
  assert.equal(run(lru, 'TTL', 'h'), 100);
  assert.equal(run(lru, 'PERSIST', 'h'), 1);
  assert.equal(run(lru, 'TOUCH', 'h'), 1);
  assert.equal(run(lru, 'EXISTS', 'h'), 1);
  assert.equal(run(lru, 'SET', 'h', 'x', 'XX'), OK, 'SET overwrites a hash');
  assert.equal(run(lru, 'TYPE', 'h'), { status: 'string' });
  const other = withHash();
  assert.equal(run(other, 'DEL', 'h'), 1);
  assert.equal(run(other, 'TYPE', 'h'), { status: 'none' });
  assert.equal(run(withHash(), 'PUT', 'h', 'v'), OK, "the text protocol's PUT overwrites too");
});

t.run();
