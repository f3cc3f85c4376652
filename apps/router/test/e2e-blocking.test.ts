import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { request } from 'undici';
import { shardOfString } from '@kv/wire';
import { Contention } from '../../../test-support/contention';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { keysPerShard, sleep, startCluster, type Cluster } from './harness';

/**
 * BLPOP, BRPOP, BRPOPLPUSH, BLMOVE and BLMPOP across workers: a client blocked on a key of any
 * worker wakes when a client of any worker pushes to it, first blocked first served; timeouts;
 * a client leaving while blocked takes no element; MULTI and scripts do not block; a live resize
 * with blocked clients does not hang; the replies that do not depend on time against redis-server.
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: blocking list commands';
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
const bulk = (s: string): string => `$${s.length}\r\n${s}\r\n`;
const pair = (k: string, v: string): string => `*2\r\n${bulk(k)}${bulk(v)}`;

async function connect(port: number, resp: number): Promise<RawConn> {
  const conn = await RawConn.connect(port);
  if (resp === 3) await conn.command(['HELLO', '3']);
  return conn;
}

/** Waits until INFO's blocked_clients (summed over the workers) is `n`: the blocked requests reached their owners. */
async function blockedAre(port: number, n: number): Promise<void> {
  const conn = await RawConn.connect(port);
  try {
    for (let i = 0; i < 500; i++) {
      const info = raw(await conn.command(['INFO', 'clients']));
      if (new RegExp(`blocked_clients:${n}\\r`).test(info)) return;
      await sleep(10);
    }
    throw new Error(`blocked_clients never became ${n}`);
  } finally {
    conn.close();
  }
}

async function wakeAndOrder(workers: number, resp: number): Promise<void> {
  const cluster = await startCluster({ workers });
  try {
    const keys = keysPerShard('bl-', shardOfString);
    const pusher = await connect(cluster.port, resp);
    for (const key of keys) {
      // Three clients (on whichever workers they landed) block in turn; one push of three elements serves them in that order.
      const blockers = [await connect(cluster.port, resp), await connect(cluster.port, resp), await connect(cluster.port, resp)];
      const replies: Promise<Reply>[] = [];
      for (const b of blockers) {
        replies.push(b.command(['BLPOP', key, '0'], 10_000));
        await blockedAre(cluster.port, replies.length);
      }
      assert.is(raw(await pusher.command(['RPUSH', key, 'a', 'b', 'c'])), ':3\r\n', 'the push counts the length before any pop, as Redis');
      const got = (await Promise.all(replies)).map(raw);
      assert.equal(got, [pair(key, 'a'), pair(key, 'b'), pair(key, 'c')], `first blocked, first served on ${key}, RESP${resp}`);
      assert.is(raw(await pusher.command(['LLEN', key])), ':0\r\n');
      for (const b of blockers) b.close();
    }
    // BLMOVE and BRPOPLPUSH wake on their source and push to their destination.
    const mover = await connect(cluster.port, resp);
    const moved = mover.command(['BLMOVE', '{t}src', '{t}dst', 'LEFT', 'RIGHT', '0'], 10_000);
    await blockedAre(cluster.port, 1);
    await pusher.command(['LPUSH', '{t}src', 'x']);
    assert.is(raw(await moved), bulk('x'));
    const popped = mover.command(['BRPOPLPUSH', '{t}src', '{t}dst', '0'], 10_000);
    await blockedAre(cluster.port, 1);
    await pusher.command(['RPUSH', '{t}src', 'y']);
    assert.is(raw(await popped), bulk('y'));
    assert.is(raw(await pusher.command(['LRANGE', '{t}dst', '0', '-1'])), `*2\r\n${bulk('y')}${bulk('x')}`);
    // BLMPOP with COUNT takes up to COUNT from the first key pushed to.
    const multi = mover.command(['BLMPOP', '0', '2', '{t}a', '{t}b', 'RIGHT', 'COUNT', '5'], 10_000);
    await blockedAre(cluster.port, 1);
    await pusher.command(['RPUSH', '{t}b', '1', '2']);
    assert.is(raw(await multi), `*2\r\n${bulk('{t}b')}*2\r\n${bulk('2')}${bulk('1')}`);
    mover.close();
    pusher.close();
  } finally {
    await cluster.stop();
  }
}

