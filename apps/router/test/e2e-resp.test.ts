import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { keysPerShard, RespClient, sleep, startCluster, TextClient, type Cluster } from './harness';


for (const workers of [2, 3]) {
  const name = `e2e: RESP on ${workers} workers`;
  const t = suite(name);
  const skips = new Skips(name);
  let cluster: Cluster;
  let c: RespClient;

  t.before(async () => {
    cluster = await startCluster({ workers, args: ['--proto-max-bulk-len', '1mb'] });
    c = await RespClient.connect(cluster.port);
  });
  t.after(async () => {
    c.close();
    assert.is(await cluster.stop(), 0);
  });

  t('answers connection commands as Redis 7 does', async () => {
    assert.is(await c.call('PING'), 'PONG');
    assert.is(await c.call('ping', 'hello'), 'hello');
    assert.is(await c.call('ECHO', 'a b'), 'a b');
    assert.is(await c.call('SELECT', '0'), 'OK');
    assert.equal(await c.call('SELECT', '1'), { error: 'ERR DB index is out of range' });
    const hello = (await c.call('HELLO', '2')) as unknown[];
    assert.equal(hello.slice(0, 6), ['server', 'redis', 'version', '7.0.0', 'proto', 2]);
    assert.equal(await c.call('HELLO', '4'), { error: 'NOPROTO unsupported protocol version' });
    assert.is(await c.call('CLIENT', 'SETNAME', 'tester'), 'OK');
    assert.is(await c.call('CLIENT', 'GETNAME'), 'tester');
    assert.type(await c.call('CLIENT', 'ID'), 'number');
    const time = (await c.call('TIME')) as string[];
    assert.ok(Math.abs(Number(time[0]) - Date.now() / 1000) < 5);
    assert.ok(((await c.call('COMMAND', 'COUNT')) as number) > 30);
    assert.equal(await c.call('CONFIG', 'GET', 'save'), ['save', '']);
    assert.equal(await c.call('CONFIG', 'GET', 'appendonly'), ['appendonly', 'no']);
    assert.equal(await c.call('NOSUCH', 'x'), { error: "ERR unknown command 'NOSUCH', with args beginning with: 'x' " });
    assert.equal(await c.call('GET'), { error: "ERR wrong number of arguments for 'get' command" });
    assert.equal(await c.call('AUTH', 'secret'), {
      error: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    });
    assert.is(await c.call('PING'), 'PONG', 'errors keep the connection open');
  });

  t('SET with its options, and the string family', async () => {
    assert.is(await c.call('SET', 's1', 'v1'), 'OK');
    assert.is(await c.call('GET', 's1'), 'v1');
    assert.is(await c.call('SET', 's1', 'v2', 'NX'), null);
    assert.is(await c.call('SET', 's1', 'v2', 'XX', 'GET'), 'v1');
    assert.is(await c.call('SET', 'none', 'v', 'XX'), null);
    assert.is(await c.call('SET', 's2', 'v', 'EX', '100'), 'OK');
    assert.ok(((await c.call('PTTL', 's2')) as number) > 99_000);
    assert.is(await c.call('SET', 's2', 'w', 'KEEPTTL'), 'OK');
    assert.ok(((await c.call('TTL', 's2')) as number) >= 99);
    assert.is(await c.call('SET', 's2', 'x'), 'OK');
    assert.is(await c.call('TTL', 's2'), -1, 'a plain SET clears the TTL');
    assert.equal(await c.call('SET', 'k', 'v', 'EX', '0'), { error: "ERR invalid expire time in 'set' command" });
    assert.equal(await c.call('SET', 'k', 'v', 'EX', 'ten'), { error: 'ERR value is not an integer or out of range' });
    assert.equal(await c.call('SET', 'k', 'v', 'NX', 'XX'), { error: 'ERR syntax error' });
    // Redis computes in int64 ms: 2^53 s is a time (past JS's safe integers); 10^16 s overflows.
    assert.is(await c.call('SET', 'k', 'v', 'EX', '9007199254740991'), 'OK');
    assert.equal(await c.call('SET', 'k', 'v', 'EX', '10000000000000000'), { error: "ERR invalid expire time in 'set' command" });
    assert.is(await c.call('SETNX', 's3', 'a'), 1);
    assert.is(await c.call('SETNX', 's3', 'b'), 0);
    assert.is(await c.call('SETEX', 's4', '100', 'v'), 'OK');
    assert.is(await c.call('TTL', 's4'), 100);
    assert.is(await c.call('PSETEX', 's5', '100000', 'v'), 'OK');
    assert.equal(await c.call('SETEX', 's4', '-1', 'v'), { error: "ERR invalid expire time in 'setex' command" });
    assert.is(await c.call('GETSET', 's3', 'c'), 'a');
    assert.is(await c.call('GETDEL', 's3'), 'c');
    assert.is(await c.call('GET', 's3'), null);
    assert.is(await c.call('GETEX', 's1', 'PX', '50000'), 'v2');
    assert.ok(((await c.call('PTTL', 's1')) as number) > 40_000);
    assert.is(await c.call('GETEX', 's1', 'PERSIST'), 'v2');
    assert.is(await c.call('TTL', 's1'), -1);
    assert.is(await c.call('APPEND', 'ap', 'Hello'), 5);
    assert.is(await c.call('APPEND', 'ap', ' World'), 11);
    assert.is(await c.call('STRLEN', 'ap'), 11);
    assert.is(await c.call('STRLEN', 'nothing'), 0);
  });

  t('counters: INCR family with Redis errors at the int64 edges', async () => {
    assert.is(await c.call('INCR', 'n'), 1);
    assert.is(await c.call('INCRBY', 'n', '41'), 42);
    assert.is(await c.call('DECR', 'n'), 41);
    assert.is(await c.call('DECRBY', 'n', '50'), -9);
    assert.is(await c.call('SET', 'big', '9223372036854775806'), 'OK');
    assert.is(await c.call('INCR', 'big'), 9223372036854775807);
    assert.equal(await c.call('INCR', 'big'), { error: 'ERR increment or decrement would overflow' });
    assert.is(await c.call('GET', 'big'), '9223372036854775807');
    assert.is(await c.call('SET', 'word', 'abc'), 'OK');
    assert.equal(await c.call('INCR', 'word'), { error: 'ERR value is not an integer or out of range' });
    assert.equal(await c.call('INCRBY', 'n', '1.5'), { error: 'ERR value is not an integer or out of range' });
    assert.is(await c.call('INCRBYFLOAT', 'f', '0.1'), '0.1');
    assert.is(await c.call('INCRBYFLOAT', 'f', '0.2'), '0.3');
    assert.is(await c.call('INCRBYFLOAT', 'f', '-5'), '-4.7');
    assert.equal(await c.call('INCRBYFLOAT', 'word', '1'), { error: 'ERR value is not a valid float' });
    assert.is(await c.call('INCRBYFLOAT', 'huge', '1e21'), '1000000000000000000000', 'plain decimal, as Redis prints it');
    assert.is(await c.call('INCRBYFLOAT', 'tiny', '1e-7'), '0.0000001');
  });

  t('key commands: EXPIRE family, TTL, PERSIST, TYPE', async () => {
    assert.is(await c.call('SET', 'e1', 'v'), 'OK');
    assert.is(await c.call('EXPIRE', 'e1', '100'), 1);
    assert.is(await c.call('TTL', 'e1'), 100);
    assert.is(await c.call('EXPIRE', 'e1', '50', 'GT'), 0);
    assert.is(await c.call('EXPIRE', 'e1', '50', 'LT'), 1);
    assert.is(await c.call('EXPIRE', 'e1', '500', 'NX'), 0);
    assert.is(await c.call('PERSIST', 'e1'), 1);
    assert.is(await c.call('PERSIST', 'e1'), 0);
    assert.is(await c.call('TTL', 'e1'), -1);
    assert.is(await c.call('TTL', 'missing'), -2);
    assert.is(await c.call('PTTL', 'missing'), -2);
    assert.is(await c.call('EXPIRE', 'missing', '10'), 0);
    assert.is(await c.call('EXPIRE', 'ap', '9007199254740991'), 1, 'a time (2^53 s): Redis takes it');
    assert.equal(await c.call('EXPIRE', 'ap', '10000000000000000'), { error: "ERR invalid expire time in 'expire' command" });
    assert.is(await c.call('PEXPIRE', 'e1', '100000'), 1);
    assert.ok(((await c.call('PTTL', 'e1')) as number) > 99_000);
    assert.is(await c.call('EXPIREAT', 'e1', String(Math.floor(Date.now() / 1000) + 1000)), 1);
    assert.ok(((await c.call('TTL', 'e1')) as number) > 990);
    assert.is(await c.call('PEXPIREAT', 'e1', String(Date.now() - 1)), 1, 'a time in the past deletes');
    assert.is(await c.call('EXISTS', 'e1'), 0);
    assert.is(await c.call('TYPE', 'ap'), 'string');
    assert.is(await c.call('TYPE', 'missing'), 'none');
  });

  t('MGET, DEL, EXISTS, TOUCH, UNLINK over keys on all 16 shards keep the key order', async () => {
    const keys = keysPerShard(`m${workers}-`, shardOfString);
    for (const k of keys) assert.is(await c.call('SET', k, `v-${k}`), 'OK');
    const probe = [...keys, 'absent', keys[3]];
    assert.equal(await c.call('MGET', ...probe), [...keys.map((k) => `v-${k}`), null, `v-${keys[3]}`]);
    assert.is(await c.call('EXISTS', ...probe), 17, 'a repeated key counts twice, as in Redis');
    assert.is(await c.call('TOUCH', ...keys), 16);
    assert.is(await c.call('DEL', ...keys.slice(0, 8), 'absent'), 8);
    assert.is(await c.call('UNLINK', ...keys.slice(8)), 8);
    assert.equal(await c.call('MGET', ...keys), keys.map(() => null));
  });

  t('MSET and MSETNX over keys on all 16 shards are all-or-nothing', async () => {
    const keys = keysPerShard(`ms${workers}-`, shardOfString);
    assert.is(await c.call('MSET', ...keys.flatMap((k) => [k, `one-${k}`])), 'OK');
    assert.equal(await c.call('MGET', ...keys), keys.map((k) => `one-${k}`));
    const fresh = keysPerShard(`nx${workers}-`, shardOfString);
    assert.is(await c.call('MSETNX', ...fresh.flatMap((k) => [k, 'nx']), keys[5], 'clash'), 0, 'one existing key: nothing set');
    assert.equal(await c.call('MGET', ...fresh), fresh.map(() => null));
    assert.is(await c.call('GET', keys[5]), `one-${keys[5]}`);
    assert.is(await c.call('MSETNX', ...fresh.flatMap((k) => [k, 'nx'])), 1);
    assert.equal(await c.call('MGET', ...fresh), fresh.map(() => 'nx'));
    assert.equal(await c.call('MSET', 'odd'), { error: "ERR wrong number of arguments for 'mset' command" });
    assert.equal(await c.call('MSET', 'a', 'b', 'c'), { error: "ERR wrong number of arguments for 'mset' command" });
  });

  t('a client reads its own MSET: commands pipelined after it see its values, on every worker', async () => {
    const keys = keysPerShard(`ryw${workers}-`, shardOfString);
    for (let conn = 0; conn < workers * 2; conn++) {
      const client = await RespClient.connect(cluster.port);
      for (let round = 0; round < 5; round++) {
        const value = `c${conn}r${round}`;
        const replies = await client.pipeline([['MSET', ...keys.flatMap((k) => [k, value])], ...keys.map((k) => ['GET', k])]);
        assert.equal(replies, ['OK', ...keys.map(() => value)], `connection ${conn} round ${round}`);
      }
      client.close();
    }
  });

  t('a client that half-closes right after an MSET still gets every reply', async () => {
    const keys = keysPerShard(`hc${workers}-`, shardOfString);
    const raw = await TextClient.connect(cluster.port);
    raw.send(Buffer.concat([RespClient.encode('MSET', ...keys.flatMap((k) => [k, 'hc'])), RespClient.encode('GET', keys[0]), RespClient.encode('PING')]));
    raw.socket.end();
    assert.is((await raw.readBytes('+OK\r\n$2\r\nhc\r\n+PONG\r\n'.length)).toString(), '+OK\r\n$2\r\nhc\r\n+PONG\r\n');
  });

  t('no reader ever sees part of an MSET, under concurrent writers and readers', async () => {
    const keys = keysPerShard(`atom${workers}-`, shardOfString);
    const writers = await Promise.all([1, 2, 3].map(() => RespClient.connect(cluster.port)));
    const readers = await Promise.all([1, 2, 3, 4].map(() => RespClient.connect(cluster.port)));
    assert.is(await c.call('MSET', ...keys.flatMap((k) => [k, 'v0'])), 'OK');
    let stop = false;
    let writes = 0;
    let reads = 0;
    const torn: string[] = [];
    const writing = writers.map(async (w, id) => {
      for (let i = 1; !stop; i++) {
        assert.is(await w.call('MSET', ...keys.flatMap((k) => [k, `w${id}-${i}`])), 'OK');
        writes++;
      }
    });
    const reading = readers.map(async (r) => {
      while (!stop) {
        const values = (await r.call('MGET', ...keys)) as string[];
        reads++;
        if (new Set(values).size !== 1) torn.push(values.join(','));
      }
    });
    await sleep(1500);
    stop = true;
    await Promise.all([...writing, ...reading]);
    for (const client of [...writers, ...readers]) client.close();
    console.log(`    MSET atomicity (${workers} workers): ${writes} MSETs of 16 shards, ${reads} MGETs, ${torn.length} torn`);
    assert.ok(writes > 20 && reads > 20, 'both sides made progress');
    assert.equal(torn.slice(0, 3), [], 'every MGET saw one MSET whole');
  });

  t('text PUT and RESP GET share one store, mixed on one connection, replies in order', async () => {
    // Text commands until the first RESP command; from then on RESP for good (a line is then an
    // inline command, answered in RESP), as Redis. Was: text and RESP interleaved command by command.
    const raw = await TextClient.connect(cluster.port);
    try {
      const keys = keysPerShard(`x${workers}-`, shardOfString);
      const script = Buffer.concat([
        ...keys.flatMap((k) => [Buffer.from(`PUT ${k} text-${k}\n`), Buffer.from(`GET ${k}\r\n`)]),
        ...keys.flatMap((k) => [RespClient.encode('GET', k), Buffer.from(`GET ${k}\r\n`)]),
      ]);
      raw.send(script);
      const bulk = (k: string) => `$${`text-${k}`.length}\r\ntext-${k}\r\n`;
      const expected = keys.map((k) => `OK\ntext-${k}\n`).join('') + keys.map((k) => bulk(k) + bulk(k)).join('');
      assert.is((await raw.readBytes(Buffer.byteLength(expected))).toString('latin1'), expected);
    } finally {
      raw.close();
    }
  });

  t('DBSIZE counts every worker\'s keys; FLUSHALL empties them all', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    assert.is(await c.call('DBSIZE'), 0);
    const keys = keysPerShard(`d${workers}-`, shardOfString);
    await c.pipeline(keys.map((k) => ['SET', k, 'v']));
    assert.is(await c.call('DBSIZE'), 16);
    assert.is(await c.call('FLUSHDB'), 'OK');
    assert.is(await c.call('DBSIZE'), 0);
  });

  t('expired keys are never returned, and are reclaimed in the background', async () => {
    // Every key is counted while its PX lasts: a window of 100 ms, or longer where this machine
    // took longer than that to set them and count (the keys of a window too short expire first).
    let px = 100;
    for (;;) {
      assert.is(await c.call('FLUSHALL'), 'OK');
      const setAt = Date.now();
      assert.is(await c.call('SET', 'short', 'v', 'PX', String(px)), 'OK');
      const many = Array.from({ length: 500 }, (_, i) => ['SET', `exp${i}`, 'v', 'PX', String(px)]);
      await c.pipeline(many);
      const size = await c.call('DBSIZE');
      if (Date.now() - setAt < px) {
        assert.is(size, 501);
        break;
      }
      assert.ok(px < 100 * 4 ** 4, `DBSIZE never came within a PX window (the last ${px} ms)`);
      px *= 4;
    }
    await sleep(px * 1.5);
    assert.is(await c.call('GET', 'short'), null);
    const deadline = Date.now() + 5000;
    let size = -1;
    while (Date.now() < deadline && (size = (await c.call('DBSIZE')) as number) > 0) await sleep(100);
    assert.is(size, 0, 'keys nobody read were reclaimed');
  });

  t('a bulk over proto-max-bulk-len closes the connection with a protocol error after the owed replies', async () => {
    const raw = await TextClient.connect(cluster.port);
    raw.send(Buffer.concat([RespClient.encode('PING'), Buffer.from('*2\r\n$3\r\nGET\r\n$2000000\r\n')]));
    const reply = await raw.readBytes('+PONG\r\n-ERR Protocol error: invalid bulk length\r\n'.length);
    assert.is(reply.toString(), '+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
    const deadline = Date.now() + 2000;
    while (!raw.closed && Date.now() < deadline) await sleep(10);
    assert.ok(raw.closed, 'closed by the server');
    assert.is(await c.call('PING'), 'PONG', 'other clients are untouched');
  });

  t('a malformed multibulk header closes the connection with Redis\'s protocol error', async () => {
    const raw = await TextClient.connect(cluster.port);
    raw.send('*1\r\n$x\r\n');
    const reply = await raw.readBytes('-ERR Protocol error: invalid bulk length\r\n'.length);
    assert.is(reply.toString(), '-ERR Protocol error: invalid bulk length\r\n');
  });

  t('error replies never carry a CR or LF from client input', async () => {
    const replies = await c.pipeline([['EXPIRE', 'k', '10', 'x\r\n:1'], ['NOPE\r\n+OK'], ['PING']]);
    assert.equal(replies, [{ error: 'ERR Unsupported option x  :1' }, { error: "ERR unknown command 'NOPE  +OK', with args beginning with: " }, 'PONG']);
  });

  t('CONFIG GET patterns match in linear time', async () => {
    const contention = new Contention().start();
    const started = Date.now();
    assert.equal(await c.call('CONFIG', 'GET', '*'.repeat(40) + 'x'), []);
    assert.equal(await c.call('CONFIG', 'GET', 'max*'), [
      'maxmemory',
      String(cluster.logs.find((l) => l.message === 'ready')!.maxmemory),
      'maxmemory-policy',
      'allkeys-lru',
      'maxclients',
      '10000',
    ]);
    const took = Date.now() - started;
    contention.stop();
    assert.ok(took < contention.bound(1000), contention.says('no backtracking blow-up', took, 1000));
  });

  t('a client that half-closes after pipelining still gets every reply, forwarded ones included', async () => {
    const keys = keysPerShard(`h${workers}-`, shardOfString);
    const raw = await TextClient.connect(cluster.port);
    raw.send(keys.map((k) => `PUT ${k} half-${k}\nGET ${k}\n`).join(''));
    raw.socket.end();
    const lines = await raw.readLines(32);
    assert.equal(lines, keys.flatMap((k) => ['OK', `half-${k}`]));
  });

  t('QUIT answers OK and closes', async () => {
    const raw = await RespClient.connect(cluster.port);
    assert.is(await raw.call('QUIT'), 'OK');
    const deadline = Date.now() + 2000;
    while (!raw.text.closed && Date.now() < deadline) await sleep(10);
    assert.ok(raw.text.closed);
  });

  skips.test(t, 'redis-cli round trips', missingTool('redis-cli'), async () => {
    const cli = (...args: string[]) => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(cluster.port), ...args], { encoding: 'utf8', timeout: 10_000 });
    assert.is(cli('SET', 'cli-key', 'hello world').stdout.trim(), 'OK');
    assert.is(cli('GET', 'cli-key').stdout.trim(), 'hello world');
    assert.is(cli('INCRBY', 'cli-n', '5').stdout.trim(), '5');
    assert.is(cli('PING').stdout.trim(), 'PONG');
  });

  skips.test(t, 'redis-benchmark set, get, incr and mset finish without errors', missingTool('redis-benchmark'), async () => {
    const run = spawnSync('redis-benchmark', ['-h', '127.0.0.1', '-p', String(cluster.port), '-t', 'set,get,incr,mset', '-n', '20000', '-q'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    const out = run.stdout.replace(/\r/g, '\n');
    assert.is(run.status, 0, out + run.stderr);
    for (const name of ['SET', 'GET', 'INCR', 'MSET \\(10 keys\\)']) assert.match(out, new RegExp(`${name}: [0-9.]+ requests per second`));
    assert.not.match(out + run.stderr, /error/i);
  });

  t.run();
}
