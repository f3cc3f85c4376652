import * as assert from 'uvu/assert';
import { createKeyv } from '@keyv/redis';
import type { Keyv } from 'keyv';
import { nodeRedisClient } from './connect';
import { clientSuites, shardKeys, sleep, type Ctx } from './target';

/**
 * keyv 5 over @keyv/redis 5 (its own @redis/client 5, whose default is RESP2). Keys are
 * `<namespace>::<key>`; values keyv's JSON envelope. What it sends: GET, SET PX (a ttl), UNLINK
 * (delete), MGET (getMany), MULTI/EXEC (setMany, hasMany, deleteMany), and for clear and the
 * iterator SCAN MATCH <ns>::* COUNT 1000 TYPE string then UNLINK of each batch (MGET for the
 * iterator); without a namespace it only touches keys with no `::`.
 */
function store(ctx: Ctx, namespace?: string): Keyv {
  const keyv = createKeyv(
    { socket: { host: ctx.target.host, port: ctx.target.port, reconnectStrategy: false, connectTimeout: 3_000 } },
    // throwOnErrors: a failing command rejects instead of being swallowed into an 'error' event.
    { ...(namespace === undefined ? {} : { namespace }), throwOnErrors: true },
  );
  keyv.on('error', () => {});
  ctx.defer(() => keyv.disconnect());
  return keyv;
}

clientSuites('keyv', (test) => {
  test('set, get, has, delete; the stored key and value', async (ctx) => {
    const keyv = store(ctx, 'app');
    const raw = await nodeRedisClient(ctx, 2);
    assert.is(await keyv.set('user:1', { name: 'Ada', n: 1 }), true);
    assert.equal(await keyv.get('user:1'), { name: 'Ada', n: 1 });
    assert.is(await keyv.has('user:1'), true);
    assert.is(await keyv.get('nothing'), undefined);
    assert.equal(JSON.parse((await raw.get('app::user:1'))!).value, { name: 'Ada', n: 1 });
    assert.is(await raw.ttl('app::user:1'), -1);
    assert.is(await keyv.delete('user:1'), true);
    assert.is(await keyv.delete('user:1'), false);
    assert.is(await keyv.get('user:1'), undefined);
    assert.is(await raw.exists('app::user:1'), 0);
  });

  test('a ttl is a PX expiry: the server drops the key', async (ctx) => {
    const keyv = store(ctx, 'ttl');
    const raw = await nodeRedisClient(ctx, 2);
    await keyv.set('short', 'v', 300);
    await keyv.set('long', 'v', 60_000);
    const pttl = await raw.pTTL('ttl::short');
    assert.ok(pttl > 0 && pttl <= 300, `pttl ${pttl}`);
    assert.is(await keyv.get('short'), 'v');
    await sleep(450);
    assert.is(await raw.exists('ttl::short'), 0, 'expired on the server, not only in keyv');
    assert.is(await keyv.get('short'), undefined);
    assert.is(await keyv.get('long'), 'v');
  });

  test('setMany, getMany, hasMany, deleteMany over keys on every worker', async (ctx) => {
    const keyv = store(ctx, 'many');
    const keys = shardKeys('k');
    await keyv.setMany(keys.map((key, i) => ({ key, value: i })));
    assert.equal(await keyv.getMany(keys), keys.map((_, i) => i));
    assert.equal(await keyv.hasMany([keys[0], 'missing', keys[15]]), [true, false, true]);
    assert.is(await keyv.deleteMany(keys.slice(0, 8)), true);
    assert.equal(await keyv.getMany(keys.slice(6, 10)), [undefined, undefined, 8, 9]);
  });

  test('clear removes its namespace only (SCAN + UNLINK over every worker); the iterator walks it', async (ctx) => {
    const a = store(ctx, 'a');
    const b = store(ctx, 'b');
    const plain = store(ctx);
    const raw = await nodeRedisClient(ctx, 2);
    const keys = [...shardKeys('x'), ...shardKeys('y')];
    for (const key of keys) {
      await a.set(key, `a-${key}`);
      await b.set(key, `b-${key}`);
    }
    await plain.set('bare', 'v');
    const seen = new Map<string, unknown>();
    for await (const [key, value] of a.iterator!(undefined)) seen.set(key as string, value);
    assert.equal([...seen.keys()].sort(), [...keys].sort());
    assert.is(seen.get(keys[3]), `a-${keys[3]}`);

    await a.clear();
    assert.equal(await a.getMany(keys), keys.map(() => undefined));
    assert.equal(await b.getMany(keys), keys.map((k) => `b-${k}`));
    assert.is(await plain.get('bare'), 'v');
    assert.is((await raw.keys('a::*')).length, 0);

    await plain.clear();
    assert.is(await plain.get('bare'), undefined);
    assert.is((await raw.keys('b::*')).length, keys.length, 'a store without a namespace leaves namespaced keys');
  });

  test('clear leaves keys of other types (SCAN ... TYPE string)', async (ctx) => {
    const a = store(ctx, 'typed');
    const raw = await nodeRedisClient(ctx, 2);
    await a.set('s', 'v');
    assert.is(await raw.hSet('typed::h', 'f', 'v'), 1);
    await a.clear();
    assert.is(await a.get('s'), undefined);
    assert.is(await raw.type('typed::h'), 'hash');
  });
});