t('2 workers, RESP2: a push from any worker wakes blocked clients on every shard, first blocked first served', async () => {
  await wakeAndOrder(2, 2);
});
t('2 workers, RESP3: the same', async () => {
  await wakeAndOrder(2, 3);
});
t('3 workers, RESP2: the same', async () => {
  await wakeAndOrder(3, 2);
});

t('timeouts, a client that leaves while blocked, input after a blocked command, MULTI and EVAL', async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const keys = keysPerShard('tm-', shardOfString);
    const conn = await connect(cluster.port, 2);
    const other = await connect(cluster.port, 3);
    // Timeouts, to the ms scale, in each protocol.
    const contention = new Contention().start();
    for (const [c, none] of [
      [conn, '*-1\r\n'],
      [other, '_\r\n'],
    ] as const) {
      const started = performance.now();
      assert.is(raw(await c.command(['BLPOP', keys[0], keys[0], '0.2'])), none);
      const ms = performance.now() - started;
      assert.ok(ms >= 195, `timed out after ${ms.toFixed(0)} ms, not before 200`);
      assert.ok(ms < contention.bound(1000), contention.says('a 200 ms timeout', ms, 1000));
      assert.is(raw(await c.command(['BLMOVE', keys[1], keys[1], 'LEFT', 'LEFT', '0.05'])), none, 'BLMOVE times out with a null array too, as Redis');
    }
    contention.stop();
    // A client that leaves while blocked takes nothing: the next push stays in the list (keys of both workers).
    for (const key of keys) {
      const gone = await connect(cluster.port, 2);
      void gone.command(['BRPOP', key, '0'], 10_000);
      await blockedAre(cluster.port, 1);
      gone.close();
      await blockedAre(cluster.port, 0);
      await conn.command(['RPUSH', key, 'kept']);
      assert.is(raw(await conn.command(['LRANGE', key, '0', '-1'])), `*1\r\n${bulk('kept')}`, `no element lost on ${key}`);
      await conn.command(['DEL', key]);
    }
    // What a blocked client sends next waits for its blocked command, as Redis reads nothing from it.
    const blocked = await connect(cluster.port, 2);
    const first = blocked.command(['BLPOP', keys[2], '0'], 10_000);
    await blockedAre(cluster.port, 1);
    await conn.command(['RPUSH', keys[2], 'one']);
    assert.is(raw(await first), pair(keys[2], 'one'));
    blocked.close();
    // Inside MULTI and a script nothing blocks: the empty reply at once, whether EXEC runs here at once, whole on the owner or under holds.
    for (const key of keys) {
      await conn.command(['MULTI']);
      await conn.command(['BRPOPLPUSH', key, key, '0']);
      assert.is(raw(await conn.command(['EXEC'], 2_000)), '*1\r\n$-1\r\n', `EXEC of a blocking command on ${key}`);
    }
    await conn.command(['MULTI']);
    await conn.command(['BLPOP', keys[4], '0']);
    await conn.command(['BLPOP', keys[5], '0']);
    assert.is(raw(await conn.command(['EXEC'], 2_000)), '*2\r\n*-1\r\n*-1\r\n', 'an EXEC over both workers');
    await conn.command(['MULTI']);
    await conn.command(['BLPOP', keys[3], '0']);
    await conn.command(['BLMPOP', '0', '1', keys[3], 'LEFT']);
    assert.is(raw(await conn.command(['EXEC'], 2_000)), '*2\r\n*-1\r\n*-1\r\n');
    assert.is(raw(await conn.command(['EVAL', "return redis.call('BLMPOP', 0, 1, KEYS[1], 'LEFT')", '1', keys[3]], 2_000)), '$-1\r\n');
    conn.close();
    other.close();
  } finally {
    await cluster.stop();
  }
});

