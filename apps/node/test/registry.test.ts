import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, TextOp } from '@kv/wire';
import { keyIndexes, keysOf } from '../src/commands/key-positions';
import { COMMANDS, commandNamed, lookup, RESP_COMMANDS } from '../src/commands/table';

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
  // WATCH is answered by the router, but COMMAND reports its keys as Redis does; so are a shard
  // channel's positions (Redis's not_key key specs: SPUBLISH runs on every worker).
  // LMOVE, RPOPLPUSH, SMOVE and the set algebra run on their first key's shard, keys of others copied there for the moment (`gathers`).
  const keyed: Record<string, [number, number, number]> = { WATCH: [1, -1, 1], LMOVE: [1, 2, 1], RPOPLPUSH: [1, 2, 1], SMOVE: [1, 2, 1], ZRANGESTORE: [1, 2, 1], SSUBSCRIBE: [1, -1, 1], SUNSUBSCRIBE: [1, -1, 1], SPUBLISH: [1, 1, 1] };
  for (const name of ['SINTER', 'SUNION', 'SDIFF', 'SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE']) keyed[name] = [1, -1, 1];
  for (const name of ['RENAME', 'RENAMENX', 'COPY', 'LCS']) keyed[name] = [1, 2, 1];
  keyed.BITOP = [2, -1, 1];
  // Counted keys (numkeys): none at fixed positions, as Redis's movablekeys.
  for (const name of ['LMPOP', 'SINTERCARD', 'ZMPOP', 'ZUNION', 'ZINTER', 'ZDIFF', 'ZINTERCARD', 'BLMPOP', 'BZMPOP', 'XREAD', 'XREADGROUP', 'XGROUP']) keyed[name] = [0, 0, 0];
  // XINFO's key is its subcommand's argument (XINFO STREAM key).
  keyed.XINFO = [2, 2, 1];
  // Blocking lists: every argument but the timeout is a key (BLPOP), or source and destination (BLMOVE).
  for (const name of ['BLPOP', 'BRPOP', 'BZPOPMIN', 'BZPOPMAX']) keyed[name] = [1, -2, 1];
  for (const name of ['BLMOVE', 'BRPOPLPUSH']) keyed[name] = [1, 2, 1];
  // A gathered read-only command's read of another worker's key: its key named, so its owner remembers a tracking reader.
  keyed.ENTRYPEEK = [1, 1, 1];
  for (const spec of COMMANDS) {
    const [first, last, step] = keyed[spec.name] ?? expected[spec.plan] ?? [0, 0, 0];
    assert.equal([spec.firstKey, spec.lastKey, spec.step], [first, last, step], spec.name);
  }
});

