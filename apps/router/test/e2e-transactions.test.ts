import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, sleep, startCluster, type Cluster, type Resp } from './harness';

/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH on 2 and 3 workers: Redis's replies, keys on every
 * worker in one EXEC, WATCH conflicts (a write, an expiry), and no reader ever seeing half of an
 * EXEC whose keys live on different workers.
 */
for (const workers of [2, 3]) {
  const t = suite(`e2e: MULTI/EXEC on ${workers} workers`);
  let cluster: Cluster;
  const clients: RespClient[] = [];
  const connect = async (): Promise<RespClient> => {
    const c = await RespClient.connect(cluster.port);
    clients.push(c);
    return c;
  };
  // One key per shard, so one EXEC touches every worker.
  const keys = keysPerShard(`tx${workers}:`, shardOfString);

  t.before(async () => {
    cluster = await startCluster({ workers });
  });
  t.after(async () => {
    for (const c of clients) c.close();
    await cluster?.stop();
  });

  t('EXEC runs queued commands over every worker, replies in order', async () => {
    const c = await connect();
    assert.equal(await c.call('MULTI'), 'OK');
    for (const [i, key] of keys.entries()) assert.equal(await c.call('SET', key, String(i)), 'QUEUED');
    assert.equal(await c.call('INCR', keys[3]), 'QUEUED');
    assert.equal(await c.call('MGET', ...keys.slice(0, 4), 'tx:missing'), 'QUEUED');
    assert.equal(await c.call('MSET', keys[0], 'a', keys[15], 'b'), 'QUEUED');
    assert.equal(await c.call('DEL', keys[1], keys[14]), 'QUEUED');
    assert.equal(await c.call('PING'), 'QUEUED');
    const reply = (await c.call('EXEC')) as Resp[];
    assert.equal(reply.length, keys.length + 5);
    assert.equal(reply.slice(0, keys.length), keys.map(() => 'OK'));
    assert.equal(reply.slice(keys.length), [4, ['0', '1', '2', '4', null], 'OK', 2, 'PONG']);
    assert.equal(await c.call('MGET', keys[0], keys[1], keys[15]), ['a', null, 'b']);
    // An empty transaction.
    await c.call('MULTI');
    assert.equal(await c.call('EXEC'), []);
  });

  t('a command refused while queuing aborts EXEC; an error while running fails that command only', async () => {
    const c = await connect();
    await c.call('MULTI');
    await c.call('SET', keys[2], 'never');
    assert.equal(await c.call('NOSUCH'), { error: "ERR unknown command 'NOSUCH', with args beginning with: " });
    assert.equal(await c.call('GET'), { error: "ERR wrong number of arguments for 'get' command" });
    assert.equal(await c.call('EXEC'), { error: 'EXECABORT Transaction discarded because of previous errors.' });
    assert.equal(await c.call('GET', keys[2]), '2');
    await c.call('SET', keys[5], 'text');
    await c.call('MULTI');
    await c.call('INCR', keys[5]);
    await c.call('SET', keys[6], 'written');
    assert.equal(await c.call('EXEC'), [{ error: 'ERR value is not an integer or out of range' }, 'OK']);
    assert.equal(await c.call('GET', keys[6]), 'written');
  });

  t("Redis's errors for EXEC, DISCARD, MULTI and WATCH out of place", async () => {
    const c = await connect();
    assert.equal(await c.call('EXEC'), { error: 'ERR EXEC without MULTI' });
    assert.equal(await c.call('DISCARD'), { error: 'ERR DISCARD without MULTI' });
    await c.call('MULTI');
    assert.equal(await c.call('MULTI'), { error: 'ERR MULTI calls can not be nested' });
    assert.equal(await c.call('WATCH', keys[0]), { error: 'ERR WATCH inside MULTI is not allowed' });
    await c.call('SET', keys[7], 'discarded');
    assert.equal(await c.call('DISCARD'), 'OK');
    assert.equal(await c.call('GET', keys[7]), '7');
  });

  t('WATCH: a write by another client, on any worker, makes EXEC answer nil', async () => {
    const [a, b] = [await connect(), await connect()];
    for (const key of [keys[0], keys[15]]) {
      assert.equal(await a.call('WATCH', key, keys[8]), 'OK');
      await b.call('SET', key, 'theirs');
      await a.call('MULTI');
      await a.call('SET', key, 'mine');
      assert.equal(await a.call('EXEC'), null);
      assert.equal(await a.call('GET', key), 'theirs');
      // Nothing changed this time: EXEC runs.
      await a.call('WATCH', key);
      await a.call('MULTI');
      await a.call('SET', key, 'mine');
      assert.equal(await a.call('EXEC'), ['OK']);
      // UNWATCH forgets.
      await a.call('WATCH', key);
      await b.call('SET', key, 'again');
      await a.call('UNWATCH');
      await a.call('MULTI');
      await a.call('GET', key);
      assert.equal(await a.call('EXEC'), ['again']);
    }
    // A key that did not exist and was created meanwhile.
    await a.call('WATCH', 'tx:fresh');
    await b.call('SET', 'tx:fresh', '1');
    await a.call('MULTI');
    await a.call('GET', 'tx:fresh');
    assert.equal(await a.call('EXEC'), null);
  });

  t('WATCH: a key that expires before EXEC makes it answer nil, as in Redis', async () => {
    const a = await connect();
    await a.call('SET', keys[9], 'v', 'PX', '40');
    await a.call('WATCH', keys[9]);
    await sleep(80);
    await a.call('MULTI');
    await a.call('SET', keys[9], 'late');
    assert.equal(await a.call('EXEC'), null);
  });

  t('no reader sees half of an EXEC over keys on different workers', async () => {
    const writer = await connect();
    const readers = [await connect(), await connect(), await connect()];
    const [x, y] = [keys[1], keys[14]];
    await writer.call('MSET', x, '0', y, '0');
    let stop = false;
    let torn = 0;
    let reads = 0;
    const read = async (c: RespClient, i: number): Promise<void> => {
      while (!stop) {
        const pair = i % 2 === 0 ? ((await c.call('MGET', x, y)) as Resp[]) : ((await c.pipeline([['MULTI'], ['GET', x], ['GET', y], ['EXEC']]))[3] as Resp[]);
        reads++;
        if (pair[0] !== pair[1]) torn++;
      }
    };
    const running = readers.map((c, i) => read(c, i));
    const until = Date.now() + 1500;
    let n = 0;
    while (Date.now() < until) {
      n++;
      const replies = await writer.pipeline([['MULTI'], ['SET', x, String(n)], ['SET', y, String(n)], ['EXEC']]);
      assert.equal(replies[3], ['OK', 'OK']);
    }
    stop = true;
    await Promise.all(running);
    assert.ok(reads > 50 && n > 50, `reads ${reads}, writes ${n}`);
    assert.is(torn, 0, `${torn} of ${reads} reads saw half a transaction`);
  });

  t('clients that go away mid-EXEC or mid-script leave no worker held', async () => {
    for (let i = 0; i < 20; i++) {
      const gone = await connect();
      const argv: string[][] = [['MULTI'], ...keys.map((key) => ['SET', key, `gone${i}`]), ['EXEC']];
      if (i % 2 === 1) argv.push(['EVAL', "for i = 1, 200 do redis.call('INCR', KEYS[1]) redis.call('INCR', KEYS[2]) end", '2', 'tx:c1', 'tx:c2']);
      gone.text.send(Buffer.concat(argv.map((a) => RespClient.encode(...a))));
      if (i % 3 === 0) await sleep(1);
      gone.close();
    }
    // Every worker still serves everyone, and each EXEC was whole or not at all.
    const c = await connect();
    const values = (await c.call('MGET', ...keys)) as string[];
    assert.is(new Set(values).size, 1, `one EXEC's values on every key: ${JSON.stringify(values)}`);
    for (const key of keys) assert.equal(await c.call('SET', key, 'after'), 'OK');
  });

  t('MSETNX inside MULTI across workers is all or nothing', async () => {
    const c = await connect();
    await c.call('DEL', keys[4], keys[12]);
    await c.call('MULTI');
    await c.call('MSETNX', keys[4], 'a', keys[12], 'b');
    await c.call('MSETNX', keys[4], 'c', 'tx:other', 'd');
    assert.equal(await c.call('EXEC'), [1, 0]);
    assert.equal(await c.call('MGET', keys[4], keys[12], 'tx:other'), ['a', 'b', null]);
  });

  t.run();
}
