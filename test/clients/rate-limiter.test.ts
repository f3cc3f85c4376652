import * as assert from 'uvu/assert';
import { RateLimiterRedis, RateLimiterRedisNonAtomic, RateLimiterRes } from 'rate-limiter-flexible';
import { ioredisClient, nodeRedisClient } from './connect';
import { clientSuites, type Ctx } from './target';

/**
 * rate-limiter-flexible over both client libraries. RateLimiterRedis is the atomic one: one Lua
 * script (SET NX EX, INCRBY, PTTL) per consume, through ioredis's defineCommand (EVALSHA, EVAL on
 * NOSCRIPT) or node-redis's EVAL (`useRedisPackage: true`, as its docs say for node-redis);
 * block/penalty/get use MULTI. RateLimiterRedisNonAtomic reads (MULTI GET PTTL) then writes
 * (MULTI SET EX): no script, but its concurrent consumes can race by design.
 */
type Library = 'ioredis' | 'node-redis';
const LIBRARIES: Library[] = ['ioredis', 'node-redis'];
const CLIENTS = 20;
const PER_CLIENT = 5;
const POINTS = 37;

async function store(ctx: Ctx, library: Library): Promise<{ storeClient: unknown; useRedisPackage?: boolean }> {
  if (library === 'ioredis') return { storeClient: await ioredisClient(ctx) };
  return { storeClient: await nodeRedisClient(ctx), useRedisPackage: true };
}

/** Fires every consume at once; returns how many were admitted and what the others rejected with. */
async function hammer(limiters: { consume(key: string): Promise<RateLimiterRes> }[], key: string) {
  const outcomes = await Promise.allSettled(limiters.flatMap((l) => Array.from({ length: PER_CLIENT }, () => l.consume(key))));
  const admitted = outcomes.filter((o) => o.status === 'fulfilled').length;
  const errors = outcomes.flatMap((o) => (o.status === 'rejected' && !(o.reason instanceof RateLimiterRes) ? [String(o.reason)] : []));
  return { admitted, errors };
}

clientSuites('rate-limiter-flexible', (test) => {
  for (const library of LIBRARIES) {
    test(`RateLimiterRedis (${library}): ${CLIENTS} concurrent clients admit exactly its points`, async (ctx) => {
      const keyPrefix = `rl-${library}`;
      const stores = await Promise.all(Array.from({ length: CLIENTS }, () => store(ctx, library)));
      const limiters = stores.map((s) => new RateLimiterRedis({ ...s, keyPrefix, points: POINTS, duration: 60 }));
      const { admitted, errors } = await hammer(limiters, 'user1');
      assert.equal(errors.slice(0, 2), [], `${errors.length} refusals were errors, not a RateLimiterRes`);
      assert.is(admitted, POINTS);
      const state = await limiters[0].get('user1');
      assert.is(state?.consumedPoints, CLIENTS * PER_CLIENT);
      assert.is(state?.remainingPoints, 0);
      assert.ok(state!.msBeforeNext > 55_000 && state!.msBeforeNext <= 60_000, `msBeforeNext ${state?.msBeforeNext}`);
    });

    test(`RateLimiterRedis (${library}): penalty, reward, block, delete`, async (ctx) => {
      const limiter = new RateLimiterRedis({ ...(await store(ctx, library)), keyPrefix: `rlp-${library}`, points: 5, duration: 30 });
      assert.is((await limiter.consume('u', 2)).remainingPoints, 3);
      assert.is((await limiter.penalty('u', 1)).remainingPoints, 2);
      assert.is((await limiter.reward('u', 2)).remainingPoints, 4);
      const refused = await limiter.consume('u', 5).then(
        () => null,
        (res: unknown) => res,
      );
      assert.instance(refused, RateLimiterRes);
      const blocked = await limiter.block('b', 20);
      assert.ok(blocked.msBeforeNext > 15_000 && blocked.msBeforeNext <= 20_000, `block ${blocked.msBeforeNext}`);
      assert.is((await limiter.get('b'))?.consumedPoints, 6, 'block sets points + 1');
      assert.is(await limiter.delete('b'), true);
      assert.is(await limiter.get('b'), null);
      assert.is(await limiter.delete('b'), false);
    });

    test(`RateLimiterRedisNonAtomic (${library}): one client admits exactly its points; ${CLIENTS} concurrent ones are not refused wrongly`, async (ctx) => {
      const keyPrefix = `rln-${library}`;
      const one = new RateLimiterRedisNonAtomic({ ...(await store(ctx, library)), keyPrefix, points: 7, duration: 60 });
      let admitted = 0;
      for (let i = 0; i < 12; i++) {
        admitted += await one.consume('seq').then(
          () => 1,
          (res: unknown) => {
            if (!(res instanceof RateLimiterRes)) throw res;
            return 0;
          },
        );
      }
      assert.is(admitted, 7);
      const state = await one.get('seq');
      assert.is(state?.consumedPoints, 12);
      assert.ok(state!.msBeforeNext > 55_000, `msBeforeNext ${state?.msBeforeNext}`);

      // Read-then-write: concurrent consumes may overwrite each other (the library's own caveat),
      // so it may admit more than its points, never fewer, and must not fail.
      const stores = await Promise.all(Array.from({ length: CLIENTS }, () => store(ctx, library)));
      const limiters = stores.map((s) => new RateLimiterRedisNonAtomic({ ...s, keyPrefix, points: POINTS, duration: 60 }));
      const run = await hammer(limiters, 'user1');
      assert.equal(run.errors.slice(0, 2), [], `${run.errors.length} errors`);
      assert.ok(run.admitted >= POINTS && run.admitted <= CLIENTS * PER_CLIENT, `admitted ${run.admitted}`);
    });
  }
});
