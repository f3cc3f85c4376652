import Redis from 'ioredis';
import { createClient } from 'redis';
import type { Ctx } from './target';

/**
 * ioredis 6 with its default options but host and port (it asks HELLO 3 and falls back to RESP2
 * on NOPROTO), bounded: no reconnects, one retry per request, a command time-out. Disconnected
 * after the test.
 */
export async function ioredisClient(ctx: Ctx): Promise<Redis> {
  const client = new Redis({
    host: ctx.target.host,
    port: ctx.target.port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 1,
    connectTimeout: 3_000,
    commandTimeout: 5_000,
  });
  client.on('error', () => {});
  ctx.defer(() => client.disconnect());
  await client.connect();
  return client;
}

/**
 * node-redis 6 with its defaults but host and port: RESP3, so HELLO 3 on connect, then CLIENT
 * SETINFO (whose errors it ignores); `RESP: 2` only where a test says so. Bounded: no
 * reconnects, a connect time-out. Destroyed after the test.
 */
export async function nodeRedisClient(ctx: Ctx, RESP?: 2) {
  const client = createClient({
    socket: { host: ctx.target.host, port: ctx.target.port, reconnectStrategy: false, connectTimeout: 3_000 },
    ...(RESP === undefined ? {} : { RESP }),
  });
  client.on('error', () => {});
  ctx.defer(() => client.destroy());
  await client.connect();
  return client;
}
