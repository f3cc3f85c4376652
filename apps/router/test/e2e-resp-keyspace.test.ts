import { spawnSync } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { keysPerShard, RespClient, sleep, startCluster, stats, TextClient, type Cluster, type Resp } from './harness';


/** INFO's text as name -> value, and the section titles in order. */
function parseInfo(text: string): { fields: Map<string, string>; sections: string[] } {
  const fields = new Map<string, string>();
  const sections: string[] = [];
  for (const line of text.split('\r\n')) {
    if (line.startsWith('# ')) sections.push(line.slice(2));
    else if (line.includes(':')) fields.set(line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1));
  }
  return { fields, sections };
}

/** Runs a SCAN to its end; returns every key and each call's reply size. */
async function scanAll(c: RespClient, options: string[] = [], between?: () => Promise<void>): Promise<{ keys: string[]; sizes: number[]; calls: number }> {
  const keys: string[] = [];
  const sizes: number[] = [];
  let cursor = '0';
  let calls = 0;
  do {
    const reply = (await c.call('SCAN', cursor, ...options)) as [string, string[]];
    assert.type(reply[0], 'string');
    assert.ok(Array.isArray(reply[1]), `SCAN reply ${JSON.stringify(reply)}`);
    cursor = reply[0];
    keys.push(...reply[1]);
    sizes.push(reply[1].length);
    calls++;
    if (calls > 10_000) throw new Error('SCAN never ended');
    await between?.();
  } while (cursor !== '0');
  return { keys, sizes, calls };
}

const sorted = (list: Resp) => [...(list as string[])].sort();

