import * as fs from 'node:fs';
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { childPids, RespClient, sleep, startCluster, TextClient, type Cluster } from './harness';

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

/** Listening sockets on 127.0.0.1 (port and inode), from /proc/net/tcp. */
function loopbackListeners(): { port: number; inode: string }[] {
  return fs
    .readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((f) => f.length > 9 && f[3] === '0A' && f[1].startsWith('0100007F:'))
    .map((f) => ({ port: parseInt(f[1].split(':')[1], 16), inode: f[9] }));
}

/** The socket inodes held by this process's descendants (the cluster's primary and workers). */
function descendantSockets(): Set<string> {
  const out = new Set<string>();
  const walk = (pid: number) => {
    for (const child of childPids(pid)) {
      try {
        for (const fd of fs.readdirSync(`/proc/${child}/fd`)) {
          const target = fs.readlinkSync(`/proc/${child}/fd/${fd}`);
          if (target.startsWith('socket:[')) out.add(target.slice(8, -1));
        }
      } catch {
        // gone meanwhile
      }
      walk(child);
    }
  };
  walk(process.pid);
  return out;
}

/** What a client that does not know the warm-up's password is answered there: its replies to SCRIPT LOAD, CONFIG SET and SHUTDOWN. */
function strangerAt(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let got = '';
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk) => (got += chunk.toString('latin1')));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.once('connect', () => socket.write('*3\r\n$6\r\nSCRIPT\r\n$4\r\nLOAD\r\n$8\r\nreturn 7\r\n*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$9\r\nmaxmemory\r\n$3\r\n1mb\r\n*1\r\n$8\r\nSHUTDOWN\r\n'));
  });
}

t("a stranger on the warm-up's loopback port is refused everything (it shares the worker's script cache)", async () => {
  const before = new Set(loopbackListeners().map((l) => l.inode));
  const answers: Promise<string>[] = [];
  let starting = true;
  // Watch for the workers' warm-up ports while the server starts (its own port is on 0.0.0.0, not watched).
  const watching = (async () => {
    while (starting) {
      const ours = descendantSockets();
      for (const listener of loopbackListeners()) {
        if (before.has(listener.inode) || !ours.has(listener.inode)) continue;
        before.add(listener.inode);
        answers.push(strangerAt(listener.port));
      }
      await sleep(2);
    }
  })();
  const server = await startCluster({ workers: 2, args: ['--admin-port', '-1', '--warmup-ms', '1000', '--host', '0.0.0.0'] });
  starting = false;
  await watching;
  try {
    const replies = await Promise.all(answers);
    assert.ok(replies.length >= 1, 'a warm-up port was found while the server started');
    for (const reply of replies) assert.ok(reply === '' || /^(-NOAUTH [^\r]*\r\n)+$/.test(reply), `a stranger was answered ${JSON.stringify(reply)}`);
    const client = await RespClient.connect(server.port);
    // Nothing it sent took effect: no script, the same maxmemory, the server up.
    assert.equal(await client.call('SCRIPT', 'EXISTS', '59b6ab2fbe0ee4b25733de0f62e6cda4899ef8e9'), [0]);
    assert.not.equal(await client.call('CONFIG', 'GET', 'maxmemory'), ['maxmemory', '1048576']);
    assert.is(await client.call('PING'), 'PONG');
    client.close();
  } finally {
    await server.stop();
  }
});

t.run();
