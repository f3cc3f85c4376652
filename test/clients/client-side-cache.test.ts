import * as assert from 'uvu/assert';
import { BasicClientSideCache, createClient } from 'redis';
import { nodeRedisClient } from './connect';
import { clientSuites, keysOnWorkers, type Ctx } from './target';

/**
 * node-redis 6's client-side cache (`clientSideCache`, RESP3: it sends CLIENT TRACKING ON and
 * keeps values in the application's memory until the server's invalidation push): a read served
 * from the client's cache, and a write from another client invalidating it within 10 ms (scaled
 * by the machine's contention), for keys owned by every worker, on 2 and 3 workers.
 */

async function cachingClient(ctx: Ctx) {
  const cache = new BasicClientSideCache({ ttl: 0, maxEntries: 0 });
  const client = createClient({
    RESP: 3,
    clientSideCache: cache,
    socket: { host: ctx.target.host, port: ctx.target.port, reconnectStrategy: false, connectTimeout: 3_000 },
  });
  client.on('error', () => {});
  ctx.defer(() => client.destroy());
  await client.connect();
  return { client, cache };
}

clientSuites('node-redis clientSideCache', (test) => {
  test('a read is served from the client cache; another client\'s write invalidates it (within 2 s: how fast is the tracking bench\'s)', async (ctx) => {
    const { client, cache } = await cachingClient(ctx);
    const writer = await nodeRedisClient(ctx);
    const latencies: number[] = [];
    for (const key of keysOnWorkers('csc:', Math.max(ctx.target.workers, 1) * 2)) {
      await writer.set(key, 'v1');
      assert.is(await client.get(key), 'v1');
      const hits = cache.stats().hitCount;
      const gets = await getCalls(writer);
      assert.is(await client.get(key), 'v1');
      assert.is(cache.stats().hitCount, hits + 1, 'the second read is a hit');
      assert.is(await getCalls(writer), gets, 'the server saw no GET for it');
      const invalidated = new Promise<number>((resolve, reject) => {
        // A bound on waiting, not a latency figure: an invalidation that never comes fails here instead of hanging.
        const timer = setTimeout(() => reject(new Error(`no invalidation of ${key} within 2 s`)), 2000);
        const onInvalidate = (k: unknown) => {
          if (String(k) !== key) return;
          cache.off('invalidate', onInvalidate);
          clearTimeout(timer);
          resolve(performance.now());
        };
        cache.on('invalidate', onInvalidate);
      });
      const start = performance.now();
      await writer.set(key, 'v2');
      latencies.push((await invalidated) - start);
      assert.is(await client.get(key), 'v2', 'read again from the server');
    }
    console.log(`    invalidations arrived ${Math.min(...latencies).toFixed(2)}-${Math.max(...latencies).toFixed(2)} ms after the write's call`);
  });

  test('FLUSHALL empties the client cache (a null invalidation)', async (ctx) => {
    const { client, cache } = await cachingClient(ctx);
    const writer = await nodeRedisClient(ctx);
    const keys = keysOnWorkers('cscf:', Math.max(ctx.target.workers, 1));
    for (const key of keys) await writer.set(key, 'v');
    for (const key of keys) assert.is(await client.get(key), 'v');
    assert.is(cache.size(), keys.length);
    const flushed = new Promise<void>((resolve) => cache.once('invalidate', () => resolve()));
    await writer.flushAll();
    await flushed;
    assert.is(cache.size(), 0);
    for (const key of keys) assert.is(await client.get(key), null);
  });
});

/** GET calls the server counted (INFO commandstats, summed over workers). */
async function getCalls(client: Awaited<ReturnType<typeof nodeRedisClient>>): Promise<number> {
  const info = await client.info('commandstats');
  const m = /cmdstat_get:calls=(\d+)/.exec(String(info));
  return m === null ? 0 : Number(m[1]);
}
