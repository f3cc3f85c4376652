import * as fs from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BULK_KEY_BYTES, bulkKey, bulkValue, encodeRequest } from '../src/bulkLoad';
import { parseCli, UsageError } from '../src/cli';
import { parseInfo } from '../src/memory';
import { stressBound, stressKeyCount } from '../src/memoryStress';
import { parseVmRss } from '../src/procstat';

const MIB = 1024 * 1024;

test('bulk keys are 13 bytes and values carry their key index', () => {
  assert.is(bulkKey(123), 'key:000000123');
  assert.is(bulkKey(999_999_999).length, BULK_KEY_BYTES);
  const value = bulkValue(123, 32);
  assert.is(value.length, 32);
  assert.ok(value.startsWith('000000123:'));
  assert.is(bulkValue(7, 100).length, 100);
  assert.throws(() => bulkValue(1, 9));
});

test('requests are encoded for both protocols', () => {
  const value = bulkValue(5, 12);
  assert.is(encodeRequest('text', 'set', 5, 12), `PUT key:000000005 ${value}\n`);
  assert.is(encodeRequest('text', 'get', 5, 12), 'GET key:000000005\n');
  assert.is(encodeRequest('resp', 'set', 5, 12), `*3\r\n$3\r\nSET\r\n$13\r\nkey:000000005\r\n$12\r\n${value}\r\n`);
  assert.is(encodeRequest('resp', 'get', 5, 12), '*2\r\n$3\r\nGET\r\n$13\r\nkey:000000005\r\n');
});

test('VmRSS is read in bytes from /proc status text', () => {
  assert.is(parseVmRss('Name:\tnode\nVmPeak:\t 100 kB\nVmRSS:\t   52340 kB\nRssAnon:\t 1 kB\n'), 52340 * 1024);
  assert.is(parseVmRss('Name:\tkthreadd\nState:\tS\n'), null);
  assert.ok(parseVmRss(fs.readFileSync('/proc/self/status', 'latin1'))! > 0);
});

test('stress bound and key count', () => {
  // 256 MiB + 40% + 60 MiB for the primary and each of 2 workers.
  assert.is(stressBound(256 * MIB, 2), Math.round(256 * MIB * 1.4 + 180 * MIB));
  // 3 x 256 MiB at 13 + 100 + 232 bytes an entry.
  assert.is(stressKeyCount(256 * MIB, 100), Math.ceil((3 * 256 * MIB) / 345));
});

test('INFO text is split into fields', () => {
  const info = parseInfo('# Memory\r\nused_memory:1234\r\nused_memory_human:1.21K\r\n\r\n# Keyspace\r\ndb0:keys=1,expires=0\r\n');
  assert.is(info.get('used_memory'), '1234');
  assert.is(info.get('db0'), 'keys=1,expires=0');
  assert.is(info.has('# Memory'), false);
});

test('memory flags: their defaults, and what they refuse', () => {
  const perKey = parseCli(['--memory-per-key']);
  assert.is(perKey.memoryPerKey, true);
  assert.is(perKey.keys, 1_000_000);
  assert.is(perKey.valueSize, 32);
  assert.is(perKey.connections, 64);
  assert.is(perKey.pipeline, 256);
  const stress = parseCli(['--memory-stress', '--pipeline', '64']);
  assert.is(stress.memoryStress, true);
  assert.is(stress.valueSize, 100);
  assert.is(stress.pipeline, 64);
  assert.is(parseCli([]).connections, 50);
  assert.throws(() => parseCli(['--memory-per-key', '--memory-stress']), (err: unknown) => err instanceof UsageError);
  assert.throws(() => parseCli(['--memory-per-key', '--proto', 'text']), (err: unknown) => err instanceof UsageError);
  assert.throws(() => parseCli(['--memory-stress', '--keys', '10']), (err: unknown) => err instanceof UsageError);
  assert.throws(() => parseCli(['--memory-stress', '--addr', '127.0.0.1:7171']), (err: unknown) => err instanceof UsageError);
});

test.run();
