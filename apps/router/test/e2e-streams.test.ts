import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { all, eachProtocol, flushBoth, sameReplies } from './differential';
import { keysPerShard, resizeLive, RespClient, respClientOn, startCluster, type Cluster, type Resp } from './harness';

/**
 * Streams against redis-server: seeded random sequences of XADD (explicit ids, `ms-*`, `*`,
 * NOMKSTREAM, MAXLEN and MINID with `=` and `~`, LIMIT), XRANGE and XREVRANGE (exclusive bounds,
 * COUNT), XDEL, XTRIM, XLEN, XREAD (COUNT, `$`, several streams of one hash tag), XINFO STREAM
 * (FULL, COUNT), TYPE and WRONGTYPE, sent to both, replies compared byte for byte in RESP2 and
 * RESP3. Both keep stream blocks (Redis's nodes) of 4 entries and no byte bound, so `~` trims
 * the same entries. Ids made by `*` are time-based: replies are compared with them masked (and
 * XINFO's radix-tree-nodes, Redis's inner tree count, which this store has no tree for). Then
 * streams on every shard through a live resize, the consumer group commands' error, and TYPE.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: streams answered as redis-server answers them';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

const raw = (r: Reply): string => ('raw' in r ? r.raw : r.failed);

/** A reply with the time-based ids masked (with their bulk lengths) and XINFO's radix-tree-nodes. */
function masked(r: Reply): string {
  return raw(r)
    .replace(/\$\d+\r\n1\d{12}-\d+\r\n/g, '$?\r\n<time-id>\r\n')
    .replace(/(radix-tree-nodes\r\n):\d+/g, '$1:?');
}

const BOUNDS = ['-', '+', '0', '1', '2-0', '2-1', '3', '(2', '(2-0', '(1-1', '5-3', '(5-3', '10', '(10', '0-0', '(0-0', 'x', '(', '(-', '(+', '18446744073709551615', '(18446744073709551615-18446744073709551615', '3-x', ' 3', '+3', '4-18446744073709551615'];

function commandsFor(next: () => number, keys: string[], tagged: string[], str: string): string[][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const last = new Map<string, number>();
  const fields = (): string[] => {
    const n = next() < 0.8 ? 1 : 2;
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(pick(['f', 'g', 'field', '', 'x'.repeat(20)]), pick(['v', '1', '', 'value', 'é']));
    return out;
  };
  const trim = (): string[] => {
    const r = next();
    if (r < 0.55) return [];
    const strategy = next() < 0.6 ? 'MAXLEN' : 'MINID';
    const op = pick([[], ['='], ['~'], ['~']]);
    const bad = next() < 0.08;
    const threshold = bad ? pick(['-1', 'x', '-', '1.5']) : strategy === 'MAXLEN' ? pick(['0', '1', '2', '3', '5', '8', '20']) : pick(['0', '2', '3-1', '5', '7-0', '12']);
    const limit = next() < 0.2 && op[0] === '~' ? ['LIMIT', pick(['0', '1', '4', '8', '100'])] : next() < 0.03 ? ['LIMIT', pick(['1', '-1'])] : [];
    return [strategy, ...op, threshold, ...limit];
  };
  const id = (key: string): string => {
    const r = next();
    const ms = last.get(key) ?? 0;
    if (r < 0.55) {
      const n = ms + Math.floor(next() * 3);
      last.set(key, n);
      return `${n}-${Math.floor(next() * 3)}`;
    }
    if (r < 0.7) {
      const n = ms + Math.floor(next() * 2);
      last.set(key, n);
      return `${n}-*`;
    }
    if (r < 0.8) {
      const n = ms + 1;
      last.set(key, n);
      return String(n);
    }
    return next() < 0.5 ? `${ms}-${Math.floor(next() * 3)}` : pick(['0-0', '0-*', '0', '1-1', 'x', '-', '+', '5-', '3-4-5', '18446744073709551616', '00', '+7']);
  };
  const out: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const r = next();
    const k = next() < 0.04 ? str : pick(keys);
    if (r < 0.35) out.push(['XADD', k, ...(next() < 0.1 ? ['NOMKSTREAM'] : []), ...trim(), id(k), ...fields()]);
    else if (r < 0.38) out.push(['XADD', k, ...trim(), id(k), 'f']);
    else if (r < 0.5) out.push([next() < 0.5 ? 'XRANGE' : 'XREVRANGE', k, next() < 0.3 ? '-' : pick(BOUNDS), next() < 0.3 ? '+' : pick(BOUNDS), ...(next() < 0.4 ? ['COUNT', pick(['0', '1', '2', '-1', '100', 'x'])] : next() < 0.05 ? ['LIMIT', '1'] : [])]);
    else if (r < 0.58) out.push(['XDEL', k, ...Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(['1-0', '1-1', '2-0', '2-1', '2-2', '3-0', '3-1', '4-0', '5', '6-0', 'x', '-']))]);
    else if (r < 0.64) out.push(['XTRIM', k, ...(next() < 0.9 ? trim() : ['LIMIT', '0'])]);
    else if (r < 0.68) out.push(['XLEN', k]);
    else if (r < 0.78) {
      const count = next() < 0.5 ? ['COUNT', pick(['1', '2', '0', '-1', 'x'])] : [];
      if (next() < 0.5) out.push(['XREAD', ...count, 'STREAMS', k, pick(['$', '0', '0-0', '2', '3-1', '5-0', 'x', '+'])]);
      else out.push(['XREAD', ...count, 'STREAMS', ...tagged, ...tagged.map(() => pick(['$', '0', '1-0', '4']))]);
    } else if (r < 0.86) out.push(['XINFO', 'STREAM', k, ...pick([[], [], ['FULL'], ['FULL', 'COUNT', pick(['0', '1', '3', '-1', 'x'])], ['x']])]);
    else if (r < 0.9) out.push(['TYPE', k]);
    else if (r < 0.95) {
      const t = pick(tagged);
      out.push(['XADD', t, ...trim(), id(t), ...fields()]);
    } else out.push(['DEL', k]);
  }
  return out;
}

