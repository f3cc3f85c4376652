import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, ReplyKind, shardOfString, SHARD_COUNT } from '@kv/wire';
import { commandNamed } from '../src/commands/table';
import { timeoutMs } from '../src/commands/blocking';
import { ReplyTo } from '../src/reply';
import { ShardSet } from '../src/shards/shards';

/** ShardSet.block and its registry (shards/blocked.ts): keeping, waking in order, timeouts, drops, a stop. */
const t = suite('node:blocked');

const ALL = Array.from({ length: SHARD_COUNT }, (_, i) => i);
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const KINDS = new Map<ReplyKind, string>([
  [ReplyKind.TREE, 'TREE'],
  [ReplyKind.BULK, 'BULK'],
  [ReplyKind.NULL_ARRAY, 'NULL_ARRAY'],
  [ReplyKind.ERROR, 'ERROR'],
  [ReplyKind.INTEGER, 'INTEGER'],
  [ReplyKind.NIL, 'NIL'],
]);

/** Each reply as `name:KIND:payload`, a reply tree as its strings (its binary headers dropped). */
function sink(log: string[], name: string): ReplyTo {
  return new ReplyTo((kind, payload) => {
    const text = kind === ReplyKind.TREE ? payload.split(/[\x00-\x1f]+/).filter(Boolean).join(' ') : payload;
    log.push(`${name}:${KINDS.get(kind) ?? kind}:${text}`);
  });
}

function run(shards: ShardSet, ...argv: string[]): void {
  const args = argsOf(argv);
  shards.executeOn(shardOfString(argv[1]), commandNamed(argv[0]), args, sink([], 'x'));
}

function block(shards: ShardSet, log: string[], name: string, ...argv: string[]) {
  const now = sink(log, `${name}-now`);
  return shards.block(commandNamed(argv[0]), argsOf(argv), now, () => sink(log, name));
}

t('waiters on a key are served in the order they blocked, after the push, once per turn', async () => {
  const shards = new ShardSet(ALL, 1 << 20);
  const log: string[] = [];
  for (const name of ['a', 'b', 'c']) assert.ok(block(shards, log, name, 'BLPOP', 'k', '0') !== null);
  assert.is(shards.blocked.count, 3);
  run(shards, 'RPUSH', 'k', '1', '2');
  assert.equal(log, [], 'not inside the push');
  await tick();
  assert.equal(log, ['a:TREE:k 1', 'b:TREE:k 2']);
  assert.is(shards.blocked.count, 1);
  // One with data answers at once; a later push serves the one left.
  run(shards, 'RPUSH', 'k', '3', '4');
  assert.is(block(shards, log, 'd', 'BLPOP', 'k', '0'), null);
  assert.equal(log.slice(2), ['c:TREE:k 3', 'd-now:TREE:k 4'], 'the waiter first, then the newcomer');
  assert.is(shards.blocked.count, 0);
});

t('a BLMOVE chain: a push to its source moves into a key another waits on', async () => {
  const shards = new ShardSet(ALL, 1 << 20);
  const log: string[] = [];
  block(shards, log, 'mover', 'BLMOVE', '{q}a', '{q}b', 'LEFT', 'RIGHT', '0');
  block(shards, log, 'popper', 'BRPOP', '{q}b', '0');
  run(shards, 'LPUSH', '{q}a', 'x');
  await tick();
  assert.equal(log, ['mover:BULK:x', 'popper:TREE:{q}b x']);
});

t('several keys written in one turn: each waiter is served from the key written first (Redis\'s ready keys), keys in write order', async () => {
  for (const others of [0, 10]) {
    const shards = new ShardSet(ALL, 1 << 20);
    const log: string[] = [];
    // With more than a few keys waited on the shard, a write's keys are looked up rather than compared.
    for (let i = 0; i < others; i++) block(shards, [], 'other', 'BLPOP', `{t}other${i}`, '0');
    block(shards, log, 'a', 'BLPOP', '{t}1', '{t}2', '{t}3', '0');
    block(shards, log, 'b', 'BLMPOP', '0', '3', '{t}1', '{t}2', '{t}3', 'RIGHT', 'COUNT', '5');
    block(shards, log, 'c', 'BZPOPMAX', '{t}z1', '{t}z2', '0');
    block(shards, log, 'd', 'BLPOP', '{t}4', '0');
    block(shards, log, 'e', 'BLPOP', '{t}5', '0');
    run(shards, 'RPUSH', '{t}5', 'five');
    run(shards, 'RPUSH', '{t}3', 'x', 'y');
    run(shards, 'RPUSH', '{t}2', 'p', 'q');
    run(shards, 'ZADD', '{t}z2', '1', 'm');
    run(shards, 'ZADD', '{t}z1', '2', 'n');
    run(shards, 'RPUSH', '{t}4', 'four');
    await tick();
    // The score is a double in the tree (its bytes dropped here).
    assert.equal(log.map((l) => l.replace(/ m .*/, ' m')), ['e:TREE:{t}5 five', 'a:TREE:{t}3 x', 'b:TREE:{t}3 y', 'c:TREE:{t}z2 m', 'd:TREE:{t}4 four']);
    assert.is(shards.blocked.count, others);
  }
});

