import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as assert from 'uvu/assert';
import { createAdapter, createShardedAdapter } from '@socket.io/redis-adapter';
import { Server } from 'socket.io';
import { io as ioClient, type Socket as ClientSocket } from 'socket.io-client';
import { ioredisClient, nodeRedisClient } from './connect';

/** What socket.io's `adapter` option takes (both adapters' factories). */
type Adapter = ReturnType<typeof createAdapter> | ReturnType<typeof createShardedAdapter>;
import { clientSuites, withTimeout, type Ctx } from './target';

/**
 * Pub/Sub as real libraries use it, on 2 and 3 workers (and on redis-server with KV_TARGET=redis):
 * ioredis and node-redis subscribers get messages published from connections on other workers;
 * two socket.io servers share a room through @socket.io/redis-adapter (classic: PSUBSCRIBE and
 * PUBLISH; sharded: SSUBSCRIBE and SPUBLISH), so a broadcast from one reaches the other's client.
 */

/** Resolves with the first `n` values `subscribe` hands its callback, in order. */
function collect<T>(n: number, subscribe: (push: (value: T) => void) => unknown): Promise<T[]> {
  return new Promise((resolve) => {
    const got: T[] = [];
    subscribe((value) => {
      got.push(value);
      if (got.length === n) resolve(got);
    });
  });
}

/** A socket.io server on a random loopback port whose adapter is `adapter`; closed after the test. */
async function ioServer(ctx: Ctx, adapter: Adapter): Promise<{ io: Server; url: string }> {
  const httpServer = http.createServer();
  const io = new Server(httpServer, { adapter });
  // The adapter's close unsubscribes without waiting for the answer: give it time before its clients are destroyed.
  ctx.defer(() => new Promise<void>((resolve) => void io.close(() => setTimeout(resolve, 200))));
  await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
  return { io, url: `http://127.0.0.1:${(httpServer.address() as AddressInfo).port}` };
}

/** A socket.io client connected to `url`; closed after the test. */
async function ioClientOf(ctx: Ctx, url: string): Promise<ClientSocket> {
  const socket = ioClient(url, { transports: ['websocket'], reconnection: false });
  ctx.defer(() => socket.close());
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('connect_error', reject);
  });
  return socket;
}

/** Two socket.io servers through the cache: a client of each joins `room`; a broadcast from server A reaches both. */
async function roomBroadcast(ctx: Ctx, adapterOf: () => Promise<Adapter>): Promise<void> {
  const a = await ioServer(ctx, await adapterOf());
  const b = await ioServer(ctx, await adapterOf());
  for (const server of [a, b]) server.io.on('connection', (socket) => void socket.join('room'));
  const [onA, onB] = [await ioClientOf(ctx, a.url), await ioClientOf(ctx, b.url)];
  // A room joined on connection; the adapters' subscriptions are confirmed before the first emit.
  await new Promise((r) => setTimeout(r, 200));
  const got = Promise.all([onA, onB].map((c) => collect<string>(3, (push) => c.on('news', push))));
  for (const text of ['one', 'two', 'three']) a.io.to('room').emit('news', text);
  assert.equal(await withTimeout(got, 5_000, 'room broadcast'), [
    ['one', 'two', 'three'],
    ['one', 'two', 'three'],
  ]);
  // And back: server B's broadcast reaches server A's client.
  const back = collect<string>(1, (push) => onA.on('back', push));
  b.io.to('room').emit('back', 'from b');
  assert.equal(await withTimeout(back, 5_000, 'broadcast from b'), ['from b']);
}

clientSuites('Pub/Sub libraries', (test) => {
  test('ioredis: a subscriber gets messages and pattern messages from publishers on every worker', async (ctx) => {
    const sub = await ioredisClient(ctx);
    assert.is(await sub.subscribe('io:news'), 1);
    assert.is(await sub.psubscribe('io:*'), 2);
    const publishers = await Promise.all(Array.from({ length: ctx.target.workers + 1 }, () => ioredisClient(ctx)));
    const messages = collect<string>(2 * 20 * publishers.length, (push) => {
      sub.on('message', (channel: string, message: string) => push(`message ${channel} ${message}`));
      sub.on('pmessage', (pattern: string, channel: string, message: string) => push(`pmessage ${pattern} ${channel} ${message}`));
    });
    for (const [p, pub] of publishers.entries()) for (let i = 0; i < 20; i++) assert.is(await pub.publish('io:news', `${p}.${i}`), 2);
    const got = await withTimeout(messages, 5_000, 'messages');
    const expected = publishers.flatMap((_, p) => Array.from({ length: 20 }, (_, i) => [`message io:news ${p}.${i}`, `pmessage io:* io:news ${p}.${i}`]).flat());
    assert.equal(got, expected);
    assert.equal(await publishers[0].pubsub('NUMSUB', 'io:news'), ['io:news', 1]);
    await sub.unsubscribe();
    await sub.punsubscribe();
    assert.is(await publishers[0].publish('io:news', 'late'), 0);
  });

  test('node-redis (RESP3 and RESP2): SUBSCRIBE, PSUBSCRIBE and SSUBSCRIBE listeners', async (ctx) => {
    for (const resp of [undefined, 2] as const) {
      const n = `nr${resp ?? 3}`;
      const sub = await nodeRedisClient(ctx, resp);
      const pub = await nodeRedisClient(ctx, resp);
      const got = collect<string>(3, async (push) => {
        await sub.subscribe(`${n}:plain`, (message, channel) => push(`${channel} ${message}`));
        await sub.pSubscribe(`${n}:pa*`, (message, channel) => push(`p ${channel} ${message}`));
        await sub.sSubscribe(`${n}:shard`, (message, channel) => push(`s ${channel} ${message}`));
      });
      await new Promise((r) => setTimeout(r, 50));
      assert.is(await pub.publish(`${n}:other`, 'a'), 0);
      assert.is(await pub.publish(`${n}:plain`, 'a'), 1);
      assert.is(await pub.publish(`${n}:qat`, 'b'), 0);
      assert.is(await pub.publish(`${n}:pat`, 'b'), 1);
      assert.is(await pub.sPublish(`${n}:shard`, 'c'), 1);
      assert.equal(await withTimeout(got, 5_000, 'node-redis messages'), [`${n}:plain a`, `p ${n}:pat b`, `s ${n}:shard c`]);
      assert.equal(await pub.pubSubNumSub(`${n}:plain`), { [`${n}:plain`]: 1 });
      await sub.unsubscribe();
      await sub.pUnsubscribe();
      await sub.sUnsubscribe();
      assert.is(await pub.publish(`${n}:plain`, 'late'), 0);
    }
  });

  test('socket.io: two servers share a room through @socket.io/redis-adapter (ioredis, PSUBSCRIBE)', async (ctx) => {
    await roomBroadcast(ctx, async () => {
      const pub = await ioredisClient(ctx);
      return createAdapter(pub, pub.duplicate().on('error', () => {}));
    });
  });

  test('socket.io: the sharded adapter (node-redis, SSUBSCRIBE and SPUBLISH)', async (ctx) => {
    await roomBroadcast(ctx, async () => {
      const pub = await nodeRedisClient(ctx);
      const sub = pub.duplicate();
      sub.on('error', () => {});
      ctx.defer(() => sub.destroy());
      await sub.connect();
      return createShardedAdapter(pub, sub);
    });
  });
});