async function compare(workers: number, seeds: number[]): Promise<void> {
  const cluster: Cluster = await startCluster({ workers, args: ['--stream-node-max-entries', '4', '--stream-node-max-bytes', '0'] });
  try {
    const keys = keysPerShard('stream-', shardOfString).slice(0, 2 * workers);
    const tagged = ['{s}a', '{s}b'];
    const bounds = (theirs: RawConn) => theirs.command(['CONFIG', 'SET', 'stream-node-max-entries', '4', 'stream-node-max-bytes', '0']);
    await eachProtocol(
      cluster.port,
      redis!.port,
      async (pair) => {
        for (const seed of seeds) {
          await flushBoth(pair);
          const label = `${workers} workers, seed ${seed}`;
          await sameReplies(pair, label, all([['SET', 'a-string', 'x'], ...commandsFor(prng(seed * 10 + pair.resp), keys, tagged, 'a-string')], null), masked);
          await sameReplies(pair, `${label}, after`, all([...keys, ...tagged].flatMap((key) => [['XRANGE', key, '-', '+'], ['XINFO', 'STREAM', key]]), null), masked);
        }
        // `*`: the shape of what it adds, and the next after an explicit id in the future.
        const k = keys[0];
        const star = [['DEL', k], ['XADD', k, '*', 'f', 'v'], ['XADD', k, 'MAXLEN', '~', '1', '*', 'g', 'w'], ['XLEN', k], ['XRANGE', k, '-', '+'], ['XADD', k, '99999999999999-5', 'f', 'v'], ['XADD', k, '*', 'f', 'v'], ['XADD', k, '99999999999999-*', 'f', 'v'], ['XADD', k, '99999999999999-18446744073709551615', 'f', 'v'], ['XADD', k, '*', 'f', 'v']];
        await sameReplies(pair, `${workers} workers, ids made by the server`, all(star, null), masked);
      },
      bounds,
    );
    // Keys of several shards in one XREAD: gathered (compared with redis-server in e2e-cross-shard); with BLOCK it waits (e2e-cross-shard-blocking).
    const conn = await RawConn.connect(cluster.port);
    try {
      await conn.command(['DEL', keys[0], keys[1]]);
      assert.is(raw(await conn.command(['XREAD', 'STREAMS', keys[0], keys[1], '0', '0'])), '*-1\r\n');
      assert.is(raw(await conn.command(['XREAD', 'BLOCK', '10', 'STREAMS', keys[0], keys[1], '0', '0'])), '*-1\r\n', 'timed out');
      assert.is(raw(await conn.command(['XGROUP', 'CREATE', keys[0], 'g', '$'])), '-ERR consumer groups are not supported by this server (XGROUP, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM, XPENDING, XINFO GROUPS and CONSUMERS)\r\n');
      for (const argv of [['XREADGROUP', 'GROUP', 'g', 'c', 'STREAMS', keys[0], '>'], ['XACK', keys[0], 'g', '1-0'], ['XPENDING', keys[0], 'g'], ['XCLAIM', keys[0], 'g', 'c', '0', '1-0'], ['XAUTOCLAIM', keys[0], 'g', 'c', '0', '0']]) {
        assert.match(raw(await conn.command(argv)), /^-ERR consumer groups are not supported/, argv[0]);
      }
      await conn.command(['XADD', keys[0], '1-1', 'f', 'v']);
      assert.match(raw(await conn.command(['XINFO', 'GROUPS', keys[0]])), /^-ERR consumer groups are not supported/);
    } finally {
      conn.close();
    }
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}

skips.test(t, '2 workers: random stream commands, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2]);
});

