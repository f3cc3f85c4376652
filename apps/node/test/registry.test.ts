import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf } from '@kv/wire';
import { keyIndexes, keysOf } from '../src/commands/key-positions';
import { COMMANDS, commandNamed } from '../src/commands/table';

const test = suite('command registry');

const argv = (...words: string[]) => argsOf(words);

test('keysOf follows Redis: first/last/step, last negative from the end', () => {
  assert.equal(keyIndexes(commandNamed('GET'), argv('GET', 'k')), [1]);
  assert.equal(keyIndexes(commandNamed('SET'), argv('SET', 'k', 'v', 'EX', '10')), [1]);
  assert.equal(keyIndexes(commandNamed('DEL'), argv('DEL', 'a', 'b', 'c')), [1, 2, 3]);
  assert.equal(keyIndexes(commandNamed('MGET'), argv('MGET', 'a')), [1]);
  assert.equal(keyIndexes(commandNamed('MSET'), argv('MSET', 'a', '1', 'b', '2', 'c', '3')), [1, 3, 5]);
  assert.equal(keyIndexes(commandNamed('KEYS'), argv('KEYS', '*')), []);
  assert.equal(keyIndexes(commandNamed('PING'), argv('PING')), []);
  assert.equal(keyIndexes(commandNamed('SCAN'), argv('SCAN', '0', 'MATCH', 'k*')), []);
  assert.equal([...keysOf(commandNamed('EXISTS'), argv('EXISTS', 'x', 'y'))], [1, 2]);
});

test('keysOf: a positive last key, a step over 1, and arguments short of the last key', () => {
  const spec = { firstKey: 2, lastKey: 4, step: 2 };
  assert.equal(keyIndexes(spec, { count: 7 }), [2, 4]);
  assert.equal(keyIndexes(spec, { count: 4 }), [2]);
  assert.equal(keyIndexes(spec, { count: 2 }), []);
  assert.equal(keyIndexes({ firstKey: 1, lastKey: -2, step: 1 }, { count: 5 }), [1, 2, 3]);
  assert.equal(keyIndexes({ firstKey: 0, lastKey: 0, step: 0 }, { count: 5 }), []);
});

test('every entry has key positions that fit its plan', () => {
  const expected: Record<string, [number, number, number]> = {
    'one-key': [1, 1, 1],
    'each-key': [1, -1, 1],
    atomic: [1, -1, 2],
  };
  // WATCH is answered by the router, but COMMAND reports its keys as Redis does.
  const keyed: Record<string, [number, number, number]> = { WATCH: [1, -1, 1] };
  for (const spec of COMMANDS) {
    const [first, last, step] = keyed[spec.name] ?? expected[spec.plan] ?? [0, 0, 0];
    assert.equal([spec.firstKey, spec.lastKey, spec.step], [first, last, step], spec.name);
  }
});

test('connection commands are all in the table', () => {
  const connection = COMMANDS.filter((spec) => spec.plan === 'connection').map((spec) => spec.name);
  assert.equal(connection.sort(), ['AUTH', 'CLIENT', 'COMMAND', 'CONFIG', 'DISCARD', 'ECHO', 'EXEC', 'HELLO', 'MULTI', 'PING', 'QUIT', 'SCRIPT', 'SELECT', 'STATS', 'TIME', 'UNWATCH', 'WATCH']);
});

test('handlers fit plans: keyed plans run a store handler, worker plans a worker handler', () => {
  for (const spec of COMMANDS) {
    if (spec.plan === 'one-key' || spec.plan === 'each-key') assert.ok(spec.handler !== undefined && spec.workerHandler === undefined, spec.name);
    else if (spec.plan === 'each-worker' || spec.plan === 'cursor') assert.ok(spec.workerHandler !== undefined && spec.handler === undefined, spec.name);
    // Internal steps run on a worker (TXPREPARE ...), on a key's shard (KEYVERSION), or carry another command (TXRUN).
    else if (spec.plan === 'internal') assert.ok((spec.workerHandler !== undefined) !== (spec.handler !== undefined) || (spec.bypass === true && spec.handler === undefined && spec.workerHandler === undefined), spec.name);
    else assert.ok(spec.handler === undefined && spec.workerHandler === undefined, spec.name);
    if (spec.plan === 'each-key' || spec.plan === 'each-worker') assert.ok(spec.combine !== undefined, spec.name);
  }
});

test.run();
