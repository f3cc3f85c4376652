import { createHash } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { shardOfString } from '@kv/wire';
import { keysPerShard, RespClient, respClientOn, startCluster, type Cluster, type Resp } from './harness';

const sha1 = (s: string) => createHash('sha1').update(s, 'latin1').digest('hex');

/**
 * Lua scripts on 2 workers: Redis's conversions and errors, the script cache on every worker,
 * atomic scripts over keys on two workers under 20 concurrent clients, undeclared keys refused
 * (but those in a declared key's hash slot), PUBLISH from a script,
 * and a runaway script stopped by --lua-time-limit while its worker goes on serving.
 */
const t = suite('e2e: Lua scripts');
let cluster: Cluster;
const clients: RespClient[] = [];
const connect = async (): Promise<RespClient> => {
  const c = await RespClient.connect(cluster.port);
  clients.push(c);
  return c;
};
const keys = keysPerShard('lua:', shardOfString);
// A key on each worker of two (shard s is on worker s mod 2).
const [k0, k1] = [keys[0], keys[15]];

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--lua-time-limit', '300'] });
});
t.after(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

t("Lua values become Redis's replies, and replies Lua values", async () => {
  const c = await connect();
  assert.equal(await c.call('EVAL', "return {1, 2.9, -3.5, 'x', true, false, nil, 'after'}", '0'), [1, 2, -3, 'x', 1, null]);
  assert.equal(await c.call('EVAL', 'return redis.status_reply("FINE")', '0'), 'FINE');
  assert.equal(await c.call('EVAL', 'return redis.error_reply("MY error")', '0'), { error: 'MY error' });
  assert.equal(await c.call('EVAL', "return {err='raw'}", '0'), { error: 'raw' });
  assert.equal(await c.call('EVAL', 'return KEYS[1] .. ARGV[1] .. #ARGV', '1', 'k', 'a', 'b'), 'ka2');
  await c.call('SET', k0, 'v\x00\xff');
  assert.equal(await c.call('EVAL', "return {redis.call('GET', KEYS[1]), redis.call('GET', KEYS[2]), redis.call('INCR', KEYS[3]), redis.call('SET', KEYS[3], 'x')}", '3', k0, 'lua:none', k1), ['v\x00\xff', null, 1, 'OK']);
  assert.equal(await c.call('EVAL', "return type(redis.call('GET', KEYS[1]))", '1', 'lua:none'), 'boolean');
  assert.equal(await c.call('EVAL', "local r = redis.call('SET', KEYS[1], 'y') return r.ok", '1', k1), 'OK');
  assert.equal(await c.call('EVAL', 'return redis.sha1hex("")', '0'), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(await c.call('EVAL', 'return {bit.band(0xff, 0x0f), bit.bor(1, 2), bit.lshift(1, 4), unpack({7})}', '0'), [15, 3, 16, 7]);
});

t("Redis's errors: from redis.call, redis.pcall, Lua, numkeys and the sandbox", async () => {
  const c = await connect();
  await c.call('SET', k1, 'text');
  const raised = (await c.call('EVAL', "return redis.call('INCR', KEYS[1])", '1', k1)) as { error: string };
  assert.match(raised.error, /^ERR value is not an integer or out of range script: [0-9a-f]{40}, on @user_script:/);
  assert.equal(await c.call('EVAL', "local r = redis.pcall('INCR', KEYS[1]) return r['err']", '1', k1), 'ERR value is not an integer or out of range');
  assert.match(((await c.call('EVAL', "return redis.call('NOSUCH')", '0')) as { error: string }).error, /^ERR Unknown Redis command called from script/);
  assert.match(((await c.call('EVAL', "return redis.call('GET')", '0')) as { error: string }).error, /^ERR Wrong number of args calling Redis command from script/);
  assert.match(((await c.call('EVAL', "return redis.call('MULTI')", '0')) as { error: string }).error, /^ERR This Redis command is not allowed from script/);
  assert.match(((await c.call('EVAL', 'return x', '0')) as { error: string }).error, /^ERR user_script:1: Script attempted to access nonexistent global variable 'x'/);
  assert.match(((await c.call('EVAL', 'x = 1', '0')) as { error: string }).error, /^ERR user_script:1: Attempt to modify a readonly table/);
  assert.equal(await c.call('EVAL', 'return 1 +', '0'), { error: "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'" });
  assert.equal(await c.call('EVAL', 'return 1', '-1'), { error: "ERR Number of keys can't be negative" });
  assert.equal(await c.call('EVAL', 'return 1', '5', 'a'), { error: "ERR Number of keys can't be greater than number of args" });
  assert.equal(await c.call('EVAL', 'return 1', 'x'), { error: 'ERR value is not an integer or out of range' });
  assert.equal(await c.call('EVALSHA', 'f'.repeat(40), '0'), { error: 'NOSCRIPT No matching script. Please use EVAL.' });
  assert.match(((await c.call('EVAL_RO', "return redis.call('SET', KEYS[1], 'x')", '1', k0)) as { error: string }).error, /^ERR Write commands are not allowed from read-only scripts\./);
  assert.equal(await c.call('EVAL_RO', "return redis.call('GET', KEYS[1])", '1', 'lua:none'), null);
});

t('a key the script did not declare is refused', async () => {
  const c = await connect();
  const reply = (await c.call('EVAL', "return redis.call('GET', 'lua:undeclared')", '0')) as { error: string };
  assert.match(reply.error, /^ERR script tried accessing undeclared key 'lua:undeclared'/);
  const pcalled = await c.call('EVAL', "return redis.pcall('SET', KEYS[1] .. 'x', 1)['err']", '1', k0);
  assert.match(pcalled as string, /undeclared key/);
});

t('a key in the hash slot of a declared one may be touched (queues build job keys from a {queue} prefix)', async () => {
  // Hash tags on each worker of two; the script declares one key of each and builds others in their slots.
  const tags = keysPerShard('tag', shardOfString).map((k) => `{${k}}`);
  const [a, b] = [tags.find((k) => shardOfString(k) % 2 === 0)!, tags.find((k) => shardOfString(k) % 2 === 1)!];
  const body = "for i, k in ipairs(KEYS) do redis.call('SET', k .. ':job:' .. ARGV[1], i) redis.call('RPUSH', k .. ':wait', ARGV[1]) redis.call('RPOPLPUSH', k .. ':wait', k .. ':active') end return {redis.call('GET', KEYS[1] .. ':job:' .. ARGV[1]), redis.call('LINDEX', KEYS[#KEYS] .. ':active', -1)}";
  for (const c of [await connect(), await connect()]) {
    assert.equal(await c.call('EVAL', body, '1', a, '7'), ['1', '7']);
    assert.equal(await c.call('EVAL', body, '2', a, b, '8'), ['1', '8']);
  }
  const c = await connect();
  assert.equal(await c.call('GET', `${b}:job:8`), '2');
  assert.equal(await c.call('LRANGE', `${a}:active`, '0', '-1'), ['8', '7', '8', '7']);
  // Another slot stays refused, even on the same worker.
  let other = '';
  for (let i = 0; other === ''; i++) if (shardOfString(`{o${i}}`) === shardOfString(a)) other = `{o${i}}`;
  const reply = (await c.call('EVAL', "return redis.call('GET', ARGV[1])", '1', a, `${other}:x`)) as { error: string };
  assert.match(reply.error, /^ERR script tried accessing undeclared key/);
});

t('PUBLISH from a script reaches the subscribers of every worker, once, in order; it answers the receivers over all workers', async () => {
  const subscribers = [await respClientOn(cluster.port, 0), await respClientOn(cluster.port, 1)];
  clients.push(...subscribers);
  for (const s of subscribers) assert.equal(await s.call('SUBSCRIBE', 'lua:news'), ['subscribe', 'lua:news', 1]);
  const body = "local n = redis.call('PUBLISH', 'lua:news', ARGV[1]) redis.call('PUBLISH', 'lua:news', ARGV[1] .. '+') return n";
  // Run on worker 0 (k0's), then worker 1 (k1's), from a client on either worker.
  const c = await connect();
  assert.is(await c.call('EVAL', body, '1', k0, 'a'), 2);
  assert.is(await c.call('EVAL', body, '1', k1, 'b'), 2);
  for (const s of subscribers) {
    for (const message of ['a', 'a+', 'b', 'b+']) assert.equal(await s.read(), ['message', 'lua:news', message]);
  }
  assert.is(await c.call('EVAL', "return redis.call('PUBLISH', 'lua:nobody', 'x')", '0'), 0);
  assert.equal(await c.call('PUBLISH', 'lua:news', 'plain'), 2);
  for (const s of subscribers) assert.equal(await s.read(), ['message', 'lua:news', 'plain']);
});

t('SCRIPT LOAD reaches every worker: EVALSHA works on every connection; FLUSH forgets everywhere', async () => {
  const conns = [await connect(), await connect(), await connect(), await connect()];
  const body = "return 'loaded ' .. ARGV[1]";
  assert.equal(await conns[0].call('SCRIPT', 'LOAD', body), sha1(body));
  for (const c of conns) assert.equal(await c.call('EVALSHA', sha1(body), '0', 'x'), 'loaded x');
  assert.equal(await conns[1].call('SCRIPT', 'EXISTS', sha1(body), 'f'.repeat(40)), [1, 0]);
  // A script first run by EVAL is kept too.
  await conns[2].call('EVAL', 'return 42', '0');
  assert.equal(await conns[2].call('EVALSHA', sha1('return 42'), '0'), 42);
  assert.equal(await conns[3].call('SCRIPT', 'FLUSH'), 'OK');
  for (const c of conns) assert.equal(await c.call('EVALSHA', sha1(body), '0', 'x'), { error: 'NOSCRIPT No matching script. Please use EVAL.' });
  assert.equal(await conns[0].call('SCRIPT', 'NOSUCH'), { error: "ERR unknown subcommand 'NOSUCH'. Try SCRIPT HELP." });
});

t('a script over keys on two workers is atomic under 20 concurrent clients', async () => {
  const conns: RespClient[] = [];
  for (let i = 0; i < 20; i++) conns.push(await connect());
  await conns[0].call('MSET', k0, '0', k1, '0');
  const bump = "local a = tonumber(redis.call('GET', KEYS[1])) local b = tonumber(redis.call('GET', KEYS[2])) redis.call('SET', KEYS[1], a + 1) redis.call('SET', KEYS[2], b + 1) return a - b";
  const check = "return tonumber(redis.call('GET', KEYS[1])) - tonumber(redis.call('GET', KEYS[2]))";
  const rounds = 25;
  let torn = 0;
  await Promise.all(
    conns.map(async (c, i) => {
      for (let r = 0; r < rounds; r++) {
        const diff = i % 4 === 0 ? await c.call('EVAL_RO', check, '2', k0, k1) : await c.call('EVAL', bump, '2', k0, k1);
        if (diff !== 0) torn++;
      }
    }),
  );
  const writes = conns.filter((_, i) => i % 4 !== 0).length * rounds;
  assert.is(torn, 0);
  assert.equal(await conns[0].call('MGET', k0, k1), [String(writes), String(writes)]);
});

t('a runaway script is stopped by --lua-time-limit; its worker goes on serving', async () => {
  const c = await connect();
  const other = await connect();
  const contention = new Contention().start();
  const started = Date.now();
  const pending = c.call('EVAL', 'local i = 0 while true do i = i + 1 end', '0');
  const reply = (await pending) as { error: string };
  const took = Date.now() - started;
  contention.stop();
  assert.match(reply.error, /^ERR Script killed: it ran longer than lua-time-limit \(300 ms\)/);
  assert.ok(took < contention.bound(3000), contention.says('stopped', took, 3000));
  // pcall cannot keep it alive either.
  const caught = (await c.call('EVAL', "local ok = pcall(function() while true do end end) return 'escaped'", '0')) as Resp;
  assert.match((caught as { error: string }).error, /Script killed/);
  // One that waits on other workers spends little CPU, but holds them: stopped by the clock too.
  const waiting = (await c.call('EVAL', "for i = 1, 1e9 do redis.call('GET', KEYS[1]) redis.call('GET', KEYS[2]) end", '2', k0, k1)) as { error: string };
  assert.match(waiting.error, /^ERR Script killed/);
  assert.equal(await c.call('PING'), 'PONG');
  assert.equal(await other.call('SET', k0, 'alive'), 'OK');
  assert.equal(await other.call('SET', k1, 'alive too'), 'OK');
  assert.equal(await c.call('EVAL', "return redis.call('GET', KEYS[1])", '1', k0), 'alive');
});

t('EVAL inside MULTI runs in the EXEC, in order with the other commands', async () => {
  const c = await connect();
  await c.call('DEL', k1);
  await c.call('MULTI');
  await c.call('SET', k0, '10');
  await c.call('EVAL', "return redis.call('INCRBY', KEYS[1], 5) + tonumber(redis.call('GET', KEYS[2]) or '0')", '2', k0, k1);
  await c.call('GET', k0);
  await c.call('SET', k1, 'done');
  assert.equal(await c.call('EXEC'), ['OK', 15, '15', 'OK']);
});

t.run();
