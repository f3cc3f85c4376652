import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RespClient, startCluster, TextClient, type Cluster } from './harness';

// Each worker warms its per-client path up before its first client (--warmup-ms, worker/warmup.ts)
// over clients, a store and a peer link of its own: the server's figures and data must not show it.

const t = suite('e2e: warm-up before the first client');
let cluster: Cluster;

const fieldsOf = (text: string) => new Map(text.split('\r\n').filter((l) => l.includes(':') && !l.startsWith('#')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]));

// A second's budget, so that a loaded machine still runs several waves (reads that hit need the wave before).
t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--log-level', 'debug', '--admin-port', '-1', '--warmup-ms', '1000'] });
});
t.after(async () => {
  await cluster?.stop();
});

t('every worker warmed up over its own clients, forwarded commands, hits and misses included, before the server was ready', async () => {
  for (const worker of [0, 1]) {
    const line = cluster.logs.find((l) => l.message === 'warmed up' && l.worker === worker);
    assert.ok(line !== undefined, `worker ${worker} logged its warm-up`);
    assert.ok((line.clients as number) > 0, `worker ${worker} warmed with clients: ${JSON.stringify(line)}`);
    assert.ok((line.forwarded as number) > 0, `worker ${worker} forwarded over its scratch link: ${JSON.stringify(line)}`);
    assert.ok((line.hits as number) > 0 && (line.misses as number) > 0, `worker ${worker} read keys that were there and keys that were not: ${JSON.stringify(line)}`);
    assert.ok(cluster.logs.indexOf(line) < cluster.logs.findIndex((l) => l.message === 'ready'), 'before ready');
  }
  assert.not.ok(cluster.logs.some((l) => l.message === 'warm-up failed; serving without it'));
});

t('INFO after start shows none of it: no commands, connections, hits, misses or keys; client ids start at the first', async () => {
  const client = await RespClient.connect(cluster.port);
  try {
    const id = Number(await client.call('CLIENT', 'ID'));
    assert.ok(id >= 1 && id <= 16, `the first client's id is its worker's first (${id})`);
    const info = fieldsOf((await client.call('INFO', 'everything')) as string);
    // This client and its CLIENT ID and INFO are all the server has seen.
    assert.is(info.get('total_connections_received'), '1');
    assert.ok(Number(info.get('total_commands_processed')) <= 2, `total_commands_processed ${info.get('total_commands_processed')}`);
    for (const field of ['keyspace_hits', 'keyspace_misses', 'expired_keys', 'evicted_keys', 'total_error_replies', 'rejected_connections']) assert.is(info.get(field), '0', field);
    const commandstats = [...info.keys()].filter((k) => k.startsWith('cmdstat_'));
    assert.ok(commandstats.every((k) => k === 'cmdstat_client' || k === 'cmdstat_client|id' || k === 'cmdstat_info'), `commandstats: ${commandstats.join(', ')}`);
    assert.not.ok([...info.keys()].some((k) => k.startsWith('db')), 'no keyspace');
    assert.is(await client.call('DBSIZE'), 0);
    // The warm-up's keys (warm:<n>) are in no store of the server.
    assert.is(await client.call('GET', 'warm:1'), null);
  } finally {
    client.close();
  }
});

t('text clients are served as usual after it', async () => {
  const text = await TextClient.connect(cluster.port);
  try {
    assert.equal(await text.request(['PUT after:warm v', 'GET after:warm', 'GET warm:3']), ['OK', 'v', 'NOTFOUND']);
  } finally {
    text.close();
  }
});

t('--warmup-ms 0: no warm-up', async () => {
  const cold = await startCluster({ workers: 1, args: ['--log-level', 'debug', '--admin-port', '-1', '--warmup-ms', '0'] });
  try {
    assert.not.ok(cold.logs.some((l) => l.message === 'warmed up'));
  } finally {
    await cold.stop();
  }
});

t.run();