test('connection commands are all in the table', () => {
  const connection = COMMANDS.filter((spec) => spec.plan === 'connection').map((spec) => spec.name);
  assert.equal(connection.sort(), [
    'AUTH', 'CLIENT', 'COMMAND', 'CONFIG', 'DISCARD', 'ECHO', 'EXEC', 'HELLO', 'LATENCY', 'MEMORY', 'MONITOR', 'MULTI', 'OBJECT', 'PING', 'PSUBSCRIBE', 'PUBSUB', 'PUNSUBSCRIBE', 'QUIT', 'RESET',
    'SCRIPT', 'SELECT', 'SHUTDOWN', 'SLOWLOG', 'SSUBSCRIBE', 'STATS', 'SUBSCRIBE', 'SUNSUBSCRIBE', 'TIME', 'UNSUBSCRIBE', 'UNWATCH', 'WATCH',
  ]);
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

test('lookup finds every RESP name in any letter case, from argv[0]\'s bytes, and nothing else', () => {
  const mixed = (name: string, seed: number) => [...name].map((ch, i) => ((seed >> i) & 1 ? ch.toLowerCase() : ch)).join('');
  for (const spec of RESP_COMMANDS) {
    for (let seed = 0; seed < 8; seed++) assert.is(lookup(argv(mixed(spec.name, seed * 37), 'x')), spec, mixed(spec.name, seed * 37));
    assert.is(lookup(argv(`${spec.name}X`)), RESP_COMMANDS.find((c) => c.name === `${spec.name}X`), `${spec.name}X`);
    assert.is(lookup(argv(spec.name.slice(1))), RESP_COMMANDS.find((c) => c.name === spec.name.slice(1)), spec.name.slice(1));
  }
  for (const name of ['', 'PUT', 'STATS', 'TXHOLD', 'NOSUCH', 'G\u00c9T', 'GET\u0000', 'A'.repeat(17), 'get '.trim() + '\n']) {
    assert.is(lookup(argv(name)), undefined, JSON.stringify(name));
  }
  // Bytes where 0x20 apart would be letters only for a-z: '{' is not '[', '@' is not '`'.
  assert.is(lookup(argv('G\u0045T')), commandNamed('GET'));
  assert.is(lookup(argv('GE\u0074')), commandNamed('GET'));
  assert.is(lookup(argv('GE\u0034')), undefined);
  // argv[0] in the middle of a buffer.
  const args = argsOf(['x', 'hset', 'y']);
  const view = argsOf(['hset']);
  view.reset(args.buf);
  view.push(args.starts[1], args.ends[1]);
  assert.is(lookup(view), commandNamed('HSET'));
});

const named = (pick: (spec: (typeof COMMANDS)[number]) => unknown) => COMMANDS.filter((spec) => pick(spec)).map((spec) => spec.name).sort();

test('what the router treats specially is a field of the entry: the seed\'s text ops, MULTI\'s unqueued commands, EXEC', () => {
  assert.equal(
    COMMANDS.filter((spec) => spec.text !== undefined).map((spec) => [spec.name, spec.text]),
    [['GET', TextOp.GET], ['PUT', TextOp.PUT], ['AUTH', TextOp.AUTH], ['STATS', TextOp.STATS]],
    'each text op names one entry',
  );
  // Redis's processCommand runs these at once inside MULTI.
  assert.equal(named((spec) => spec.unqueued), ['DISCARD', 'EXEC', 'MULTI', 'QUIT', 'RESET', 'WATCH']);
  // A RESP2 connection in subscribed mode runs only these (Redis's processCommand).
  assert.equal(named((spec) => spec.inSubscribed), ['PING', 'PSUBSCRIBE', 'PUNSUBSCRIBE', 'QUIT', 'RESET', 'SSUBSCRIBE', 'SUBSCRIBE', 'SUNSUBSCRIBE', 'UNSUBSCRIBE']);
  assert.equal(named((spec) => spec.runsQueue), ['EXEC']);
  for (const spec of COMMANDS) if (spec.runsQueue) assert.ok(spec.unqueued, `${spec.name} runs the queue, so it is not queued itself`);
});

test('flags read from Redis\'s: no_auth (AUTH, HELLO, QUIT, RESET as Redis 7), write, readonly, noscript', () => {
  assert.equal(named((spec) => spec.noAuth), ['AUTH', 'HELLO', 'QUIT', 'RESET']);
  for (const spec of COMMANDS) {
    assert.is(spec.noAuth, spec.flags.includes('no_auth'), spec.name);
    assert.is(spec.writes, spec.flags.includes('write'), spec.name);
    assert.is(spec.readOnly, spec.flags.includes('readonly'), spec.name);
    assert.is(spec.noScript, spec.flags.includes('noscript'), spec.name);
    for (const flag of spec.flags) assert.match(flag, /^[a-z_]+$/, `${spec.name}: ${flag} is spelt as Redis 7 reports it`);
  }
});

test('transactions, rounds and scripts as fields: atomic modes, MSETNX\'s two rounds (and CONFIG SET\'s, made by the primary), scripts by body or sha', () => {
  assert.equal(COMMANDS.filter((spec) => spec.atomic !== undefined).map((spec) => [spec.name, spec.atomic]), [['MGET', 'read'], ['MSET', 'write'], ['MSETNX', 'write-new']]);
  for (const spec of COMMANDS) if (spec.plan === 'atomic') assert.ok(spec.atomic !== undefined && spec.atomic !== 'read', `${spec.name}: an atomic plan writes`);
  assert.equal(named((spec) => spec.rounds), ['CONFIG', 'MSETNX']);
  for (const spec of COMMANDS) assert.is(spec.script !== undefined, spec.plan === 'script', spec.name);
  assert.equal(named((spec) => spec.script === 'sha'), ['EVALSHA', 'EVALSHA_RO']);
  assert.equal(named((spec) => spec.plan === 'script' && spec.readOnly), ['EVALSHA_RO', 'EVAL_RO']);
  assert.equal(named((spec) => spec.inScript), ['ECHO', 'OBJECT', 'PING', 'TIME']);
  for (const spec of COMMANDS) if (spec.inScript) assert.ok(spec.plan === 'connection' && !spec.noScript, spec.name);
});

test.run();