t('sorted sets: BZPOPMIN/BZPOPMAX/BZMPOP waiters served in order; a waiter of another type keeps its place and is skipped', async () => {
  const shards = new ShardSet(ALL, 1 << 20);
  const log: string[] = [];
  block(shards, log, 'list', 'BLPOP', 'z', '0');
  block(shards, log, 'min', 'BZPOPMIN', 'z', '0');
  block(shards, log, 'max', 'BZPOPMAX', 'z', '0');
  block(shards, log, 'mpop', 'BZMPOP', '0', '1', 'z', 'MIN', 'COUNT', '5');
  run(shards, 'ZADD', 'z', '1', 'a', '2', 'b', '3', 'c', '4', 'd');
  await tick();
  // Scores are binary doubles in a reply tree: the members say who got what.
  const members = (line: string) => line.split(' ').filter((_, i) => i % 2 === 1).join(' ').replace(/[^a-z ]/g, '');
  assert.equal(log.map((line) => line.slice(0, line.indexOf(':'))), ['min', 'max', 'mpop']);
  assert.equal(log.map(members), ['a', 'd', 'b c']);
  assert.is(shards.blocked.count, 1, 'BLPOP still waits: a sorted set is not its type');
  run(shards, 'DEL', 'z');
  run(shards, 'RPUSH', 'z', 'e');
  await tick();
  assert.equal(log.slice(3), ['list:TREE:z e']);
});

t('XREAD BLOCK: $ is the last id when it blocked, an id not yet passed keeps waiting, every reader is served; without BLOCK it answers at once', async () => {
  const shards = new ShardSet(ALL, 1 << 20);
  const log: string[] = [];
  run(shards, 'XADD', 's', '1-0', 'f', 'old');
  assert.ok(block(shards, log, 'dollar', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$') !== null);
  assert.ok(block(shards, log, 'past5', 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '5-0') !== null);
  assert.is(block(shards, log, 'noblock', 'XREAD', 'STREAMS', 's', '$'), null);
  assert.equal(log, ['noblock-now:NULL_ARRAY:']);
  run(shards, 'XADD', 's', '2-0', 'f', 'new');
  await tick();
  assert.equal(log.slice(1), ['dollar:TREE:s 2-0 f new']);
  assert.is(shards.blocked.count, 1, 'the reader past 5-0 still waits');
  run(shards, 'XADD', 's', '6-0', 'f', 'six');
  await tick();
  assert.equal(log.slice(2), ['past5:TREE:s 6-0 f six']);
  assert.is(shards.blocked.count, 0);
});

t('a timeout answers a null array; a dropped waiter takes nothing; a stop answers every waiter and refuses to wait', async () => {
  const shards = new ShardSet(ALL, 1 << 20);
  const log: string[] = [];
  block(shards, log, 'timed', 'BLPOP', 'k', '0.02');
  const gone = block(shards, log, 'gone', 'BLPOP', 'j', '0')!;
  shards.blocked.drop(gone);
  run(shards, 'RPUSH', 'j', 'kept');
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.equal(log, ['gone:NULL_ARRAY:', 'timed:NULL_ARRAY:']);
  block(shards, log, 'forever', 'BLMPOP', '0', '1', 'z', 'LEFT');
  shards.blocked.stop();
  assert.is(block(shards, log, 'late', 'BRPOP', 'z', '0'), null);
  assert.equal(log.slice(2), ['forever:NULL_ARRAY:', 'late-now:NULL_ARRAY:']);
  assert.is(shards.blocked.count, 0);
  const got: string[] = [];
  run(shards, 'LPOP', 'j');
  shards.executeOn(shardOfString('j'), commandNamed('LLEN'), argsOf(['LLEN', 'j']), sink(got, 'j'));
  assert.equal(got, ['j:INTEGER:0'], 'the element pushed after the drop was still there for LPOP');
});

t("timeouts parse as Redis's: float seconds rounded up to the ms, 0 forever, errors for the rest", () => {
  const ms = (text: string) => {
    const log: string[] = [];
    const got = timeoutMs(argsOf([text]), 0, sink(log, 't'));
    return got === undefined ? log[0] : got;
  };
  assert.is(ms('0'), 0);
  assert.is(ms('1.5'), 1500);
  assert.is(ms('0.0001'), 1);
  assert.is(ms('1e-400'), 1);
  assert.is(ms('-0.0001'), 0);
  assert.is(ms('0x10'), 16000);
  assert.is(ms('-1'), 't:ERROR:ERR timeout is negative');
  assert.is(ms('inf'), 't:ERROR:ERR timeout is negative');
  assert.is(ms('1e30'), 't:ERROR:ERR timeout is negative');
  assert.is(ms('x'), 't:ERROR:ERR timeout is not a float or out of range');
  assert.is(ms('nan'), 't:ERROR:ERR timeout is not a float or out of range');
});

t.run();
