import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, sleep, startCluster, type Cluster } from './harness';
import { mapOf, type Resp3Client } from './resp3-client';
import { broadcastKeys, clientOn, idOf, invalidations, nothingMore } from './tracking-clients';

/**
 * Client-side caching end to end, on 2 and 3 workers, in both protocols: a key read by a tracking
 * client is invalidated once per read, from whichever worker owns it to whichever holds the
 * client, on a write, an expiry, an eviction, a flush (null) and a live resize; OPTIN, OPTOUT,
 * NOLOOP and REDIRECT (RESP2 through __redis__:invalidate). The replies compared byte for byte
 * with redis-server are e2e-tracking-redis's.
 */
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
    const tracker = await on(0, true);
    const writer = await on(1, false);
    assert.is((await tracker.call('CLIENT', 'TRACKING', 'ON')).raw, '+OK\r\n');
    const ks = keys();
    await writer.call('SET', ks[0], 'exists');
    await tracker.pipeline(ks.map((k) => ['GET', k]));
    await writer.pipeline(ks.map((k) => ['SET', k, 'v']));
    assert.equal(await invalidations(tracker, ks.length), [...ks].sort());
    // Forgotten once told: a second write tells nothing.
    await writer.pipeline(ks.map((k) => ['SET', k, 'w']));
    await nothingMore(tracker);
    // MGET over every worker tracks each key where it lives; DEL of a read key invalidates it.
    await tracker.call('MGET', ...ks);
    await writer.call('DEL', ...ks);
    assert.equal(await invalidations(tracker, ks.length), [...ks].sort());
  });

  t("a client's own write: its reply first, then the invalidation (NOLOOP: none)", async () => {
    const tracker = await on(0, true);
    await tracker.call('CLIENT', 'TRACKING', 'ON');
    for (const k of keys()) {
      await tracker.call('GET', k);
      const [set, push] = [await tracker.call('SET', k, '1'), await tracker.read()];
      assert.is(set.raw, '+OK\r\n');
      assert.is(push.raw, `>2\r\n$10\r\ninvalidate\r\n*1\r\n$${k.length}\r\n${k}\r\n`);
    }
    const quiet = await on(1, true);
    const other = await on(0, false);
    await quiet.call('CLIENT', 'TRACKING', 'ON', 'NOLOOP');
    const ks = keys();
    await quiet.pipeline(ks.map((k) => ['GET', k]));
    await quiet.pipeline(ks.map((k) => ['SET', k, 'mine']));
    await nothingMore(quiet);
    // The own write forgot the reads (as Redis's table): read again, another client's write tells.
    await quiet.pipeline(ks.map((k) => ['GET', k]));
    await other.pipeline(ks.map((k) => ['SET', k, 'theirs']));
    assert.equal(await invalidations(quiet, ks.length), [...ks].sort());
  });

  t('OPTIN tracks only after CLIENT CACHING YES; OPTOUT tracks all but after CLIENT CACHING NO', async () => {
    const optin = await on(0, true);
    const optout = await on(1, true);
    const writer = await on(2, false);
    await optin.call('CLIENT', 'TRACKING', 'ON', 'OPTIN');
    await optout.call('CLIENT', 'TRACKING', 'ON', 'OPTOUT');
    const [skipped, cached] = [keys(), keys()];
    await optin.pipeline([...skipped.map((k) => ['GET', k]), ...cached.flatMap((k) => [['CLIENT', 'CACHING', 'YES'], ['GET', k]])]);
    await optout.pipeline([...skipped.flatMap((k) => [['CLIENT', 'CACHING', 'NO'], ['GET', k]]), ...cached.map((k) => ['GET', k])]);
    assert.equal(mapOf((await optin.call('CLIENT', 'TRACKINGINFO')).value).flags, { set: ['on', 'optin'] });
    await writer.pipeline([...skipped, ...cached].map((k) => ['SET', k, 'x']));
    assert.equal(await invalidations(optin, cached.length), [...cached].sort());
    assert.equal(await invalidations(optout, cached.length), [...cached].sort());
    await nothingMore(optin);
    await nothingMore(optout);
  });

  t('REDIRECT: RESP2 tracking clients, their invalidations to a subscriber of __redis__:invalidate on this worker and another; a gone redirect is broken', async () => {
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
      assert.equal(await invalidations(sink, ks.length, true), [...ks].sort());
      // FLUSHALL: a null message through the redirect.
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
    const broken = await tracker.read();
    assert.is(broken.raw, `>2\r\n$21\r\ntracking-redir-broken\r\n:${sinkId}\r\n`);
    assert.ok((mapOf((await tracker.call('CLIENT', 'TRACKINGINFO')).value).flags as { set: string[] }).set.includes('broken_redirect'));
  });

  t('expiry, eviction and FLUSHALL / FLUSHDB invalidate; a client gone or tracking off is dropped; INFO counts', async () => {
    const tracker = await on(0, true);
    const writer = await on(1, false);
    await tracker.call('CLIENT', 'TRACKING', 'ON');
    const ks = keys();
    await writer.pipeline(ks.map((k) => ['SET', k, 'v', 'PX', '30']));
    await tracker.pipeline(ks.map((k) => ['GET', k]));
    // Active expiry (or a later read) deletes them: each owner tells.
    assert.equal(await invalidations(tracker, ks.length), [...ks].sort());
    const info = String((await writer.call('INFO', 'clients')).value);
    assert.match(info, /tracking_clients:1\r\n/);
    // Eviction: an old read key goes first when 16mb of new values come in.
    const old = keys();
    await writer.pipeline(old.map((k) => ['SET', k, 'old']));
    await tracker.pipeline(old.map((k) => ['GET', k]));
    const stats = String((await writer.call('INFO', 'stats')).value);
    assert.match(stats, new RegExp(`tracking_total_keys:${old.length}\\r\\n`));
    assert.match(stats, new RegExp(`tracking_total_items:${old.length}\\r\\n`));
    const big = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 6; i++) await writer.pipeline(Array.from({ length: 64 }, (_, j) => ['SET', `fill:${i}:${j}`, big]));
    assert.equal(await invalidations(tracker, old.length), [...old].sort());
    // FLUSHDB from another client, then FLUSHALL from itself (reply first): a null each.
    await writer.call('FLUSHDB');
    assert.equal(await invalidations(tracker, 1), ['(null)']);
    const flush = await tracker.call('FLUSHALL');
    assert.is(flush.raw, '+OK\r\n');
    assert.is((await tracker.read()).raw, '>2\r\n$10\r\ninvalidate\r\n_\r\n');
    // Off: its marks are dropped where they would be delivered.
    const k = keys()[3];
    await tracker.call('GET', k);
    await tracker.call('CLIENT', 'TRACKING', 'OFF');
    await writer.call('SET', k, 'v');
    await nothingMore(tracker);
    assert.match(String((await writer.call('INFO', 'clients')).value), /tracking_clients:0\r\n/);
  });

  t('tracking-table-max-keys (per worker, CONFIG SET live) evicts with an invalidation', async () => {
    const tracker = await on(0, true);
    const admin = await on(1, false);
    await tracker.call('CLIENT', 'TRACKING', 'ON');
    assert.is((await admin.call('CONFIG', 'SET', 'tracking-table-max-keys', '2')).raw, '+OK\r\n');
    try {
      const ks = keys();
      await tracker.pipeline(ks.map((k) => ['GET', k]));
      // Every worker keeps 2 of its keys: the others' readers are told at once.
      const evicted = await invalidations(tracker, ks.length - 2 * workers);
      const kept = ks.filter((k) => !evicted.includes(k));
      assert.is(kept.length, 2 * workers);
      await admin.pipeline(ks.map((k) => ['SET', k, 'v']));
      assert.equal(await invalidations(tracker, kept.length), kept.sort());
    } finally {
      await admin.call('CONFIG', 'SET', 'tracking-table-max-keys', '1000000');
    }
  });

  t('BCAST with PREFIX: writes on every owner reach broadcasting clients on every worker, NOLOOP leaves out their own, REDIRECT in RESP2', async () => {
    const ks = keys();
    const prefix = ks[0].slice(0, ks[0].indexOf(':') + 1);
    const bcast = await Promise.all(Array.from({ length: workers }, (_, w) => on(w, true)));
    for (const c of bcast) assert.is((await c.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', prefix, 'PREFIX', 'other:')).raw, '+OK\r\n');
    const noloop = await on(1, true);
    await noloop.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'NOLOOP', 'PREFIX', prefix);
    const sink = await on(workers - 1, false);
    const sinkId = await idOf(sink);
    await sink.call('SUBSCRIBE', '__redis__:invalidate');
    const redirected = await on(0, false);
    assert.is((await redirected.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'REDIRECT', String(sinkId), 'PREFIX', prefix)).raw, '+OK\r\n');
    await sleep(50);
    const writer = await on(1, false);
    await writer.pipeline([...ks.map((k) => ['SET', k, 'v']), ['SET', 'unrelated', 'v']]);
    for (const c of [...bcast, noloop]) assert.equal(await broadcastKeys(c, ks.length), [...ks].sort());
    const viaRedirect: string[] = [];
    while (viaRedirect.length < ks.length) viaRedirect.push(...((((await sink.read()).value as unknown[])[2]) as string[]));
    assert.equal(viaRedirect.sort(), [...ks].sort());
    await noloop.pipeline(ks.map((k) => ['SET', k, 'mine']));
    assert.equal(await broadcastKeys(bcast[0], ks.length), [...ks].sort());
    await nothingMore(noloop);
    assert.match(String((await writer.call('INFO', 'stats')).value), /tracking_total_prefixes:2\r\n/);
    // Off on one worker: the others still broadcast.
    await bcast[0].call('CLIENT', 'TRACKING', 'OFF');
    await writer.call('DEL', ...ks);
    assert.equal(await broadcastKeys(bcast[bcast.length - 1], ks.length), [...ks].sort());
    await nothingMore(bcast[0]);
  });

  t('a live resize invalidates the keys of the shards it moves; the new worker learns the BCAST prefixes', async () => {
    const tracker = await on(0, true);
    await tracker.call('CLIENT', 'TRACKING', 'ON');
    const broadcast = await on(1, true);
    await broadcast.call('CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'moved:');
    const ks = keys();
    await tracker.pipeline(ks.map((k) => ['GET', k]));
    const { moves } = await resizeTo(cluster, workers + 1);
    const moved = ks.filter((k) => moves.some((m) => m.shard === shardOfString(k))).sort();
    assert.ok(moved.length > 0, 'some shard moved');
    assert.equal(await invalidations(tracker, moved.length), moved);
    await nothingMore(tracker);
    // Shards the new worker owns now broadcast too.
    const mk = keysPerShard('moved:', shardOfString);
    const writer = await on(0, false);
    await writer.pipeline(mk.map((k) => ['SET', k, 'v']));
    assert.equal(await broadcastKeys(broadcast, mk.length), [...mk].sort());
  });

  t.run();
}

async function resizeTo(cluster: Cluster, count: number): Promise<{ moves: { shard: number }[] }> {
  const { resizeLive } = await import('./harness');
  return resizeLive(cluster, count);
}

trackingSuite(2);
trackingSuite(3);
