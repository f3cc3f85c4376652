import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { sleep, startCluster, type Cluster } from './harness';
import { Resp3Client } from './resp3-client';

/**
 * Client-side caching answered as redis-server 7.0 answers, on 2 workers: the same sequences to
 * both, and every byte the tracking client (and a REDIRECT's subscriber) receives compared:
 * replies, and the invalidation pushes between them. The keys share a hash tag, so one owner
 * sends a sequence's invalidations, in order (keys on several owners arrive in any order: e2e-tracking
 * compares those as sets). After each step the clients are drained (a PING after a short wait).
 */
type Step = [who: 'T' | 'W' | 'R', ...argv: string[]];

/** Placeholders for ids, which differ between the servers. */
const ID = { R: '$R', T: '$T' };

const DEFAULT: Step[] = [
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['T', 'CLIENT', 'GETREDIR'],
  ['T', 'CLIENT', 'TRACKING', 'ON'],
  ['T', 'CLIENT', 'INFO'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['T', 'CLIENT', 'GETREDIR'],
  ['T', 'GET', '{tk}a'],
  ['T', 'MGET', '{tk}b', '{tk}c', '{tk}d'],
  ['T', 'HGET', '{tk}h', 'f'],
  ['T', 'EXISTS', '{tk}e'],
  ['W', 'SET', '{tk}a', '1'],
  ['W', 'MSET', '{tk}b', '1', '{tk}c', '1'],
  ['W', 'HSET', '{tk}h', 'f', 'v'],
  ['W', 'SET', '{tk}e', 'v'],
  ['W', 'SET', '{tk}a', '2'],
  ['T', 'GET', '{tk}a'],
  ['T', 'SET', '{tk}a', 'mine'],
  ['T', 'GET', '{tk}a'],
  ['W', 'DEL', '{tk}a', '{tk}nosuch'],
  ['T', 'GET', '{tk}a'],
  ['W', 'DEL', '{tk}d'],
  ['T', 'GET', '{tk}x'],
  ['W', 'SET', '{tk}x', 'v', 'PX', '20'],
  ['T', 'GET', '{tk}x'],
  ['W', 'PEXPIRE', '{tk}b', '20'],
  ['T', 'GET', '{tk}b'],
  // Every kind's writes: a packed hash, a list, a set, a sorted set, a stream.
  ['T', 'HGET', '{tk}h', 'f'],
  ['W', 'HSET', '{tk}h', 'f', 'v2', 'g', 'w'],
  ['T', 'HGETALL', '{tk}h'],
  ['W', 'HDEL', '{tk}h', 'g'],
  ['T', 'LRANGE', '{tk}l', '0', '-1'],
  ['W', 'RPUSH', '{tk}l', 'a', 'b'],
  ['T', 'LLEN', '{tk}l'],
  ['W', 'LPOP', '{tk}l'],
  ['T', 'SMEMBERS', '{tk}set'],
  ['W', 'SADD', '{tk}set', 'a'],
  ['T', 'ZRANGE', '{tk}z', '0', '-1'],
  ['W', 'ZADD', '{tk}z', '1', 'a'],
  ['T', 'ZSCORE', '{tk}z', 'a'],
  ['W', 'ZINCRBY', '{tk}z', '1', 'a'],
  ['T', 'XLEN', '{tk}st'],
  ['W', 'XADD', '{tk}st', '1-1', 'f', 'v'],
  ['T', 'XRANGE', '{tk}st', '-', '+'],
  ['W', 'XDEL', '{tk}st', '1-1'],
  ['T', 'STRLEN', '{tk}sa'],
  ['W', 'APPEND', '{tk}sa', 'x'],
  ['T', 'GET', '{tk}sa'],
  ['W', 'INCR', '{tk}n'],
  ['T', 'GET', '{tk}n'],
  ['W', 'INCRBY', '{tk}n', '5'],
  ['T', 'TTL', '{tk}n'],
  ['W', 'EXPIRE', '{tk}n', '100'],
  ['T', 'TTL', '{tk}n'],
  ['W', 'PERSIST', '{tk}n'],
  ['T', 'MULTI'],
  ['T', 'GET', '{tk}m1'],
  ['T', 'MGET', '{tk}m2', '{tk}m3'],
  ['T', 'SET', '{tk}m4', 'v'],
  ['T', 'EXEC'],
  ['W', 'MSET', '{tk}m1', '1', '{tk}m3', '1', '{tk}m4', '1'],
  // Scripts whose every declared key is read (Redis 7.0 tracks all the declared keys at each read-only call; this server the keys read).
  ['T', 'EVAL', "return {redis.call('GET', KEYS[1]), redis.call('EXISTS', KEYS[2])}", '2', '{tk}s1', '{tk}s3'],
  ['T', 'EVAL_RO', "return redis.call('MGET', KEYS[1], KEYS[2])", '2', '{tk}s4', '{tk}s5'],
  ['T', 'EVAL', "return redis.call('SET', KEYS[1], 'v')", '1', '{tk}s2'],
  ['W', 'MSET', '{tk}s1', '1', '{tk}s2', '1', '{tk}s3', '1', '{tk}s4', '1', '{tk}s5', '1'],
  ['W', 'FLUSHALL'],
  ['T', 'GET', '{tk}a'],
  ['T', 'FLUSHDB'],
  ['T', 'CLIENT', 'TRACKING', 'OFF'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['T', 'GET', '{tk}a'],
  ['W', 'SET', '{tk}a', '1'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'NOLOOP'],
  ['T', 'GET', '{tk}a'],
  ['T', 'RESET'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['W', 'SET', '{tk}a', '2'],
];

const MODES: Step[] = [
  ['T', 'CLIENT', 'CACHING', 'YES'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'OPTIN'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'OPTOUT'],
  ['T', 'CLIENT', 'CACHING', 'NO'],
  ['T', 'CLIENT', 'CACHING', 'MAYBE'],
  ['T', 'GET', '{tk}a'],
  ['T', 'CLIENT', 'CACHING', 'YES'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['T', 'GET', '{tk}b'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['W', 'MSET', '{tk}a', '1', '{tk}b', '1'],
  ['T', 'CLIENT', 'TRACKING', 'OFF'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'OPTOUT', 'NOLOOP'],
  ['T', 'CLIENT', 'CACHING', 'NO'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['T', 'GET', '{tk}a'],
  ['T', 'GET', '{tk}b'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['W', 'MSET', '{tk}a', '2', '{tk}b', '2'],
  ['T', 'GET', '{tk}c'],
  ['T', 'SET', '{tk}c', 'mine'],
  ['W', 'SET', '{tk}c', 'theirs'],
  ['T', 'GET', '{tk}c'],
  ['W', 'SET', '{tk}c', 'theirs'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BOGUS'],
  ['T', 'CLIENT', 'TRACKING', 'MAYBE'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'PREFIX', 'a'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'OPTIN'],
  ['T', 'CLIENT', 'TRACKING', 'OFF'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'OPTIN', 'OPTOUT'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTOUT'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', 'x'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', '99999999'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', ID.T, 'REDIRECT', ID.T],
  ['T', 'CLIENT', 'TRACKING'],
  ['T', 'CLIENT', 'GETREDIR', 'x'],
];

const BCAST: Step[] = [
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', '{tk}b', 'PREFIX', '{tk}a'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['T', 'CLIENT', 'INFO'],
  ['W', 'SET', '{tk}a1', '1'],
  ['W', 'MSET', '{tk}c1', '1', '{tk}b1', '1', '{tk}a2', '1', '{tk}a0', '1'],
  ['T', 'SET', '{tk}a3', 'own'],
  ['T', 'GET', '{tk}a1'],
  ['W', 'GET', '{tk}a1'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', '{tk}a'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', '{tk}'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', '{tk}c', 'PREFIX', '{tk}cc'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', '{tk}c'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['W', 'DEL', '{tk}c1', '{tk}nosuch'],
  ['W', 'HSET', '{tk}bh', 'f', 'v'],
  ['W', 'PEXPIRE', '{tk}a1', '100000'],
  ['T', 'CLIENT', 'TRACKING', 'ON'],
  ['T', 'CLIENT', 'TRACKING', 'OFF'],
  ['W', 'SET', '{tk}a1', '2'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['T', 'SET', '{tk}x', 'own'],
  ['W', 'SET', '{tk}y', '1'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'z'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'BCAST'],
  ['T', 'CLIENT', 'TRACKINGINFO'],
  ['W', 'FLUSHALL'],
  ['T', 'CLIENT', 'TRACKING', 'OFF'],
  ['W', 'SET', '{tk}y', '2'],
];

/**
 * Writes of several keys, each key read first: the order of their invalidations (one push each,
 * in the order Redis touches them: RENAME's source, then its destination ...).
 */
const READ_ALL = ['T', 'MGET', '{tk}a', '{tk}b', '{tk}c', '{tk}d'] as Step;
const MULTIKEY: Step[] = [
  ['T', 'CLIENT', 'TRACKING', 'ON'],
  ['W', 'MSET', '{tk}a', '1', '{tk}b', '2'],
  READ_ALL,
  ['W', 'RENAME', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'RENAME', '{tk}b', '{tk}c'],
  READ_ALL,
  ['W', 'RENAME', '{tk}c', '{tk}c'],
  READ_ALL,
  ['W', 'RENAMENX', '{tk}c', '{tk}d'],
  READ_ALL,
  ['W', 'SET', '{tk}a', '1'],
  READ_ALL,
  ['W', 'RENAMENX', '{tk}a', '{tk}d'],
  READ_ALL,
  ['W', 'COPY', '{tk}d', '{tk}a', 'REPLACE'],
  ['W', 'COPY', '{tk}d', '{tk}b'],
  READ_ALL,
  ['W', 'DEL', '{tk}d', '{tk}b', '{tk}a', '{tk}c'],
  ['W', 'RPUSH', '{tk}a', 'x', 'y', 'z'],
  READ_ALL,
  ['W', 'LMOVE', '{tk}a', '{tk}b', 'LEFT', 'RIGHT'],
  READ_ALL,
  ['W', 'RPOPLPUSH', '{tk}b', '{tk}a'],
  READ_ALL,
  ['W', 'LMOVE', '{tk}a', '{tk}a', 'LEFT', 'RIGHT'],
  READ_ALL,
  ['W', 'LMPOP', '2', '{tk}c', '{tk}a', 'LEFT', 'COUNT', '9'],
  ['W', 'DEL', '{tk}a', '{tk}b', '{tk}c', '{tk}d'],
  ['W', 'SADD', '{tk}a', 'm', 'n'],
  ['W', 'SADD', '{tk}b', 'n', 'o'],
  READ_ALL,
  ['W', 'SMOVE', '{tk}a', '{tk}b', 'm'],
  READ_ALL,
  ['W', 'SMOVE', '{tk}b', '{tk}c', 'o'],
  READ_ALL,
  ['W', 'SINTERSTORE', '{tk}d', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'SUNIONSTORE', '{tk}d', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'SDIFFSTORE', '{tk}d', '{tk}c', '{tk}b'],
  READ_ALL,
  ['W', 'SINTERSTORE', '{tk}a', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'DEL', '{tk}a', '{tk}b', '{tk}c', '{tk}d'],
  ['W', 'ZADD', '{tk}a', '1', 'm', '2', 'n'],
  ['W', 'ZADD', '{tk}b', '3', 'n'],
  READ_ALL,
  ['W', 'ZUNIONSTORE', '{tk}c', '2', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'ZINTERSTORE', '{tk}d', '2', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'ZDIFFSTORE', '{tk}d', '2', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'ZRANGESTORE', '{tk}b', '{tk}a', '0', '-1'],
  READ_ALL,
  ['W', 'ZMPOP', '2', '{tk}d', '{tk}a', 'MIN', 'COUNT', '9'],
  ['W', 'DEL', '{tk}a', '{tk}b', '{tk}c', '{tk}d'],
  ['W', 'SET', '{tk}a', 'ab'],
  ['W', 'SET', '{tk}b', 'cd'],
  READ_ALL,
  ['W', 'BITOP', 'AND', '{tk}c', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'BITOP', 'OR', '{tk}a', '{tk}a', '{tk}b'],
  READ_ALL,
  ['W', 'DEL', '{tk}a', '{tk}b', '{tk}c', '{tk}d'],
  ['W', 'XADD', '{tk}a', '1-1', 'f', 'v'],
  ['W', 'XADD', '{tk}a', '2-1', 'f', 'v'],
  READ_ALL,
  ['W', 'XADD', '{tk}a', 'MAXLEN', '1', '3-1', 'f', 'v'],
  READ_ALL,
  ['W', 'XDEL', '{tk}a', '2-1', '3-1'],
  READ_ALL,
  ['W', 'XADD', '{tk}a', '4-1', 'f', 'v'],
  ['W', 'XTRIM', '{tk}a', 'MAXLEN', '0'],
  READ_ALL,
  ['W', 'XTRIM', '{tk}a', 'MAXLEN', '0'],
  ['W', 'XDEL', '{tk}a', '9-9'],
  ['W', 'MSET', '{tk}d', '1', '{tk}c', '1', '{tk}b', '1', '{tk}a', '1'],
  READ_ALL,
  ['W', 'DEL', '{tk}d', '{tk}c', '{tk}b', '{tk}a'],
];

/** RESP2: invalidations only through a redirect, to a client subscribed to __redis__:invalidate. */
const REDIRECT: Step[] = [
  ['R', 'SUBSCRIBE', '__redis__:invalidate'],
  ['T', 'CLIENT', 'TRACKING', 'ON', 'REDIRECT', ID.R],
  ['T', 'CLIENT', 'INFO'],
  ['T', 'GET', '{tk}a'],
  ['T', 'MGET', '{tk}b', '{tk}c'],
  ['W', 'SET', '{tk}a', '1'],
  ['W', 'MSET', '{tk}b', '1', '{tk}c', '1'],
  ['T', 'SET', '{tk}b', 'own'],
  ['T', 'GET', '{tk}a'],
  ['W', 'FLUSHALL'],
  ['T', 'CLIENT', 'TRACKING', 'OFF'],
  ['T', 'CLIENT', 'TRACKING', 'ON'],
  ['T', 'GET', '{tk}a'],
  ['W', 'SET', '{tk}a', '2'],
];

/** The same steps for a RESP2 tracking client: every CLIENT TRACKING ON redirects to R, subscribed to __redis__:invalidate. */
function viaRedirect(steps: Step[]): Step[] {
  const redirected = steps.map(([who, ...argv]): Step => {
    const on = argv[0] === 'CLIENT' && argv[1] === 'TRACKING' && argv[2] === 'ON' && !argv.includes('REDIRECT');
    return on ? [who, ...argv, 'REDIRECT', ID.R] : [who, ...argv];
  });
  return [['R', 'SUBSCRIBE', '__redis__:invalidate'], ...redirected];
}

const SUBSCRIBED_PONG = '*2\r\n$4\r\npong\r\n$0\r\n\r\n';

/** What `c` received besides a PING's reply, after a moment for pushes in flight between workers. */
async function drain(c: Resp3Client): Promise<string[]> {
  await sleep(30);
  c.text.send(Buffer.from('*1\r\n$4\r\nPING\r\n'));
  const got: string[] = [];
  for (;;) {
    const { raw } = await c.read();
    const normal = raw.replace(/\n/g, '\r\n').replace(/\r\r/g, '\r');
    if (normal === '+PONG\r\n' || normal === SUBSCRIBED_PONG) return got;
    got.push(normal);
  }
}

/** Runs `steps` on a server: everything T, W and R receive, in order (ids as placeholders). */
async function transcript(port: number, steps: Step[], resp3: boolean): Promise<string[]> {
  const c = { T: await Resp3Client.connect(port), W: await Resp3Client.connect(port), R: await Resp3Client.connect(port) };
  try {
    const ids = { T: String((await c.T.call('CLIENT', 'ID')).value), R: String((await c.R.call('CLIENT', 'ID')).value) };
    if (resp3) await c.T.call('HELLO', '3');
    await c.W.call('FLUSHALL');
    await drain(c.T);
    const out: string[] = [];
    let inMulti = false;
    for (const [who, ...argv] of steps) {
      const args = argv.map((a) => (a === ID.T ? ids.T : a === ID.R ? ids.R : a));
      const reply = await c[who].call(...args);
      // CLIENT INFO: only the tracking fields compare (ids, addresses and ages differ).
      if (argv[1] === 'INFO') reply.raw = (reply.raw.match(/ (flags|redir)=\S*/g) ?? []).join('').replace(` redir=${ids.R}`, ` redir=${ID.R}`);
      // The redirect client's id in CLIENT's replies (GETREDIR, TRACKINGINFO), not in another reply that happens to be that number.
      const shown = argv[0] === 'CLIENT' ? reply.raw.split(`:${ids.R}\r\n`).join(`:${ID.R}\r\n`) : reply.raw;
      out.push(`${who} ${argv.join(' ')} -> ${shown}`);
      // No PING inside MULTI (it would be queued).
      if (who === 'T' && (argv[0] === 'MULTI' || argv[0] === 'EXEC')) inMulti = argv[0] === 'MULTI';
      if (inMulti) continue;
      out.push(...(await drain(c.T)).map((m) => `T got ${m}`));
      if (steps.some(([w]) => w === 'R')) out.push(...(await drain(c.R)).map((m) => `R got ${m}`));
    }
    return out;
  } finally {
    for (const client of Object.values(c)) client.close();
  }
}

const NAME = 'e2e: client-side caching answered as redis-server answers, on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);
const noRedis = missingTool('redis-server');
let cluster: Cluster;
let redis: Target;

t.before(async () => {
  if (noRedis !== null) return;
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
  redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
  if (cluster !== undefined) assert.is(await cluster.stop(), 0);
});

for (const [name, steps, resp3] of [
  ['RESP3, default mode: replies and invalidations, byte for byte', DEFAULT, true],
  ['RESP3: OPTIN, OPTOUT, CACHING, NOLOOP and the errors, byte for byte', MODES, true],
  ['RESP2: REDIRECT to a subscriber of __redis__:invalidate, byte for byte', REDIRECT, false],
  ['RESP3: BCAST with PREFIX and NOLOOP, byte for byte', BCAST, true],
  ['RESP3: commands writing several keys (RENAME, COPY, LMOVE, SMOVE, the STORE forms, streams), their invalidations in order, byte for byte', MULTIKEY, true],
  ['RESP2 through REDIRECT: default mode, byte for byte', viaRedirect(DEFAULT.filter(([, cmd]) => cmd !== 'RESET')), false],
  ['RESP2 through REDIRECT: OPTIN, OPTOUT, CACHING, NOLOOP, byte for byte', viaRedirect(MODES), false],
  ['RESP2 through REDIRECT: BCAST with PREFIX and NOLOOP, byte for byte', viaRedirect(BCAST), false],
  ['RESP2, default mode: no push at all without a redirect', DEFAULT, false],
] as const) {
  skips.test(t, name, noRedis, async () => {
    const ours = await transcript(cluster.port, [...steps], resp3);
    const theirs = await transcript(redis.port, [...steps], resp3);
    assert.equal(ours, theirs);
  });
}

t.run();
