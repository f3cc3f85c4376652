import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, resizeLive, sleep, startCluster, type Cluster } from './harness';
import { mapOf, type Resp3Client } from './resp3-client';
import { idOf, clientOn, invalidations, nothingMore, tracking } from './tracking-clients';

/**
 * Client-side caching end to end, on 2 and 3 workers, in both protocols (RESP3 pushes to the
 * tracking client; RESP2 through REDIRECT to a subscriber of __redis__:invalidate on another
 * worker): a key read by a tracking client is invalidated once per read, from whichever worker
 * owns it to whichever holds the client, on a write, an expiry, an eviction, a flush (null) and a
 * live resize, in default, OPTIN, OPTOUT, NOLOOP and BCAST modes. The replies and pushes compared
 * byte for byte with redis-server are e2e-tracking-redis's.
 */
const PROTOCOLS = [
  ['RESP3', true],
  ['RESP2', false],
] as const;

function trackingSuite(workers: number): void {
  const t = suite(`e2e tracking: ${workers} workers`);
  let cluster: Cluster;
  const opened: Resp3Client[] = [];
  let round = 0;
  /** 16 fresh keys, one on each shard (so on every worker). */
  const keys = (): string[] => keysPerShard(`trk${round++}:`, shardOfString);
  const on = async (worker: number, resp3: boolean): Promise<Resp3Client> => {
    const c = await clientOn(cluster.port, worker % workers, resp3);
    opened.push(c);
    return c;
  };
  const sorted = (ks: string[]): string[] => [...ks].sort();

  t.before(async () => {
    cluster = await startCluster({ workers, args: ['--maxmemory', '16mb', '--admin-port', '0'] });
  });
  t.after.each(() => {
    for (const c of opened.splice(0)) c.close();
  });
  t.after(async () => {
    await cluster.stop();
  });

  t('default mode: reads on every owner, written by another client: one invalidation per key and read', async () => {
    for (const [, resp3] of PROTOCOLS) {
      const { tracker, read, quiet } = await tracking(on, 0, resp3);
      const writer = await on(1, false);
      const ks = keys();
      await writer.call('SET', ks[0], 'exists');
      await tracker.pipeline(ks.map((k) => ['GET', k]));
      await writer.pipeline(ks.map((k) => ['SET', k, 'v']));
      assert.equal(await read(ks.length), sorted(ks));
      // Forgotten once told: a second write tells nothing.
      await writer.pipeline(ks.map((k) => ['SET', k, 'w']));
      await quiet();
      // MGET over every worker tracks each key where it lives; DEL of a read key invalidates it.
      await tracker.call('MGET', ...ks);
      await writer.call('DEL', ...ks);
      assert.equal(await read(ks.length), sorted(ks));
      // A script's reads: here, or all on another worker's shard (sent whole: EVALHERE).
      for (const tag of [ks[0], ks[1]]) {
        const [a, b] = [`{${tag}}s1`, `{${tag}}s2`];
        await tracker.call('EVAL', "return {redis.call('GET', KEYS[1]), redis.call('SET', KEYS[2], 'v')}", '2', a, b);
        await writer.pipeline([a, b].map((k) => ['SET', k, 'x']));
        assert.equal(await read(1), [a]);
      }
      // MULTI/EXEC: over every worker (held), and all on another worker's shard (sent whole: EXECHERE).
      const tagged = ['a', 'b', 'c'].map((s) => `{${ks[1]}}${s}`);
      for (const group of [ks, tagged]) {
        const replies = await tracker.pipeline([['MULTI'], ...group.map((k) => ['GET', k]), ['EXEC']]);
        assert.is((replies[replies.length - 1].value as unknown[]).length, group.length);
        await writer.pipeline(group.map((k) => ['SET', k, 'x']));
        assert.equal(await read(group.length), sorted(group));
      }
    }
  });

  t("a client's own write: its reply first, then the invalidation; NOLOOP: none", async () => {
    const own = await on(0, true);
    await own.call('CLIENT', 'TRACKING', 'ON');
    for (const k of keys()) {
      await own.call('GET', k);
      const [set, push] = [await own.call('SET', k, '1'), await own.read()];
      assert.is(set.raw, '+OK\r\n');
      assert.is(push.raw, `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${k.length}\r\n${k}\r\n`);
    }
    for (const [, resp3] of PROTOCOLS) {
      const { tracker, read, quiet } = await tracking(on, 1, resp3, 'NOLOOP');
      const other = await on(0, false);
      const ks = keys();
      await tracker.pipeline(ks.map((k) => ['GET', k]));
      await tracker.pipeline(ks.map((k) => ['SET', k, 'mine']));
      await quiet();
      // The own write forgot the reads (as Redis's table): read again, another client's write tells.
      await tracker.pipeline(ks.map((k) => ['GET', k]));
      await other.pipeline(ks.map((k) => ['SET', k, 'theirs']));
      assert.equal(await read(ks.length), sorted(ks));
    }
  });

  t('OPTIN tracks only after CLIENT CACHING YES; OPTOUT tracks all but after CLIENT CACHING NO', async () => {
    for (const [, resp3] of PROTOCOLS) {
      const optin = await tracking(on, 0, resp3, 'OPTIN');
      const optout = await tracking(on, 1, resp3, 'OPTOUT');
      const writer = await on(2, false);
      const [skipped, cached] = [keys(), keys()];
      await optin.tracker.pipeline([...skipped.map((k) => ['GET', k]), ...cached.flatMap((k) => [['CLIENT', 'CACHING', 'YES'], ['GET', k]])]);
      await optout.tracker.pipeline([...skipped.flatMap((k) => [['CLIENT', 'CACHING', 'NO'], ['GET', k]]), ...cached.map((k) => ['GET', k])]);
      const info = (await optin.tracker.call('CLIENT', 'TRACKINGINFO')).value;
      assert.equal(resp3 ? mapOf(info).flags : { set: (info as unknown[])[1] }, { set: ['on', 'optin'] });
      await writer.pipeline([...skipped, ...cached].map((k) => ['SET', k, 'x']));
      assert.equal(await optin.read(cached.length), sorted(cached));
      assert.equal(await optout.read(cached.length), sorted(cached));
      await optin.quiet();
      await optout.quiet();
    }
  });

  t('REDIRECT to a client on this worker and another; FLUSHALL through it; a gone redirect is broken', async () => {
    for (const [here, there] of [[0, 0], [0, 1]]) {
      const sink = await on(there, false);
      const sinkId = await idOf(sink);
      assert.equal((await sink.call('SUBSCRIBE', '__redis__:invalidate')).value, ['subscribe', '__redis__:invalidate', 1]);
      const tracker = await on(here, false);
      const writer = await on(1, false);
      assert.is((await tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId))).raw, '+OK\r\n');
      assert.is((await tracker.call('CLIENT', 'GETREDIR')).value, sinkId);
      const ks = keys();
      await tracker.pipeline(ks.map((k) => ['GET', k]));
      await writer.pipeline(ks.map((k) => ['SET', k, 'v']));
      assert.equal(await invalidations(sink, ks.length, true), sorted(ks));
      await tracker.call('GET', ks[0]);
      await writer.call('FLUSHALL');
      assert.equal(await invalidations(sink, 1, true), ['(null)']);
    }
    const sink = await on(1, true);
    const tracker = await on(0, true);
    const writer = await on(0, false);
    const sinkId = await idOf(sink);
    await tracker.call('CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId));
    const [k] = keys();
    await tracker.call('GET', k);
    sink.close();
    await sleep(50);
    await writer.call('SET', k, 'v');
    assert.is((await tracker.read()).raw, `>2\r\n$21\r\ntracking-redir-broken\r\n:${sinkId}\r\n`);
    assert.ok((mapOf((await tracker.call('CLIENT', 'TRACKINGINFO')).value).flags as { set: string[] }).set.includes('broken_redirect'));
  });

  t("REDIRECT to another worker's client is checked at once, as Redis: a missing one is refused, and commands sent right after run under the state it set", async () => {
    const sink = await on(1, true);
    const sinkId = await idOf(sink);
    const tracker = await on(0, true);
    const writer = await on(0, false);
    const [k, k2] = keys();
    // An id of worker 1 no client has (ids are k * 16 + worker + 1), pipelined with a read and the state queried.
    const missing = await tracker.pipeline([['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId + 16 * 100000)], ['GET', k], ['CLIENT', 'TRACKINGINFO'], ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId + 16 * 100000), 'BOGUS']]);
    assert.is(missing[0].raw, '-ERR The client ID you want redirect to does not exist\r\n');
    assert.is(mapOf(missing[2].value).redirect, -1, 'not tracking');
    assert.is(missing[3].raw, '-ERR The client ID you want redirect to does not exist\r\n', "Redis's order: the redirect before what follows it");
    await writer.call('SET', k, 'v');
    const live = await tracker.pipeline([['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId), 'BOGUS'], ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId)], ['GET', k2], ['CLIENT', 'GETREDIR']]);
    assert.is(live[0].raw, '-ERR syntax error\r\n');
    assert.is(live[1].raw, '+OK\r\n');
    assert.is(live[3].value, sinkId, 'the command after it saw its state');
    await writer.call('SET', k2, 'v');
    assert.equal(await invalidations(sink, 1), [k2], 'the read right after it was tracked');
    await nothingMore(tracker);
    // Inside MULTI too.
    const exec = await tracker.pipeline([['CLIENT', 'TRACKING', 'OFF'], ['MULTI'], ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId + 16 * 100000)], ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', String(sinkId)], ['EXEC']]);
    assert.is(exec[4].raw, '*2\r\n-ERR The client ID you want redirect to does not exist\r\n+OK\r\n');
  });

  t('expiry, eviction and FLUSHALL / FLUSHDB invalidate; tracking off is dropped; INFO counts', async () => {
    for (const [, resp3] of PROTOCOLS) {
      const { tracker, read, quiet } = await tracking(on, 0, resp3);
      const writer = await on(1, false);
      const ks = keys();
      // Long enough for the reads to come first on a loaded machine (a key read once expired is a miss, tracked as such).
      await writer.pipeline(ks.map((k) => ['SET', k, 'v', 'PX', '300']));
      await tracker.pipeline(ks.map((k) => ['GET', k]));
      // Active expiry (or a later read) deletes them: each owner tells.
      assert.equal(await read(ks.length), sorted(ks));
      assert.match(String((await writer.call('INFO', 'clients')).value), /tracking_clients:1\r\n/);
      // Eviction: old read keys go first when 24mb of new values come in (16mb maxmemory).
      const old = keys();
      await writer.pipeline(old.map((k) => ['SET', k, 'old']));
      await tracker.pipeline(old.map((k) => ['GET', k]));
      const stats = String((await writer.call('INFO', 'stats')).value);
      assert.match(stats, new RegExp(`tracking_total_keys:${old.length}\\r\\n`));
      assert.match(stats, new RegExp(`tracking_total_items:${old.length}\\r\\n`));
      const big = 'x'.repeat(64 * 1024);
      for (let i = 0; i < 6; i++) await writer.pipeline(Array.from({ length: 64 }, (_, j) => ['SET', `fill:${round}:${i}:${j}`, big]));
      assert.equal(await read(old.length), sorted(old));
      await writer.call('FLUSHDB');
      assert.equal(await read(1), ['(null)']);
      // Off: its marks are dropped where they would be delivered.
      const k = keys()[3];
      await tracker.call('GET', k);
      await tracker.call('CLIENT', 'TRACKING', 'OFF');
      await writer.call('SET', k, 'v');
      await quiet();
      assert.match(String((await writer.call('INFO', 'clients')).value), /tracking_clients:0\r\n/);
    }
    // Its own FLUSHALL: the reply, then the null.
    const own = await on(0, true);
    await own.call('CLIENT', 'TRACKING', 'ON');
    assert.is((await own.call('FLUSHALL')).raw, '+OK\r\n');
    assert.is((await own.read()).raw, '>2\r\n$10\r\ninvalidate\r\n_\r\n');
  });

  /**
   * tracking-table-max-keys is the server's: each worker keeps its shards' share (a 16th a shard),
   * so reading n keys a shard over every shard keeps exactly the bound over all workers, and the
   * rest's readers are told at once; CONFIG SET lowers it live, and a resize re-splits it.
   */
  const serverWideBound = async (): Promise<void> => {
    const admin = await on(1, false);
    const info = async () => Number(/tracking_total_keys:(\d+)/.exec(String((await admin.call('INFO', 'stats')).value))![1]);
    assert.is((await admin.call('CONFIG', 'SET', 'tracking-table-max-keys', '32')).raw, '+OK\r\n');
    try {
      for (const [, resp3] of PROTOCOLS) {
        const { tracker, read, quiet } = await tracking(on, 0, resp3);
        const ks = [keys(), keys(), keys(), keys()].flat();
        await tracker.pipeline(ks.map((k) => ['GET', k]));
        const evicted = await read(ks.length - 32);
        const kept = ks.filter((k) => !evicted.includes(k));
        assert.is(kept.length, 32, 'the bound over all workers');
        assert.is(await info(), 32, "INFO's sum");
        // Lowered: each worker's share halves now, the keys past it told at once.
        assert.is((await admin.call('CONFIG', 'SET', 'tracking-table-max-keys', '16')).raw, '+OK\r\n');
        const lowered = await read(16);
        assert.ok(lowered.every((k) => kept.includes(k)), 'only kept keys are told');
        assert.is(await info(), 16);
        const still = kept.filter((k) => !lowered.includes(k));
        await admin.pipeline(ks.map((k) => ['SET', k, 'v']));
        assert.equal(await read(still.length), sorted(still));
        await quiet();
        assert.is((await admin.call('CONFIG', 'SET', 'tracking-table-max-keys', '32')).raw, '+OK\r\n');
      }
    } finally {
      await admin.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
    }
  };

  t("tracking-table-max-keys is the server's (each worker its shards' share; CONFIG SET live): evicts with an invalidation", serverWideBound);

  t('BCAST with PREFIX: writes on every owner reach broadcasting clients on every worker; NOLOOP leaves out their own', async () => {
    for (const [, resp3] of PROTOCOLS) {
      const ks = keys();
      const prefix = ks[0].slice(0, ks[0].indexOf(':') + 1);
      const bcast = await Promise.all(Array.from({ length: workers }, (_, w) => tracking(on, w, resp3, 'BCAST', 'PREFIX', prefix, 'PREFIX', `other${prefix}`)));
      const noloop = await tracking(on, 1, resp3, 'BCAST', 'NOLOOP', 'PREFIX', prefix);
      await sleep(50);
      const writer = await on(1, false);
      await writer.pipeline([...ks.map((k) => ['SET', k, 'v']), ['SET', 'unrelated', 'v']]);
      for (const c of [...bcast, noloop]) assert.equal(await c.broadcast(ks.length), sorted(ks));
      await noloop.tracker.pipeline(ks.map((k) => ['SET', k, 'mine']));
      assert.equal(await bcast[0].broadcast(ks.length), sorted(ks));
      await noloop.quiet();
      assert.match(String((await writer.call('INFO', 'stats')).value), /tracking_total_prefixes:2\r\n/);
      // Off on one worker: the others still broadcast.
      await bcast[0].tracker.call('CLIENT', 'TRACKING', 'OFF');
      await writer.call('DEL', ...ks);
      assert.equal(await bcast[bcast.length - 1].broadcast(ks.length), sorted(ks));
      await bcast[0].quiet();
      for (const c of [...bcast, noloop]) await c.tracker.call('CLIENT', 'TRACKING', 'OFF');
    }
  });

  t('a live resize invalidates the keys of the shards it moves; the new worker learns the BCAST prefixes', async () => {
    const [plain, bcast] = [await tracking(on, 0, true), await tracking(on, 1, false, 'BCAST', 'PREFIX', 'moved:')];
    const [plain2] = [await tracking(on, 1, false)];
    const ks = keys();
    await plain.tracker.pipeline(ks.map((k) => ['GET', k]));
    await plain2.tracker.pipeline(ks.map((k) => ['GET', k]));
    const { moves } = await resizeLive(cluster, workers + 1);
    const moved = ks.filter((k) => moves.some((m) => m.shard === shardOfString(k))).sort();
    assert.ok(moved.length > 0, 'some shard moved');
    assert.equal(await plain.read(moved.length), moved);
    assert.equal(await plain2.read(moved.length), moved);
    await plain.quiet();
    // Shards the new worker owns now broadcast too.
    const mk = keysPerShard('moved:', shardOfString);
    const writer = await on(0, false);
    await writer.pipeline(mk.map((k) => ['SET', k, 'v']));
    assert.equal(await bcast.broadcast(mk.length), sorted(mk));
  });

  t("after the resize, tracking-table-max-keys is still the server's: every worker's share re-split", serverWideBound);

  t.run();
}

trackingSuite(2);
trackingSuite(3);
