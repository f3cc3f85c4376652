import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster } from '../apps/router/test/harness';
import { blockedAre } from '../apps/router/test/blocking-helpers';
import { missingTool, Skips } from '../test-support/skip';
import { sleep, startRedis } from './clients/target';
import { encodeCommand } from './compat/resp-raw';
import { RawListener } from './compat/listener';

/**
 * The blocking pops against redis-server: the keyspace events they fire (at once, and when a
 * write serves them after waiting, chained through BLMOVE's destination too), the replies their
 * blocked clients get, and which of its keys a client blocked on several is served from when
 * several get data in one turn (MULTI, a script, a pipeline: the key written first, as Redis's
 * ready list). A step is the commander's command (`|` separates a pipeline sent in one write:
 * its events compared in any order),
 * or one blocker's command (`block`: it must be blocked before the next step). Tags put the keys
 * on every worker of 2 and of 3: {a} {A} {B} {c} {d} are shards 15, 6, 10, 7, 11.
 */
type Step = string | { block: string; on: number };
const B = (on: number, block: string): Step => ({ block, on });

const STEPS: Step[] = [
  // at once
  'RPUSH {a}l a b c d', 'BLPOP {a}none {a}l 0', 'BRPOP {a}l {a}none 0', 'BLPOP {a}l {a}l 1', 'BRPOP {a}l 0',
  'RPUSH {A}s 1 2', 'BLMOVE {A}s {A}d LEFT RIGHT 0', 'BRPOPLPUSH {A}s {A}d 0', 'BLMOVE {A}d {A}d RIGHT LEFT 0', 'BRPOPLPUSH {A}none {A}d 0.01',
  'RPUSH {B}m 1 2 3', 'BLMPOP 0 2 {B}none {B}m RIGHT COUNT 2', 'BLMPOP 0 1 {B}m LEFT COUNT 5', 'BLMPOP 0.01 1 {B}m LEFT',
  'ZADD {c}z 1 a 2 b 3 c 4 d', 'BZPOPMIN {c}none {c}z 0', 'BZPOPMAX {c}z 0', 'BZMPOP 0 2 {c}z {c}none MIN COUNT 3', 'BZPOPMIN {c}z 0.01',
  'SET {d}str x', 'BLPOP {d}str 0', 'BZPOPMIN {d}str 0', 'RPUSH {d}src v', 'BLMOVE {d}src {d}str LEFT LEFT 0',
  'MULTI', 'BLPOP {d}none 0', 'RPUSH {d}l2 x', 'BLPOP {d}l2 0', 'EXEC',
  // served after waiting
  B(0, 'BLPOP {a}x {a}y 0'), 'RPUSH {a}y 1',
  B(0, 'BRPOP {a}x 0'), 'LPUSH {a}x 1 2',
  B(0, 'BLMOVE {A}e {A}f RIGHT LEFT 0'), 'RPUSH {A}e v',
  B(0, 'BRPOPLPUSH {A}e {A}f 0'), 'RPUSH {A}e w u',
  B(0, 'BLMPOP 0 2 {B}g {B}h LEFT COUNT 2'), 'RPUSH {B}h 1 2 3',
  B(0, 'BZPOPMIN {c}zz 0'), 'ZADD {c}zz 1 a 2 b',
  B(0, 'BZPOPMAX {c}zy 0'), 'ZADD {c}zy 1 a',
  B(0, 'BZMPOP 0 1 {c}zw MAX COUNT 9'), 'ZADD {c}zw 1 a 2 b',
  // two waiters on one key: first blocked, first served, until it is empty
  B(0, 'BLPOP {B}q 0'), B(1, 'BRPOP {B}q 0'), 'RPUSH {B}q 1 2 3',
  B(0, 'BLPOP {B}q2 0'), B(1, 'BLPOP {B}q2 0'), 'RPUSH {B}q2 1',
  'RPUSH {B}q2 2',
  // a move serves a waiter on its destination
  B(0, 'BLMOVE {d}p {d}r LEFT RIGHT 0'), B(1, 'BLPOP {d}r 0'), 'RPUSH {d}p 1',
  // several keys written in one turn: the one written first serves
  B(0, 'BLPOP {a}k1 {a}k2 0'), 'MULTI', 'RPUSH {a}k2 a', 'RPUSH {a}k1 b', 'EXEC',
  B(0, 'BLPOP {a}k3 0'), B(1, 'BLPOP {a}k4 0'), 'MULTI', 'RPUSH {a}k4 a', 'RPUSH {a}k3 b', 'EXEC',
  B(0, 'BZPOPMIN {c}k5 {c}k6 0'), "EVAL redis.call('zadd',KEYS[2],1,'a');redis.call('zadd',KEYS[1],1,'b') 2 {c}k5 {c}k6",
  B(0, 'BRPOP {A}k7 {A}k8 0'), 'RPUSH {A}k8 a|RPUSH {A}k7 b',
  'XADD {c}s1 1-1 f v', 'XADD {c}s2 1-1 f v', B(0, 'XREAD BLOCK 0 STREAMS {c}s1 {c}s2 $ $'), 'MULTI', 'XADD {c}s2 2-1 f v', 'XADD {c}s1 2-1 f v', 'EXEC',
  B(0, 'BLMPOP 0 3 {B}k9 {B}k10 {B}k11 LEFT'), 'MULTI', 'RPUSH {B}k11 a', 'SET {B}k9 s', 'RPUSH {B}k10 b', 'EXEC',
];