skips.test(t, '3 workers: random stream commands, RESP2 and RESP3', noRedis, async () => {
  await compare(3, [3]);
});

skips.test(t, "Redis's default node bounds (100 entries, 4096 listpack bytes): ~ trims and XINFO's blocks as redis-server's", noRedis, async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const ours = await RawConn.connect(cluster.port);
    const theirs = await RawConn.connect(redis!.port);
    try {
      await theirs.command(['CONFIG', 'SET', 'stream-node-max-entries', '100', 'stream-node-max-bytes', '4096']);
      for (const conn of [ours, theirs]) await conn.command(['FLUSHALL']);
      const next = prng(77);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
      const keys = keysPerShard('node-', shardOfString).slice(0, 3);
      const seqs = new Map<string, number>();
      for (let n = 0; n < 1500; n++) {
        const key = pick(keys);
        const seq = (seqs.get(key) ?? 0) + 1;
        seqs.set(key, seq);
        // Values of every listpack form: small and large strings, integers of each width, field names shared or not.
        const value = pick(['', 'v', 'x'.repeat(Math.floor(next() * 200)), 'y'.repeat(60 + Math.floor(next() * 100)), String(Math.floor(next() * 1e6)), '-7', '007', '9223372036854775807', '9223372036854775808', '4096', '-4097', 'é'.repeat(40)]);
        // Most entries are bigger than 4096 / 100 bytes, so the byte bound ends most blocks.
        const fields = next() < 0.5 ? ['event', pick(['added', 'waiting', 'completed']), 'jobId', String(seq), 'data', 'd'.repeat(20 + Math.floor(next() * 100))] : [pick(['a', 'b', 'event']), value];
        const r = next();
        let argv: string[];
        if (r < 0.8) argv = ['XADD', key, ...(next() < 0.5 ? ['MAXLEN', '~', pick(['50', '120', '300'])] : []), `${Math.floor(seq / 3) + 1}-${seq}`, ...fields];
        else if (r < 0.85) argv = ['XDEL', key, `${Math.floor((seq - Math.floor(next() * 20)) / 3) + 1}-${seq - Math.floor(next() * 20)}`];
        else if (r < 0.9) argv = ['XTRIM', key, pick(['MAXLEN', 'MINID']), '~', pick(['10', '90', `${Math.floor(seq / 6)}`])];
        else argv = ['XINFO', 'STREAM', key];
        assert.is(masked(await ours.command(argv)), masked(await theirs.command(argv)), `command ${n}: ${argv.join(' ')}`);
      }
    } finally {
      ours.close();
      theirs.close();
    }
  } finally {
    assert.is(await cluster.stop(), 0);
  }
});

t('streams on every shard move whole in a live resize, with their last id, entries added, deletions and TTLs', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--admin-port', '0', '--stream-node-max-entries', '3'] });
  const client = await respClientOn(cluster.port, 0);
  try {
    const streams = keysPerShard('rs-', shardOfString);
    for (let i = 0; i < 16; i++) {
      for (let j = 1; j <= 2 + i; j++) await client.call('XADD', streams[i], `${j}-${i}`, 'f', `v${j}`, 'g', 'x'.repeat(j * 10));
      if (i % 2 === 1) await client.call('XDEL', streams[i], `2-${i}`);
      if (i % 4 === 0) await client.call('XTRIM', streams[i], 'MAXLEN', '1');
      if (i % 3 === 0) await client.call('EXPIRE', streams[i], '1000');
      // One emptied on every fifth shard: it stays a key, with its ids, and moves so.
      if (i % 5 === 2) await client.call('XTRIM', streams[i], 'MAXLEN', '0');
    }
    const before: unknown[] = [];
    for (const key of streams) before.push([await client.call('XRANGE', key, '-', '+'), await client.call('XINFO', 'STREAM', key), await client.call('TTL', key)]);
    const report = await resizeLive(cluster, 3);
    assert.ok(report.moves.length > 0);
    for (let i = 0; i < 16; i++) {
      const after = [await client.call('XRANGE', streams[i], '-', '+'), await client.call('XINFO', 'STREAM', streams[i]), await client.call('TTL', streams[i])];
      const ttl = after[2] as number;
      if (i % 3 === 0) assert.ok(ttl > 990 && ttl <= 1000, `TTL of ${streams[i]}: ${ttl}`);
      assert.equal([after[0], after[1]], [(before[i] as unknown[])[0], (before[i] as unknown[])[1]], streams[i]);
      // The last id survived: an id at or below it is refused, the next is taken.
      assert.equal(await client.call('XADD', streams[i], `${2 + i}-${i}`, 'f', 'v'), { error: 'ERR The ID specified in XADD is equal or smaller than the target stream top item' });
      assert.is(await client.call('XADD', streams[i], `${2 + i}-*`, 'f', 'v'), `${2 + i}-${i + 1}`);
      assert.is(await client.call('TYPE', streams[i]), 'stream');
    }
    await client.call('SET', 'not-a-stream', 'x');
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = (await client.call('SCAN', cursor, 'TYPE', 'stream', 'COUNT', '100')) as [string, string[]];
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    assert.equal(found.sort(), [...streams].sort(), 'SCAN TYPE stream finds every stream and nothing else');
  } finally {
    client.close();
    assert.is(await cluster.stop(), 0);
  }
});

