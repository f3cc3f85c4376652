import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster } from '../apps/router/test/harness';
import { missingTool, Skips } from '../test-support/skip';
import { sleep, startRedis } from './clients/target';
import { Contention } from '../test-support/contention';
import { encodeCommand } from './compat/resp-raw';
import { RawListener } from './compat/listener';

/**
 * Keyspace notifications against redis-server, for notify-keyspace-events values that together
 * check every class (CLASSES): a subscriber on one connection (PSUBSCRIBE __key*__:*) while
 * another runs the same commands on our cluster (2 workers, keys on both) and on redis-server;
 * after each command both go quiet and the messages the subscriber got are compared. Evictions
 * are not compared (which key is evicted is each server's LRU's choice): e2e-keyspace covers them.
 */
const STEPS: (string | { sleep: number })[] = [
  'CONFIG GET notify-keyspace-events',
  'SET s v', 'SET s v2 EX 100', 'SET s v3 KEEPTTL', 'SETNX s x', 'SETNX s2 x', 'APPEND s2 y', 'APPEND s3 y',
  'INCR n', 'INCRBY n 5', 'DECR n', 'DECRBY n 2', 'INCRBYFLOAT f 1.5', 'INCR s', 'GETSET s2 z', 'SETEX se 100 v', 'PSETEX pe 100000 v',
  'EXPIRE s 200', 'PEXPIRE s 300000', 'EXPIREAT s 99999999999', 'EXPIRE s 100 NX', 'PERSIST s', 'PERSIST s',
  'GETEX s EX 50', 'GETEX s PERSIST', 'GETEX s', 'GETDEL s2', 'GETDEL nosuch', 'GET nosuch', 'STRLEN nosuch', 'TTL nosuch', 'TYPE nosuch',
  'HSET h a 1 b 2', 'HSET h a 1', 'HSETNX h a 9', 'HSETNX h z 9', 'HMSET h y 1', 'HINCRBY h c 1', 'HINCRBYFLOAT h d 1.5', 'HDEL h a', 'HDEL h zz',
  'HGET h a', 'HGET nosuch a', 'HGETALL nosuch', 'HDEL h b c d y z', 'DEL n f', 'DEL nosuch', 'UNLINK se', 'EXISTS nosuch', 'EXISTS pe',
  'LPUSH l a b', 'RPUSH l c', 'LPUSHX l d', 'RPUSHX nol d', 'LSET l 0 z', 'LINSERT l BEFORE z y', 'LREM l 1 y', 'LREM l 1 nothere',
  'LTRIM l 0 1', 'LPOP l', 'RPOP l', 'LPOP nosuch', 'LRANGE nosuch 0 -1', 'RPUSH l2 x', 'RPOP l2',
  'SADD st a b', 'SADD st a', 'SREM st a', 'SREM st zz', 'SADD sp only', 'SPOP sp', 'SMEMBERS nosuch', 'SPOP nosuch',
  'ZADD z 1 a 2 b 3 c', 'ZADD z NX 5 a', 'ZADD z XX CH 7 a', 'ZADD z INCR 1 b', 'ZINCRBY z 1 c', 'ZINCRBY z2 1 only', 'ZREM z zz', 'ZREM z a',
  'ZPOPMIN z', 'ZPOPMAX z', 'ZPOPMIN nosuch', 'ZRANGE nosuch 0 -1', 'ZADD z 1 a 2 b 3 c 4 d', 'ZREMRANGEBYRANK z 0 0', 'ZREMRANGEBYSCORE z 9 10',
  'ZREMRANGEBYSCORE z 2 2', 'ZADD zl 0 a 0 b 0 c', 'ZREMRANGEBYLEX zl [a [b', 'ZREMRANGEBYLEX zl - +', 'ZPOPMAX z2 5',
  'MSET {m}1 1 {m}2 2',
  'SET {r}a 1', 'EXPIRE {r}a 100', 'RENAME {r}a {r}b', 'RENAMENX {r}b {r}c', 'RENAMENX {r}c {r}c', 'RENAME {r}none {r}b', 'COPY {r}c {r}d',
  'COPY {r}c {r}d', 'COPY {r}c {r}d REPLACE', 'COPY {r}none {r}d', 'COPY {A}none {r}d', 'COPY {a}none {r}d', 'RENAME {a}none {r}d', 'RPUSH {r}l x', 'RENAME {r}l {r}d', 'SADD {r}s x', 'COPY {r}s {r}d REPLACE',
  'SETRANGE {t}a 2 xy', 'SETRANGE {t}a 0 x', 'SETBIT {t}b 3 1', 'SETBIT {t}b 3 1', 'SETBIT {t}b 3 0', 'BITOP OR {t}c {t}a {t}b', 'BITOP AND {t}c {t}none',
  'GETRANGE {t}none 0 1', 'GETBIT {t}none 0', 'BITCOUNT {t}none', 'BITPOS {t}none 1', 'LCS {t}a {t}b', 'GETRANGE {t}a 0 1', 'EXPIRETIME {t}none',
  'RPUSH {q}a 1 2', 'LMOVE {q}a {q}b LEFT RIGHT', 'LMOVE {q}a {q}b RIGHT LEFT', 'LMOVE {q}b {q}b LEFT LEFT', 'LMOVE {q}none {q}b LEFT LEFT', 'RPOPLPUSH {q}b {q}c',
  'RPOPLPUSH {q}b {q}c', 'RPUSH {q}l 1 2 3', 'LMPOP 2 {q}none {q}l RIGHT COUNT 2', 'LMPOP 1 {q}l LEFT', 'LMPOP 1 {q}l LEFT',
  'SADD {q}s a b', 'SMOVE {q}s {q}t a', 'SMOVE {q}s {q}t zz', 'SADD {q}t b', 'SMOVE {q}s {q}t b', 'SMOVE {q}t {q}t a',
  'SADD {q}u a c', 'SINTERSTORE {q}d {q}t {q}u', 'SUNIONSTORE {q}d {q}t {q}u', 'SDIFFSTORE {q}d {q}t {q}t', 'SDIFFSTORE {q}d {q}t {q}t', 'SINTERSTORE {q}e {q}t {q}none',
  'ZADD {q}z 1 a 2 b 3 c', 'ZRANGESTORE {q}zd {q}z 0 1', 'ZRANGESTORE {q}zd {q}z 5 6', 'ZRANGESTORE {q}zd {q}none 0 1', 'ZUNIONSTORE {q}zu 2 {q}z {q}t', 'ZINTERSTORE {q}zu 1 {q}none',
  'ZDIFFSTORE {q}zx 1 {q}z', 'ZMPOP 2 {q}none {q}z MIN', 'ZMPOP 1 {q}z MAX COUNT 5', 'ZMPOP 1 {q}z MAX',
  'EXPIRE pe 0', 'SET x v PX 300', { sleep: 700 }, 'GET x',
];


