import * as assert from 'uvu/assert';
import Redis from 'ioredis';
import { ioredisClient as connect } from './connect';
import { background, clientSuites, keysOnWorkers, loopFor, rejection, shardKeys } from './target';

type Commands = Redis & { incrBoth(k1: string, k2: string, by: number): Promise<number[]> };

clientSuites('ioredis', (test) => {
  test('connects and answers PING', async (ctx) => {
    const c = await connect(ctx);
    assert.is(c.status, 'ready');
    assert.is(await c.ping(), 'PONG');
    assert.is(await c.echo('hi there'), 'hi there');
  });

  test('strings: SET/GET with EX, INCR, MSET/MGET over keys on every worker, pipelines', async (ctx) => {
    const c = await connect(ctx);
    assert.is(await c.set('io:s', 'v1', 'EX', 100), 'OK');
    assert.is(await c.get('io:s'), 'v1');
    const ttl = await c.ttl('io:s');
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.is(await c.get('io:missing'), null);
    assert.is(await c.incrby('io:n', 41), 41);
    assert.is(await c.incr('io:n'), 42);

    const keys = shardKeys('io:m');
    assert.is(await c.mset(Object.fromEntries(keys.map((k, i) => [k, `v${i}`]))), 'OK');
    assert.equal(await c.mget(keys), keys.map((_, i) => `v${i}`));
    assert.equal(await c.mget('io:missing', keys[3]), [null, 'v3']);
    assert.is(await c.del(...keys), 16);

    const results = await c.pipeline().set('io:p', 'a').append('io:p', 'b').get('io:p').incr('io:p').exec();
    assert.equal(results?.slice(0, 3), [
      [null, 'OK'],
      [null, 2],
      [null, 'ab'],
    ]);
    assert.match(String(results?.[3][0]), 'ERR value is not an integer or out of range');
    const many = c.pipeline();
    for (let i = 0; i < 300; i++) many.set(keys[i % 16], String(i)).get(keys[i % 16]);
    const replies = (await many.exec())!;
    for (let i = 0; i < 300; i++) assert.equal(replies[2 * i + 1], [null, String(i)], `pipelined reply ${i} in order`);
  });

  test('MULTI/EXEC over keys on every worker', async (ctx) => {
    const c = await connect(ctx);
    const keys = shardKeys('io:tx');
    const multi = c.multi();
    keys.forEach((k, i) => multi.set(k, `t${i}`));
    multi.mget(...keys).incr(keys[5]).get(keys[5]);
    const results = (await multi.exec())!;
    assert.is(results.length, 19);
    for (let i = 0; i < 16; i++) assert.equal(results[i], [null, 'OK']);
    assert.equal(results[16], [null, keys.map((_, i) => `t${i}`)]);
    assert.match(String(results[17][0]), 'ERR value is not an integer');
    assert.equal(results[18], [null, 't5']);
  });

  test('WATCH: a write by another client makes EXEC return null; UNWATCH forgets', async (ctx) => {
    const [a, b] = await Promise.all([connect(ctx), connect(ctx)]);
    const [k1, k2] = keysOnWorkers('io:w', 2);
    await a.mset(k1, '1', k2, '1');
    assert.is(await a.watch(k1, k2), 'OK');
    assert.is(await b.set(k2, 'other'), 'OK');
    assert.is(await a.multi().set(k1, 'mine').set(k2, 'mine').exec(), null);
    assert.equal(await a.mget(k1, k2), ['1', 'other']);

    assert.is(await a.watch(k1), 'OK');
    assert.equal(await a.multi().set(k1, 'mine').exec(), [[null, 'OK']], 'no conflict: EXEC runs');
    assert.is(await a.watch(k1), 'OK');
    assert.is(await a.unwatch(), 'OK');
    await b.set(k1, 'again');
    assert.equal(await a.multi().get(k1).exec(), [[null, 'again']], 'after UNWATCH a write does not abort');
  });

  test('a reader never sees half of an EXEC over keys on different workers', async (ctx) => {
    const [writer, r1, r2] = await Promise.all([connect(ctx), connect(ctx), connect(ctx)]);
    const keys = keysOnWorkers('io:atom', 3);
    await writer.mset(Object.fromEntries(keys.map((k) => [k, '0'])));
    let stop = false;
    let writes = 0;
    const write = background(async () => {
      while (!stop) {
        const multi = writer.multi();
        writes++;
        for (const k of keys) multi.set(k, String(writes));
        await multi.exec();
      }
    });
    const torn: string[] = [];
    const check = (values: unknown[]) => {
      if (new Set(values).size !== 1) torn.push(JSON.stringify(values));
    };
    let reads = 0;
    try {
      await Promise.all([
        loopFor(2_000, async () => {
          check(await r1.mget(keys));
          reads++;
        }),
        loopFor(2_000, async () => {
          const multi = r2.multi();
          for (const k of keys) multi.get(k);
          check((await multi.exec())!.map(([err, v]) => err ?? v));
          reads++;
        }),
      ]);
    } finally {
      stop = true;
      await write;
    }
    assert.equal(torn.slice(0, 5), [], `${torn.length} of ${reads} reads saw part of an EXEC`);
    assert.ok(writes > 20 && reads > 20, `${writes} writes, ${reads} reads`);
  });

  test('a queue-time error aborts EXEC with EXECABORT and writes nothing', async (ctx) => {
    const c = await connect(ctx);
    const multi = c.multi().set('io:qa', 'v').call('NOSUCHCOMMAND', 'x').set('io:qb', 'v');
    const err = await rejection(multi.exec());
    assert.match(err.message, 'EXECABORT Transaction discarded because of previous errors.');
    const previous = (err as Error & { previousErrors?: Error[] }).previousErrors ?? [];
    assert.match(String(previous[0]?.message), "ERR unknown command 'NOSUCHCOMMAND'");
    assert.equal(await c.mget('io:qa', 'io:qb'), [null, null]);
    assert.match((await rejection(c.multi().call('SET', 'io:qa').exec())).message, 'EXECABORT', 'wrong arity is a queue-time error');
  });

  test('a runtime error inside EXEC fails that command alone', async (ctx) => {
    const c = await connect(ctx);
    const [k1, k2] = keysOnWorkers('io:rt', 2);
    const results = (await c.multi().set(k1, 'abc').incr(k1).set(k2, 'done').get(k1).exec())!;
    assert.equal(results[0], [null, 'OK']);
    assert.match(String(results[1][0]), 'ERR value is not an integer or out of range');
    assert.equal(results.slice(2), [
      [null, 'OK'],
      [null, 'abc'],
    ]);
    assert.is(await c.get(k2), 'done');
  });

  test('EVAL, SCRIPT LOAD + EVALSHA, defineCommand, EVAL_RO', async (ctx) => {
    const c = await connect(ctx);
    assert.equal(await c.eval("return {KEYS[1], ARGV[1], 3.9, true, false, 'x'}", 1, 'io:k', 'arg'), ['io:k', 'arg', 3, 1, null, 'x'], 'false is a nil inside the array');
    await c.set('io:e', '10');
    assert.is(await c.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", 1, 'io:e', 5), 15);
    const sha = (await c.script('LOAD', "return redis.call('GET', KEYS[1])")) as string;
    assert.match(sha, /^[0-9a-f]{40}$/);
    assert.equal(await c.script('EXISTS', sha, '0'.repeat(40)), [1, 0]);
    assert.is(await c.evalsha(sha, 1, 'io:e'), '15');
    assert.match((await rejection(c.evalsha('0'.repeat(40), 0))).message, /^NOSCRIPT/);

    const [k1, k2] = keysOnWorkers('io:def', 2);
    c.defineCommand('incrBoth', {
      numberOfKeys: 2,
      lua: "return {redis.call('INCRBY', KEYS[1], ARGV[1]), redis.call('INCRBY', KEYS[2], ARGV[1])}",
    });
    const commands = c as Commands;
    assert.equal(await commands.incrBoth(k1, k2, 2), [2, 2]);
    assert.equal(await commands.incrBoth(k1, k2, 3), [5, 5], 'EVALSHA after the first EVAL');
    assert.is(await c.script('FLUSH'), 'OK');
    assert.equal(await commands.incrBoth(k1, k2, 1), [6, 6], 'NOSCRIPT after a flush falls back to EVAL');

    assert.is(await c.eval_ro("return redis.call('GET', KEYS[1])", 1, 'io:e'), '15');
    const ro = await rejection(c.eval_ro("return redis.call('SET', KEYS[1], 'x')", 1, 'io:e'));
    assert.match(ro.message, 'Write commands are not allowed from read-only scripts');
    assert.is(await c.get('io:e'), '15');
  });

  test('a script over KEYS on two workers is atomic', async (ctx) => {
    const [writer, reader] = await Promise.all([connect(ctx), connect(ctx)]);
    const [k1, k2] = keysOnWorkers('io:lua', 2);
    const script = "redis.call('INCR', KEYS[1]); redis.call('INCR', KEYS[2]); return redis.call('GET', KEYS[1])";
    let stop = false;
    let runs = 0;
    const write = background(async () => {
      while (!stop) {
        await writer.eval(script, 2, k1, k2);
        runs++;
      }
    });
    const torn: string[] = [];
    let reads = 0;
    try {
      await loopFor(2_000, async () => {
        const [a, b] = await reader.mget(k1, k2);
        if (a !== b) torn.push(`${a} ${b}`);
        reads++;
      });
    } finally {
      stop = true;
      await write;
    }
    assert.equal(torn.slice(0, 5), [], `${torn.length} of ${reads} reads saw half a script`);
    assert.ok(runs > 20, `${runs} runs`);
    assert.equal(await reader.mget(k1, k2), [String(runs), String(runs)]);
  });

  test('hash-tagged keys in one script and one transaction', async (ctx) => {
    const c = await connect(ctx);
    const script = "redis.call('SET', KEYS[1], ARGV[1]); redis.call('SET', KEYS[2], ARGV[1]); return redis.call('MGET', KEYS[1], KEYS[2])";
    assert.equal(await c.eval(script, 2, '{user:7}:a', '{user:7}:b', 'x'), ['x', 'x']);
    assert.equal(await c.multi().incr('{user:7}:n').incr('{user:7}:m').exec(), [
      [null, 1],
      [null, 1],
    ]);
  });

  test('our server refuses a script that touches a key not in KEYS', async (ctx) => {
    const c = await connect(ctx);
    assert.is(await c.eval("return redis.call('SET', KEYS[1], 'x')", 1, 'io:declared'), 'OK', 'a declared key is fine');
    const err = await rejection(c.eval("return redis.call('SET', ARGV[1], 'x')", 0, 'io:undeclared'));
    assert.match(err.message, /^ERR/);
    assert.is(await c.get('io:undeclared'), null);
    const read = await rejection(c.eval("return redis.call('GET', 'io:declared')", 0));
    assert.match(read.message, /^ERR/, 'reads of an undeclared key too');
  }, { oursOnly: true });

  test('hashes: HSET/HGET/HGETALL/HINCRBY/HDEL/HSCAN and WRONGTYPE', async (ctx) => {
    const c = await connect(ctx);
    assert.is(await c.hset('io:h', { a: '1', b: '2' }), 2);
    assert.is(await c.hset('io:h', 'b', '3', 'c', '4'), 1);
    assert.is(await c.hget('io:h', 'b'), '3');
    assert.is(await c.hget('io:h', 'zz'), null);
    assert.equal(await c.hgetall('io:h'), { a: '1', b: '3', c: '4' });
    assert.equal(await c.hgetall('io:nohash'), {});
    assert.is(await c.hincrby('io:h', 'a', 41), 42);
    assert.is(await c.hdel('io:h', 'c', 'zz'), 1);
    assert.is(await c.hlen('io:h'), 2);
    assert.is(await c.type('io:h'), 'hash');

    const fields: Record<string, string> = {};
    for (let i = 0; i < 300; i++) fields[`f${i}`] = String(i);
    await c.hset('io:big', fields);
    const seen = new Map<string, string>();
    let cursor = '0';
    do {
      const [next, flat] = await c.hscan('io:big', cursor, 'COUNT', 50);
      for (let i = 0; i < flat.length; i += 2) seen.set(flat[i], flat[i + 1]);
      cursor = next;
    } while (cursor !== '0');
    assert.equal(Object.fromEntries(seen), fields);

    await c.set('io:str', 'v');
    const wrong = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    assert.is((await rejection(c.hset('io:str', 'f', 'v'))).message, wrong);
    assert.is((await rejection(c.get('io:h'))).message, wrong);
    assert.is((await rejection(c.incr('io:h'))).message, wrong);
  });
});