t('a live resize with clients blocked on every shard does not hang: they are answered as timed out', async () => {
  const cluster: Cluster = await startCluster({ workers: 2, args: ['--admin-port', '0'] });
  try {
    const keys = keysPerShard('rs-', shardOfString);
    const blockers = await Promise.all(keys.map(() => connect(cluster.port, 2)));
    const replies = blockers.map((b, i) => b.command(['BLPOP', keys[i], '0'], 20_000));
    await blockedAre(cluster.port, keys.length);
    const line = await cluster.waitForLog((l) => l.message === 'admin listening');
    const res = await request(`http://127.0.0.1:${line.port as number}/workers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 3 }) });
    assert.is(res.statusCode, 200, await res.body.text());
    for (const reply of await Promise.all(replies)) assert.is(raw(reply), '*-1\r\n');
    // After it, blocking works again on the new owners.
    const again = blockers[0].command(['BLPOP', keys[0], '0'], 10_000);
    await blockedAre(cluster.port, 1);
    const pusher = await connect(cluster.port, 2);
    await pusher.command(['RPUSH', keys[0], 'after']);
    assert.is(raw(await again), pair(keys[0], 'after'));
    for (const b of [...blockers, pusher]) b.close();
  } finally {
    await cluster.stop();
  }
});

/** A connection on `worker` (CLIENT ID - 1 is the worker's index mod 16). */
async function connectOn(port: number, worker: number): Promise<RawConn> {
  for (let i = 0; i < 64; i++) {
    const conn = await RawConn.connect(port);
    const id = Number(raw(await conn.command(['CLIENT', 'ID'])).slice(1));
    if ((id - 1) % 16 === worker) return conn;
    conn.close();
  }
  throw new Error(`no connection landed on worker ${worker}`);
}

t('a worker killed under blocked clients: a client blocked on its keys is answered at once, one of its own takes no element, and blocking works after the restart', async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    // Worker 0 owns the even shards, worker 1 the odd ones.
    const keys = keysPerShard('wk-', shardOfString);
    const onZero = await connectOn(cluster.port, 0);
    const onOne = await connectOn(cluster.port, 1);
    const remote = onZero.command(['BLPOP', keys[1], '0'], 10_000);
    const doomed = onOne.command(['BLPOP', keys[0], '0'], 10_000);
    await blockedAre(cluster.port, 2);
    const contention = new Contention().start();
    const killedAt = performance.now();
    process.kill(cluster.workerPid(1), 'SIGKILL');
    assert.is(raw(await remote), '-ERR the worker owning this key is down\r\n');
    const ms = performance.now() - killedAt;
    contention.stop();
    assert.ok(ms < contention.bound(2_000), contention.says('the blocked client was answered', ms, 2_000));
    assert.is(raw(await doomed), '(connection closed)');
    // The killed worker's client waited on worker 0's key: it takes nothing now.
    await onZero.command(['RPUSH', keys[0], 'kept']);
    assert.is(raw(await onZero.command(['LRANGE', keys[0], '0', '-1'])), `*1\r\n${bulk('kept')}`);
    // Once worker 1 is back, a client blocks on its keys and wakes again.
    await cluster.waitForLog((l) => l.message === 'worker started' && l.worker === 1 && l.pid !== undefined && (l.pid as number) !== 0 && cluster.logs.filter((x) => x.message === 'worker started' && x.worker === 1).length >= 2, 20_000);
    let woke = '';
    for (let tries = 0; tries < 100 && woke === ''; tries++) {
      const again = onZero.command(['BLPOP', keys[1], '1'], 10_000);
      const pusher = await connect(cluster.port, 2);
      await sleep(50);
      await pusher.command(['RPUSH', keys[1], 'back']);
      pusher.close();
      const got = raw(await again);
      if (got === pair(keys[1], 'back')) woke = got;
      else await onZero.command(['DEL', keys[1]]);
    }
    assert.is(woke, pair(keys[1], 'back'));
    onZero.close();
  } finally {
    await cluster.stop();
  }
});

t('a shutdown with clients blocked forever on both workers exits 0 promptly, each answered as timed out and closed', async () => {
  const cluster = await startCluster({ workers: 2 });
  const keys = keysPerShard('sd-', shardOfString);
  const blockers = await Promise.all(keys.map(() => connect(cluster.port, 3)));
  const replies = blockers.map((b, i) => b.command(['BLPOP', keys[i], '0'], 20_000));
  await blockedAre(cluster.port, keys.length);
  const contention = new Contention().start();
  const signalled = performance.now();
  const code = await cluster.stop();
  const ms = performance.now() - signalled;
  contention.stop();
  assert.is(code, 0, `exit status; stderr: ${cluster.stderr.join('')}`);
  assert.ok(ms < contention.bound(5_000), contention.says('exited after SIGTERM', ms, 5_000));
  for (const reply of await Promise.all(replies)) assert.is(raw(reply), '_\r\n');
  for (const b of blockers) b.close();
});

skips.test(t, 'replies that do not depend on time, byte for byte as redis-server, RESP2 and RESP3', noRedis, async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const [a, b] = keysPerShard('df-', shardOfString);
    for (const resp of [2, 3]) {
      const ours = await connect(cluster.port, resp);
      const theirs = await connect(redis!.port, resp);
      for (const conn of [ours, theirs]) await conn.command(['FLUSHALL']);
      for (const argv of [
        ['RPUSH', a, '1', '2', '3'],
        ['BLPOP', a, '0'],
        ['BRPOP', a, '0'],
        ['RPUSH', '{q}a', 'e'],
        ['BLPOP', '{q}b', '{q}a', '0'],
        ['BLPOP', a, '0.01'],
        ['BRPOP', '{q}a', '{q}b', '0.01'],
        ['BLPOP', a, 'x'],
        ['BLPOP', a, '-1'],
        ['BLPOP', a, 'inf'],
        ['BLPOP', a, 'nan'],
        ['BLPOP', a, ' 1'],
        ['BLPOP', a],
        ['SET', b, 's'],
        ['BLPOP', b, '0'],
        ['RPUSH', '{q}x', 'p', 'q'],
        ['BLMOVE', '{q}x', '{q}y', 'RIGHT', 'LEFT', '0'],
        ['BLMOVE', '{q}x', '{q}y', 'UP', 'LEFT', '0'],
        ['BLMOVE', '{q}x', '{q}y', 'LEFT', 'LEFT', 'x'],
        ['BLMOVE', '{q}none', '{q}y', 'LEFT', 'LEFT', '0.01'],
        ['BRPOPLPUSH', '{q}x', '{q}y', '0'],
        ['BRPOPLPUSH', '{q}x', '{q}y', '0.01'],
        ['BRPOPLPUSH', '{q}x', '{q}y', '-2'],
        ['LRANGE', '{q}y', '0', '-1'],
        ['BLMPOP', '0', '2', '{q}x', '{q}y', 'LEFT', 'COUNT', '10'],
        ['BLMPOP', '0.01', '2', '{q}x', '{q}y', 'LEFT'],
        ['BLMPOP', 'x', '1', '{q}x', 'LEFT'],
        ['BLMPOP', '0', '0', '{q}x', 'LEFT'],
        ['BLMPOP', '0', '1', '{q}x', 'UP'],
        ['BLMPOP', '0', '1', '{q}x', 'LEFT', 'COUNT', '0'],
        ['MULTI'],
        ['BLPOP', a, '0'],
        ['BLMOVE', '{q}x', '{q}y', 'LEFT', 'LEFT', '0'],
        ['RPUSH', a, 'z'],
        ['BRPOP', a, '0'],
        ['EXEC'],
        ['EVAL', "return redis.call('BLPOP', KEYS[1], 0)", '1', a],
        ['EVAL', "return redis.call('BLMPOP', 0, 1, KEYS[1], 'LEFT')", '1', a],
      ]) {
        const [x, y] = [await ours.command(argv, 2_000), await theirs.command(argv, 2_000)];
        assert.is(raw(x), raw(y), `RESP${resp}: ${argv.join(' ')}`);
      }
      ours.close();
      theirs.close();
    }
  } finally {
    await cluster.stop();
  }
});

t.run();