/** How starved of CPU the machine is: on a loaded one an event from the other worker comes later. */
const contention = new Contention().start();

/** Waits until neither connection got anything for 50 ms, scaled by the CPU contention seen (at most 400 ms), after `since`. */
async function quiet(conns: RawListener[], since: number): Promise<void> {
  const window = Math.min(400, contention.bound(50));
  for (;;) {
    await sleep(15);
    if (Date.now() - Math.max(since, ...conns.map((c) => c.lastData)) >= window) return;
  }
}

/** The subscriber's messages after each step (the commander's replies are compared too). */
async function play(port: number, setup: string[][]): Promise<string[][]> {
  const [sub, cmd] = [await RawListener.connect(port), await RawListener.connect(port)];
  try {
    for (const argv of setup) cmd.socket.write(encodeCommand(argv));
    sub.socket.write(encodeCommand(['PSUBSCRIBE', '__key*__:*']));
    await Promise.all([cmd.waitFor(setup.length), sub.waitFor(1)]);
    await quiet([sub, cmd], Date.now());
    sub.take();
    cmd.take();
    const out: string[][] = [];
    for (const step of STEPS) {
      if (typeof step !== 'string') {
        await sleep(step.sleep);
        continue;
      }
      const sent = Date.now();
      cmd.socket.write(encodeCommand(step.split(' ')));
      await cmd.waitFor(1);
      await quiet([sub, cmd], sent);
      out.push([step, ...cmd.take(), ...sub.take()]);
    }
    return out;
  } finally {
    sub.socket.destroy();
    cmd.socket.destroy();
  }
}

/**
 * Three configurations, run at once (each its own cluster and redis-server): every class on both
 * channel kinds, then two that split the classes between them (K and E too), so an event of the
 * wrong class or channel shows up where it should not.
 */
const CLASSES = ['KEA$mn', 'Eg$', 'Khzxmn'];

/** One configuration on both servers: the subscriber's messages after each step, ours then redis-server's. */
async function compare(classes: string): Promise<[string[][], string[][]]> {
  const [ours, redis] = await Promise.all([startCluster({ workers: 2, args: ['--notify-keyspace-events', classes, '--admin-port', '-1'] }), startRedis()]);
  try {
    return await Promise.all([play(ours.port, []), play(redis.port, [['CONFIG', 'SET', 'notify-keyspace-events', classes]])]);
  } finally {
    await Promise.all([ours.stop(), redis.stop()]);
  }
}

const t = suite('keyspace-compat: keyspace notifications by class against redis-server (2 workers)');
const noRedis = missingTool('redis-server');
if (noRedis !== null) {
  new Skips('keyspace-compat').all(CLASSES.map((c) => `notify-keyspace-events ${c}`), `${noRedis} (apt-get install redis-server)`);
} else {
  const runs = new Map<string, Promise<[string[][], string[][]]>>();
  t.before(() => {
    for (const classes of CLASSES) {
      const run = compare(classes);
      run.catch(() => {});
      runs.set(classes, run);
    }
  });
  for (const classes of CLASSES) {
    t(`notify-keyspace-events ${classes}`, async () => {
      const [mine, theirs] = await runs.get(classes)!;
      STEPS.filter((s) => typeof s === 'string').forEach((step, i) => assert.equal(JSON.stringify(mine[i]), JSON.stringify(theirs[i]), `${classes}: ${step}`));
    });
  }
}
t.run();
