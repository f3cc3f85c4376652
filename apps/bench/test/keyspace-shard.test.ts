import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { shardOfKey } from '../src/keyspace';
import { prng } from '../../../test-support/prng';

test("keyspace: the load generator's shard rule is the server's, hash tags included", () => {
  const rand = prng(99);
  const alphabet = 'k{}:1\xff';
  for (const key of ['key:1', '{user1}.a', '{}x', '{a}{b}', 'x{y']) assert.is(shardOfKey(key), shardOfString(key), key);
  for (let i = 0; i < 20000; i++) {
    let key = '';
    for (let j = Math.floor(rand() * 10); j > 0; j--) key += alphabet[Math.floor(rand() * alphabet.length)];
    assert.is(shardOfKey(key), shardOfString(key), JSON.stringify(key));
  }
});

test.run();