/** The events a subscriber got up to a PING's pong (RESP2: a subscribed PING answers ['pong', '']). */
async function eventsUntilPong(sub: RespClient): Promise<string[]> {
  sub.text.send(RespClient.encode('PING'));
  const got: string[] = [];
  for (;;) {
    const reply = (await sub.read()) as Resp[];
    if (reply[0] === 'pong') return got;
    got.push(`${String(reply[2]).slice('__keyevent@0__:'.length)} ${String(reply[3])}`);
  }
}

skips.test(t, 'keyspace events xadd, xtrim (after xadd when it trimmed), xdel as redis-server fires them; WATCH sees a stream change', noRedis, async () => {
  const cluster = await startCluster({ workers: 2, args: ['--notify-keyspace-events', 'Et'] });
  try {
    const got: string[][] = [];
    for (const port of [cluster.port, redis!.port]) {
      const sub = await RespClient.connect(port);
      const conn = await RespClient.connect(port);
      if (port === redis!.port) await conn.call('CONFIG', 'SET', 'notify-keyspace-events', 'Et');
      await conn.call('FLUSHALL');
      await sub.call('PSUBSCRIBE', '__keyevent@0__:*');
      for (const argv of [
        ['XADD', 's', '1-1', 'f', 'v'],
        ['XADD', 's', 'MAXLEN', '1', '2-1', 'f', 'v'],
        ['XADD', 's', 'MAXLEN', '5', '3-1', 'f', 'v'],
        ['XADD', 'none', 'NOMKSTREAM', '*', 'f', 'v'],
        ['XDEL', 's', '9-9'],
        ['XDEL', 's', '2-1'],
        ['XTRIM', 's', 'MAXLEN', '0'],
        ['XTRIM', 's', 'MAXLEN', '0'],
        ['XADD', 's', '1-1', 'f', 'v'],
      ]) await conn.call(...argv);
      got.push(await eventsUntilPong(sub));
      // WATCH: an XADD by another client aborts the transaction.
      await conn.call('WATCH', 's');
      const other = await RespClient.connect(port);
      await other.call('XADD', 's', '7-0', 'f', 'v');
      await conn.call('MULTI');
      await conn.call('XLEN', 's');
      assert.is(await conn.call('EXEC'), null, `EXEC after a watched stream changed (${port === redis!.port ? 'redis-server' : 'this server'})`);
      for (const c of [sub, conn, other]) c.close();
    }
    assert.equal(got[0], got[1]);
    assert.equal(got[0], ['xadd s', 'xadd s', 'xtrim s', 'xadd s', 'xdel s', 'xtrim s']);
  } finally {
    assert.is(await cluster.stop(), 0);
  }
});

t('under noeviction an XADD past maxmemory answers OOM and changes nothing; trimming frees room again', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
  const conn = await RawConn.connect(cluster.port);
  try {
    const value = 'e'.repeat(1000);
    let last = '';
    let added = 0;
    for (let i = 1; i < 5000 && !last.startsWith('-'); i++) {
      last = raw(await conn.command(['XADD', 's', `${i}-0`, 'f', value]));
      if (!last.startsWith('-')) added++;
    }
    assert.is(last, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    assert.is(raw(await conn.command(['XLEN', 's'])), `:${added}\r\n`);
    assert.match(raw(await conn.command(['XINFO', 'STREAM', 's'])), new RegExp(`last-generated-id\r\n\\$\\d+\r\n${added}-0\r\n`));
    assert.is(raw(await conn.command(['XTRIM', 's', 'MAXLEN', '10'])), `:${added - 10}\r\n`);
    assert.is(raw(await conn.command(['XADD', 's', '*', 'f', 'v'])).startsWith('$'), true);
  } finally {
    conn.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