/** Waits until neither connection got anything for 50 ms (at least 50 ms after `since`). */
async function quiet(conns: RawListener[], since: number): Promise<void> {
  for (;;) {
    await sleep(15);
    if (Date.now() - Math.max(since, ...conns.map((c) => c.lastData)) >= 50) return;
  }
}

/** What each step gave: the commander's replies, each blocker's replies (b0:, b1:) and the subscriber's messages. */
async function play(port: number, setup: string[][]): Promise<string[][]> {
  const [sub, cmd, b0, b1] = await Promise.all([0, 1, 2, 3].map(() => RawListener.connect(port)));
  const blockers = [b0, b1];
  const owed = [0, 0];
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
        blockers[step.on].socket.write(encodeCommand(step.block.split(' ')));
        owed[step.on]++;
        await blockedAre(port, owed[0] + owed[1]);
        continue;
      }
      const sent = Date.now();
      const pipeline = step.split('|');
      cmd.socket.write(Buffer.concat(pipeline.map((c) => encodeCommand(c.split(' ')))));
      await cmd.waitFor(pipeline.length);
      await quiet([sub, cmd, b0, b1], sent);
      const got = [step, ...cmd.take()];
      blockers.forEach((b, i) => {
        const replies = b.take();
        owed[i] -= replies.length;
        got.push(...replies.map((r) => `b${i}: ${r}`));
      });
      // A pipeline's events are compared as a set: Redis serves a waiter right after the command that wrote its key, we after the read's commands ran (README).
      const events = sub.take();
      out.push([...got, ...(pipeline.length > 1 ? events.sort() : events)]);
    }
    return out;
  } finally {
    for (const conn of [sub, cmd, b0, b1]) conn.socket.destroy();
  }
}

async function compare(workers: number): Promise<[string[][], string[][]]> {
  const classes = 'KEAmn';
  const [ours, redis] = await Promise.all([startCluster({ workers, args: ['--notify-keyspace-events', classes, '--admin-port', '-1'] }), startRedis()]);
  try {
    return await Promise.all([play(ours.port, []), play(redis.port, [['CONFIG', 'SET', 'notify-keyspace-events', classes]])]);
  } finally {
    await Promise.all([ours.stop(), redis.stop()]);
  }
}

const t = suite('keyspace-blocking: blocking pops (events, replies, which key serves) against redis-server');
const WORKERS = [2, 3];
const noRedis = missingTool('redis-server');
if (noRedis !== null) {
  new Skips('keyspace-blocking').all(WORKERS.map((w) => `${w} workers`), `${noRedis} (apt-get install redis-server)`);
} else {
  for (const workers of WORKERS) {
    t(`${workers} workers`, async () => {
      const [mine, theirs] = await compare(workers);
      const differ = mine.map((m, i) => [JSON.stringify(m), JSON.stringify(theirs[i])]).filter(([m, r]) => m !== r);
      assert.equal(differ[0]?.[0], differ[0]?.[1], `${workers} workers: ${differ.length} steps differ (${differ.map(([m]) => JSON.parse(m)[0]).join(', ')}), the first shown`);
    });
  }
}
t.run();
