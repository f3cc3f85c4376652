import * as assert from 'uvu/assert';
import { RESP_TYPES } from 'redis';
import { nodeRedisClient as connect } from './connect';
import { background, clientSuites, keysOnWorkers, loopFor, rejection, shardKeys } from './target';

clientSuites('node-redis', (test) => {
  test('connects with HELLO 3 and answers PING', async (ctx) => {
    const c = await connect(ctx);
    assert.ok(c.isReady);
    assert.is(await c.ping(), 'PONG');
    const hello = await c.hello();
    assert.is(hello.proto, 3);
    assert.is(hello.server, 'redis');
  });

  test('strings: SET/GET with EX, MSET/MGET over keys on every worker, pipelines', async (ctx) => {
    const c = await connect(ctx);
    assert.is(await c.set('nr:s', 'v1', { EX: 100 }), 'OK');
    assert.is(await c.get('nr:s'), 'v1');
    const ttl = await c.ttl('nr:s');
    assert.ok(ttl > 90 && ttl <= 100, `ttl ${ttl}`);
    assert.is(await c.get('nr:missing'), null);
    assert.is(await c.set('nr:s', 'v2', { NX: true }), null);
    assert.is(await c.incrBy('nr:n', 42), 42);

    const keys = shardKeys('nr:m');
    assert.is(await c.mSet(keys.map((k, i) => [k, `v${i}`] as [string, string])), 'OK');
    assert.equal(await c.mGet(keys), keys.map((_, i) => `v${i}`));
    assert.equal(await c.mGet(['nr:missing', keys[7]]), [null, 'v7']);
    assert.is(await c.del(keys), 16);

    assert.equal(await c.multi().set('nr:p', 'a').append('nr:p', 'b').get('nr:p').execAsPipeline(), ['OK', 2, 'ab']);
    // Commands issued in one tick go out in one write (node-redis pipelines them by itself).
    const replies = await Promise.all(Array.from({ length: 300 }, (_, i) => c.set(keys[i % 16], String(i)).then(() => c.get(keys[i % 16]))));
    assert.is(replies.length, 300);
    assert.equal(await c.mGet(keys), keys.map((_, s) => String(s + 16 * Math.floor((299 - s) / 16))), 'the last write to each key wins');
  });

  test('strings with RESP: 2 (no HELLO): SET/GET/EX, MSET/MGET on every worker, a pipeline', async (ctx) => {
    const c = await connect(ctx, 2);
    assert.is(await c.set('nr2:s', 'v', { EX: 100 }), 'OK');
    assert.is(await c.get('nr2:s'), 'v');
    assert.ok((await c.ttl('nr2:s')) > 90);
    assert.is(await c.get('nr2:missing'), null);
    const keys = shardKeys('nr2:m');
    assert.is(await c.mSet(keys.map((k, i) => [k, `v${i}`] as [string, string])), 'OK');
    assert.equal(await c.mGet(keys), keys.map((_, i) => `v${i}`));
    assert.equal(await c.multi().incr('nr2:n').incr('nr2:n').get('nr2:n').execAsPipeline(), [1, 2, '2']);
    assert.is(await c.del(keys), 16);
  });

  test('MULTI/EXEC over keys on every worker', async (ctx) => {
    const c = await connect(ctx);
    const keys = shardKeys('nr:tx');
    const multi = c.multi();
    keys.forEach((k, i) => multi.set(k, `t${i}`));
    const results = await multi.mGet(keys).get(keys[9]).exec();
    assert.equal(results.slice(0, 16), Array(16).fill('OK'));
    assert.equal(results[16], keys.map((_, i) => `t${i}`));
    assert.is(results[17], 't9');
  });

  test('WATCH: a write by another client aborts EXEC (null, which node-redis throws as WatchError)', async (ctx) => {
    const [a, b] = await Promise.all([connect(ctx), connect(ctx)]);
    const [k1, k2] = keysOnWorkers('nr:w', 2);
    await a.mSet([
      [k1, '1'],
      [k2, '1'],
    ]);
    assert.is(await a.watch([k1, k2]), 'OK');
    assert.is(await b.set(k1, 'other'), 'OK');
    const err = await rejection(a.multi().set(k1, 'mine').set(k2, 'mine').exec());
    assert.is(err.constructor.name, 'WatchError');
    assert.equal(await a.mGet([k1, k2]), ['other', '1']);
    assert.is(await a.watch(k2), 'OK');
    assert.equal(await a.multi().set(k2, 'mine').exec(), ['OK'], 'no conflict: EXEC runs');
  });

  test('a reader never sees half of an EXEC over keys on different workers', async (ctx) => {
    const [writer, r1, r2] = await Promise.all([connect(ctx), connect(ctx), connect(ctx)]);
    const keys = keysOnWorkers('nr:atom', 3);
    await writer.mSet(keys.map((k) => [k, '0'] as [string, string]));
    let stop = false;
    let writes = 0;
    const write = background(async () => {
      while (!stop) {
        const value = String(++writes);
        const multi = writer.multi();
        for (const k of keys) multi.set(k, value);
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
          check(await r1.mGet(keys));
          reads++;
        }),
        loopFor(2_000, async () => {
          const multi = r2.multi();
          for (const k of keys) multi.get(k);
          check(await multi.exec());
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
    const err = await rejection(c.multi().set('nr:qa', 'v').addCommand(['NOSUCHCOMMAND']).set('nr:qb', 'v').exec());
    assert.match(err.message, "ERR unknown command 'NOSUCHCOMMAND'", 'node-redis reports the queued error');
    assert.equal(await c.mGet(['nr:qa', 'nr:qb']), [null, null]);
    // The same by hand, to see EXECABORT itself.
    const raw = await connect(ctx);
    assert.is(await raw.sendCommand(['MULTI']), 'OK');
    assert.is(await raw.sendCommand(['SET', 'nr:qa', 'v']), 'QUEUED');
    assert.match((await rejection(raw.sendCommand(['SET', 'nr:qa']))).message, "ERR wrong number of arguments for 'set' command");
    assert.is((await rejection(raw.sendCommand(['EXEC']))).message, 'EXECABORT Transaction discarded because of previous errors.');
    assert.is(await c.get('nr:qa'), null);
  });

  test('a runtime error inside EXEC fails that command alone', async (ctx) => {
    const c = await connect(ctx);
    const [k1, k2] = keysOnWorkers('nr:rt', 2);
    const err = (await rejection(c.multi().set(k1, 'abc').incr(k1).set(k2, 'done').exec())) as Error & {
      replies: unknown[];
      errorIndexes: number[];
    };
    assert.is(err.constructor.name, 'MultiErrorReply');
    assert.equal(err.errorIndexes, [1]);
    assert.is(err.replies[0], 'OK');
    assert.match(String((err.replies[1] as Error).message), 'ERR value is not an integer or out of range');
    assert.is(err.replies[2], 'OK');
    assert.is(await c.get(k2), 'done');
  });

  test('EVAL, SCRIPT LOAD + EVALSHA, SCRIPT EXISTS, EVAL_RO', async (ctx) => {
    const c = await connect(ctx);
    assert.equal(await c.eval("return {1, 2.9, true, false, 'x'}"), [1, 2, 1, null, 'x']);
    await c.set('nr:e', '10');
    assert.is(await c.eval("return redis.call('INCRBY', KEYS[1], ARGV[1])", { keys: ['nr:e'], arguments: ['5'] }), 15);
    const sha = await c.scriptLoad("return redis.call('GET', KEYS[1])");
    assert.equal(await c.scriptExists([sha, '0'.repeat(40)]), [1, 0]);
    assert.is(await c.evalSha(sha, { keys: ['nr:e'] }), '15');
    assert.is(await c.evalShaRo(sha, { keys: ['nr:e'] }), '15');
    assert.is(await c.evalRo("return redis.call('GET', KEYS[1])", { keys: ['nr:e'] }), '15');
    assert.match((await rejection(c.evalRo("return redis.call('DEL', KEYS[1])", { keys: ['nr:e'] }))).message, 'Write commands are not allowed from read-only scripts');
    assert.is(await c.scriptFlush(), 'OK');
    assert.match((await rejection(c.evalSha(sha))).message, /^NOSCRIPT/);
  });

  test('a script over KEYS on two workers is atomic', async (ctx) => {
    const [writer, reader] = await Promise.all([connect(ctx), connect(ctx)]);
    const [k1, k2] = keysOnWorkers('nr:lua', 2);
    const script = "redis.call('INCR', KEYS[1]); return redis.call('INCR', KEYS[2])";
    let stop = false;
    let runs = 0;
    const write = background(async () => {
      while (!stop) {
        await writer.eval(script, { keys: [k1, k2] });
        runs++;
      }
    });
    const torn: string[] = [];
    let reads = 0;
    try {
      await loopFor(2_000, async () => {
        const [a, b] = await reader.mGet([k1, k2]);
        if (a !== b) torn.push(`${a} ${b}`);
        reads++;
      });
    } finally {
      stop = true;
      await write;
    }
    assert.equal(torn.slice(0, 5), [], `${torn.length} of ${reads} reads saw half a script`);
    assert.equal(await reader.mGet([k1, k2]), [String(runs), String(runs)]);
  });

  test('our server refuses a script that touches a key not in KEYS', async (ctx) => {
    const c = await connect(ctx);
    assert.is(await c.eval("return redis.call('SET', KEYS[1], 'x')", { keys: ['nr:declared'] }), 'OK');
    assert.match((await rejection(c.eval("return redis.call('SET', ARGV[1], 'x')", { arguments: ['nr:undeclared'] }))).message, /^ERR/);
    assert.is(await c.get('nr:undeclared'), null);
  }, { oursOnly: true });

  test('hashes: HSET/HGET/HGETALL (a map)/HINCRBY/HDEL/HSCAN and WRONGTYPE', async (ctx) => {
    const c = await connect(ctx);
    assert.is(await c.hSet('nr:h', { a: '1', b: '2' }), 2);
    assert.is(await c.hSet('nr:h', 'c', '3'), 1);
    assert.is(await c.hGet('nr:h', 'b'), '2');
    assert.is(await c.hGet('nr:h', 'zz'), null);
    assert.equal({ ...(await c.hGetAll('nr:h')) }, { a: '1', b: '2', c: '3' });
    assert.equal({ ...(await c.hGetAll('nr:none')) }, {});
    assert.is(await c.hIncrBy('nr:h', 'a', 41), 42);
    assert.is(await c.hDel('nr:h', ['c', 'zz']), 1);
    assert.is(await c.hLen('nr:h'), 2);
    const fields = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`f${i}`, String(i)]));
    await c.hSet('nr:big', fields);
    const seen: Record<string, string> = {};
    let cursor = '0';
    do {
      const page = await c.hScan('nr:big', cursor, { COUNT: 40 });
      for (const { field, value } of page.entries) seen[field] = value;
      cursor = String(page.cursor);
    } while (cursor !== '0');
    assert.equal(seen, fields);
    await c.set('nr:str', 'v');
    const wrong = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    assert.is((await rejection(c.hSet('nr:str', 'f', 'v'))).message, wrong);
    assert.is((await rejection(c.get('nr:h'))).message, wrong);
  });

  test('RESP3 types: null for a missing key, a map for HGETALL and CONFIG GET', async (ctx) => {
    const c = await connect(ctx);
    await c.hSet('nr:resp3', { x: '1', y: '2' });
    // sendCommand skips node-redis's per-command reply transforms: this is what the wire said.
    assert.is(await c.sendCommand(['GET', 'nr:nothing']), null);
    assert.equal(await c.sendCommand(['MGET', 'nr:nothing', 'nr:nothing']), [null, null]);
    const asMaps = c.withTypeMapping({ [RESP_TYPES.MAP]: Map });
    const hash = (await asMaps.sendCommand(['HGETALL', 'nr:resp3'])) as unknown;
    assert.instance(hash, Map, 'HGETALL is a RESP3 map');
    assert.equal([...(hash as Map<string, string>)], [
      ['x', '1'],
      ['y', '2'],
    ]);
    const config = (await asMaps.sendCommand(['CONFIG', 'GET', 'maxmemory-policy'])) as unknown;
    assert.instance(config, Map, 'CONFIG GET is a RESP3 map');
    assert.ok((config as Map<string, string>).has('maxmemory-policy'));
    const plain = await c.configGet('save');
    assert.equal(Object.keys(plain), ['save']);
    assert.instance(await asMaps.hGetAll('nr:none'), Map, 'an empty map for a missing hash');
  });
});