for (const workers of [2, 3]) {
  const name = `e2e: KEYS, SCAN, INFO, COMMAND DOCS on ${workers} workers`;
  const t = suite(name);
  const skips = new Skips(name);
  let cluster: Cluster;
  let c: RespClient;
  /** One key on each of the 16 shards. */
  let shardKeys: string[];

  t.before(async () => {
    cluster = await startCluster({ workers });
    c = await RespClient.connect(cluster.port);
    shardKeys = keysPerShard(`ks${workers}-`, shardOfString);
  });
  t.after(async () => {
    c.close();
    assert.is(await cluster.stop(), 0);
  });

  t('KEYS matches glob patterns over keys on all 16 shards', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    const extra = ['user:1', 'user:2', 'user:10', 'usr:1', 'hello', 'hallo', 'hxllo', 'a*b', 'a?b'];
    await c.pipeline([...shardKeys, ...extra].map((k) => ['SET', k, 'v']));
    assert.equal(sorted(await c.call('KEYS', '*')), [...shardKeys, ...extra].sort());
    assert.equal(sorted(await c.call('KEYS', `ks${workers}-*`)), [...shardKeys].sort());
    assert.equal(sorted(await c.call('KEYS', 'user:?')), ['user:1', 'user:2']);
    assert.equal(sorted(await c.call('KEYS', 'us*r:1*')), ['user:1', 'user:10', 'usr:1']);
    assert.equal(sorted(await c.call('KEYS', 'h[ae]llo')), ['hallo', 'hello']);
    assert.equal(sorted(await c.call('KEYS', 'h[^e]llo')), ['hallo', 'hxllo']);
    assert.equal(sorted(await c.call('KEYS', 'h[a-f]llo')), ['hallo', 'hello']);
    assert.equal(await c.call('KEYS', 'a\\*b'), ['a*b']);
    assert.equal(await c.call('KEYS', 'nothing*'), []);
    assert.equal(await c.call('KEYS'), { error: "ERR wrong number of arguments for 'keys' command" });
  });

  t('KEYS and SCAN never return expired keys', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    await c.pipeline(shardKeys.map((k, i) => (i % 2 === 0 ? ['SET', k, 'v', 'PX', '50'] : ['SET', k, 'v'])));
    await sleep(120);
    const live = shardKeys.filter((_, i) => i % 2 === 1).sort();
    assert.equal(sorted(await c.call('KEYS', '*')), live);
    assert.equal((await scanAll(c)).keys.sort(), live);
  });

  t('SCAN walks every key exactly once and ends at cursor 0, with COUNT 1, 3, 10 and 1000', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    const all = [...shardKeys, ...Array.from({ length: 300 }, (_, i) => `scan:${i}`)];
    await c.pipeline(all.map((k) => ['SET', k, 'v']));
    for (const count of [1, 3, 10, 1000]) {
      const { keys, sizes, calls } = await scanAll(c, ['COUNT', String(count)]);
      assert.is(keys.length, all.length, `COUNT ${count}: ${keys.length} keys`);
      assert.equal(keys.sort(), [...all].sort(), `COUNT ${count}: each key once`);
      assert.ok(sizes.every((n) => n <= count), `COUNT ${count}: no reply over COUNT`);
      // A call goes on into the next shard while it can do so at once (see scan.ts).
      if (count === 1000) assert.ok(calls <= 16, `COUNT 1000 took ${calls} calls`);
    }
    const { keys } = await scanAll(c);
    assert.is(keys.length, all.length, 'default COUNT');
  });

  t('SCAN returns each key that lives throughout exactly once while others come and go', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    const stay = Array.from({ length: 200 }, (_, i) => `stay:${i}`);
    await c.pipeline(stay.map((k) => ['SET', k, 'v']));
    const other = await RespClient.connect(cluster.port);
    let n = 0;
    const { keys } = await scanAll(c, ['COUNT', '7'], async () => {
      // Writers in between calls: new keys, deleted keys, updates of the keys being walked.
      await other.pipeline([['SET', `tmp:${n}`, 'v'], ['SET', `tmp:${n + 1}`, 'v'], ['DEL', `tmp:${n - 2}`], ['SET', stay[n % 200], 'updated']]);
      n += 2;
    });
    other.close();
    const seen = keys.filter((k) => k.startsWith('stay:'));
    assert.is(seen.length, 200);
    assert.equal(seen.sort(), [...stay].sort());
  });

  t('SCAN MATCH and TYPE filter; bad arguments get Redis errors', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    const users = Array.from({ length: 40 }, (_, i) => `user:${i}`);
    await c.pipeline([...users, ...shardKeys].map((k) => ['SET', k, 'v']));
    for (const count of ['1', '5', '1000']) {
      const { keys } = await scanAll(c, ['MATCH', 'user:1*', 'COUNT', count]);
      assert.equal(keys.sort(), users.filter((k) => k.startsWith('user:1')).sort(), `MATCH with COUNT ${count}`);
    }
    assert.equal((await scanAll(c, ['MATCH', '*', 'COUNT', '1000'])).keys.length, 56);
    assert.equal((await scanAll(c, ['TYPE', 'STRING', 'COUNT', '1000'])).keys.length, 56);
    assert.equal((await scanAll(c, ['TYPE', 'hash', 'COUNT', '1000'])).keys, []);
    assert.equal(await c.call('SCAN', 'abc'), { error: 'ERR invalid cursor' });
    assert.equal(await c.call('SCAN', ' 1'), { error: 'ERR invalid cursor' });
    assert.equal(await c.call('SCAN', '18446744073709551616'), { error: 'ERR invalid cursor' });
    assert.equal(await c.call('SCAN', '0', 'COUNT', '0'), { error: 'ERR syntax error' });
    assert.equal(await c.call('SCAN', '0', 'COUNT', '-1'), { error: 'ERR syntax error' });
    assert.equal(await c.call('SCAN', '0', 'COUNT', 'x'), { error: 'ERR value is not an integer or out of range' });
    assert.equal(await c.call('SCAN', '0', 'MATCH'), { error: 'ERR syntax error' });
    assert.equal(await c.call('SCAN', '0', 'NOPE', 'x'), { error: 'ERR syntax error' });
    assert.equal(await c.call('SCAN', '-1'), ['0', []], 'a cursor past every shard ends the walk');
    assert.equal(await c.call('SCAN'), { error: "ERR wrong number of arguments for 'scan' command" });
  });

  t('SCAN and KEYS keep their place in a pipeline, among forwarded and local replies', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    const replies = await c.pipeline([
      ...shardKeys.map((k) => ['SET', k, k]),
      ['SCAN', '0', 'COUNT', '1000'],
      ...shardKeys.map((k) => ['GET', k]),
      ['KEYS', '*'],
      ['MSET', 'm1', 'a', 'm2', 'b'],
      ['PING'],
    ]);
    assert.equal(replies.slice(0, 16), Array(16).fill('OK'));
    const [cursor, scanned] = replies[16] as [string, string[]];
    assert.not.equal(cursor, '0', 'one call covers a few shards at most');
    assert.ok(scanned.length >= 1 && scanned.every((k) => shardKeys.includes(k)), 'a SCAN never sees writes sent after it');
    assert.equal(replies.slice(17, 33), shardKeys);
    assert.equal(sorted(replies[33]), [...shardKeys].sort());
    assert.is(replies[34], 'OK');
    assert.is(replies[35], 'PONG');
    assert.equal((await scanAll(c, ['MATCH', 'm?'])).keys.sort(), ['m1', 'm2']);
  });

  t('INFO sums every worker\'s figures in Redis\'s format', async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    await c.pipeline([...shardKeys.map((k) => ['SET', k, 'v']), ['SET', 'with-ttl', 'v', 'EX', '100']]);
    const text = (await c.call('INFO')) as string;
    const { fields, sections } = parseInfo(text);
    assert.equal(sections, ['Server', 'Clients', 'Memory', 'Persistence', 'Stats', 'Replication', 'CPU', 'Errorstats', 'Cluster', 'Keyspace']);
    assert.ok(text.startsWith('# Server\r\nredis_version:7.0.0\r\n'), JSON.stringify(text.slice(0, 40)));
    assert.ok(text.includes('\r\n\r\n# Clients\r\n'), 'a blank line between sections');
    assert.ok(text.endsWith('\r\n'));
    assert.is(fields.get('tcp_port'), String(cluster.port));
    assert.is(fields.get('process_id'), String(cluster.pid));
    assert.is(fields.get('redis_mode'), 'standalone');
    assert.is(fields.get('role'), 'master');
    assert.is(fields.get('maxmemory'), String(cluster.logs.find((l) => l.message === 'ready')!.maxmemory));
    assert.is(fields.get('maxmemory_policy'), 'allkeys-lru');
    assert.ok(Number(fields.get('used_memory')) > 0);
    assert.match(fields.get('used_memory_human')!, /^\d+(\.\d\d[KMGTP])?B?$/);
    assert.ok(Number(fields.get('used_memory_rss')) > Number(fields.get('used_memory_dataset')));
    assert.match(fields.get('used_cpu_user')!, /^\d+\.\d{6}$/);
    const dbsize = (await c.call('DBSIZE')) as number;
    assert.is(dbsize, 17);
    // avg_ttl is an estimate sampled every 100 ms (Redis's too): 0 before the first look at the key, then at most its 100 s.
    const db0 = /^keys=(\d+),expires=1,avg_ttl=(\d+)$/.exec(fields.get('db0')!);
    assert.ok(db0 !== null, fields.get('db0'));
    assert.is(Number(db0[1]), dbsize);
    assert.ok(Number(db0[2]) <= 100_000, fields.get('db0'));
  });

  t('INFO counters grow with the work done on every worker', async () => {
    // Clients on every worker (the primary hands connections out in turn).
    const more = await Promise.all(Array.from({ length: workers * 2 }, () => RespClient.connect(cluster.port)));
    await Promise.all(more.map((m) => m.call('PING')));
    const before = parseInfo((await c.call('INFO', 'stats', 'clients')) as string);
    assert.equal(before.sections, ['Clients', 'Stats']);
    assert.ok(Number(before.fields.get('connected_clients')) >= 1 + more.length, `connected_clients ${before.fields.get('connected_clients')}`);
    // Hits and misses on keys of every shard, sent from every connection.
    await Promise.all(more.map((m) => m.pipeline([...shardKeys.map((k) => ['GET', k]), ['GET', 'no-such-key']])));
    const after = parseInfo((await c.call('INFO', 'STATS')) as string);
    const delta = (name: string) => Number(after.fields.get(name)) - Number(before.fields.get(name));
    assert.is(delta('keyspace_hits'), 16 * more.length);
    assert.is(delta('keyspace_misses'), more.length);
    assert.ok(delta('total_commands_processed') >= 17 * more.length + 1, `total_commands_processed grew by ${delta('total_commands_processed')}`);
    assert.ok(Number(after.fields.get('total_connections_received')) >= 1 + more.length);
    for (const m of more) m.close();
  });

  t('INFO sections: by name, any case, several, default/all/everything; unknown ones are empty', async () => {
    assert.equal(parseInfo((await c.call('INFO', 'Server')) as string).sections, ['Server']);
    assert.equal(parseInfo((await c.call('INFO', 'keyspace', 'server')) as string).sections, ['Server', 'Keyspace']);
    assert.is(parseInfo((await c.call('INFO', 'default')) as string).sections.length, 10, 'default');
    for (const all of ['all', 'everything']) {
      const { sections } = parseInfo((await c.call('INFO', all)) as string);
      assert.equal(sections.slice(7, 11), ['Commandstats', 'Errorstats', 'Latencystats', 'Histograms'], `${all} adds the sections Redis leaves out of the default, in Redis's order`);
      assert.is(sections.length, 13, all);
    }
    assert.is(await c.call('INFO', 'nosuchsection'), '');
    assert.is(await c.call('FLUSHALL'), 'OK');
    assert.is(await c.call('INFO', 'keyspace'), '# Keyspace\r\n', 'no db0 line when the server holds no key');
  });

  t('the text protocol\'s STATS still reports the worker', async () => {
    const raw = await TextClient.connect(cluster.port);
    const s = await stats(raw);
    raw.close();
    assert.ok(s.has('keys') && s.has('commands') && s.has('connected_clients'));
  });

  t('COMMAND DOCS: Redis 7\'s map of name to summary, since, group and arguments', async () => {
    assert.equal(await c.call('COMMAND', 'DOCS', 'get'), [
      'get',
      ['summary', 'Get the value of a key', 'since', '1.0.0', 'group', 'string', 'arguments', [['name', 'key', 'type', 'key', 'key_spec_index', 0]]],
    ]);
    const scan = (await c.call('COMMAND', 'DOCS', 'SCAN')) as [string, Resp[]];
    assert.is(scan[0], 'scan');
    const args = scan[1][scan[1].indexOf('arguments') + 1] as Resp[][];
    assert.equal(args[1], ['name', 'pattern', 'type', 'pattern', 'token', 'MATCH', 'flags', ['optional']]);
    assert.equal(await c.call('COMMAND', 'DOCS', 'nosuchcommand'), []);
    const all = (await c.call('COMMAND', 'DOCS')) as Resp[];
    assert.is(all.length, 2 * ((await c.call('COMMAND', 'COUNT')) as number), 'one entry per command');
    for (let i = 0; i < all.length; i += 2) {
      const doc = all[i + 1] as Resp[];
      assert.equal([doc[0], doc[2], doc[4]], ['summary', 'since', 'group'], `${all[i]}`);
    }
    const names = all.filter((_, i) => i % 2 === 0);
    for (const name of ['keys', 'scan', 'info', 'client']) assert.ok(names.includes(name), name);
    const client = all[names.indexOf('client') * 2 + 1] as Resp[];
    const subs = client[client.indexOf('subcommands') + 1] as Resp[];
    assert.ok(subs.includes('client|setname'));
  });

  skips.test(t, 'redis-cli --scan, --pattern and INFO round trip', missingTool('redis-cli'), async () => {
    assert.is(await c.call('FLUSHALL'), 'OK');
    const all = [...shardKeys, ...Array.from({ length: 100 }, (_, i) => `cli:${i}`)];
    await c.pipeline(all.map((k) => ['SET', k, 'v']));
    const cli = (...args: string[]) => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(cluster.port), ...args], { encoding: 'utf8', timeout: 10_000 });
    const scanned = cli('--scan').stdout.trim().split('\n');
    assert.is(scanned.length, all.length);
    assert.equal(scanned.sort(), [...all].sort());
    assert.equal(cli('--scan', '--pattern', 'cli:1?').stdout.trim().split('\n').sort(), Array.from({ length: 10 }, (_, i) => `cli:1${i}`).sort());
    const info = cli('INFO');
    assert.is(info.status, 0);
    assert.ok(info.stdout.includes(`db0:keys=${all.length},expires=0,avg_ttl=0`), info.stdout.slice(-200));
    assert.ok(cli('INFO', 'server').stdout.includes('redis_version:7.0.0'));
    assert.is(cli('KEYS', 'cli:9*').stdout.trim().split('\n').length, 11);
  });

  t.run();
}
