import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prng } from '../../../test-support/prng';
import { Skips } from '../../../test-support/skip';
import { openFilesLimit } from '../src/config/resources';
import { RespClient, sleep, startCluster, stats, TextClient, type Cluster } from './harness';
import { clientsOn, everyWorker } from './on-workers';
import { adminBase, clientsPerWorker, filesShort, settledClients, spread } from './accept-helpers';

/** The default --maxclients, and the seed's Locust target: all held at once. */
const CONNECTIONS = 10_000;
const WORKERS = 2;
const BATCH = 500;

const NAME = 'e2e: 10,000 clients, text and RESP';
const t = suite(NAME);
const skips = new Skips(NAME);
// This process holds every client socket, and the server (Node raises its soft limit to the hard
// one, as it does this process's) about as many: a machine that allows fewer cannot run it.
const own = openFilesLimit();
const tooFewFiles = own !== null && own.soft >= CONNECTIONS + 512 ? null : `the open files limit is ${own?.soft}; this test needs ${CONNECTIONS + 512} (raise it with ulimit -n)`;
let cluster: Cluster;
let base = '';

t.before(async () => {
  if (tooFewFiles !== null) return;
  cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '0'] });
  base = await adminBase(cluster);
});
t.after(async () => {
  await cluster?.stop();
});

/** A held client on each worker (they count among the 10,000): STATS through them reads each worker's RSS. */
async function probes(): Promise<TextClient[]> {
  return clientsOn(everyWorker(WORKERS), () => TextClient.connect(cluster.port), async (c) => Number((await stats(c)).get('worker')));
}

async function workersRss(on: TextClient[]): Promise<number> {
  let total = 0;
  for (const c of on) total += Number((await stats(c)).get('rss'));
  return total;
}

/**
 * Opens 10,000 clients of one protocol, BATCH at a time, each sending one command as it connects
 * and checking its reply; then every one is held by a worker, the workers are within 1.5x of each
 * other, a sample still gets served, and one client more is refused with maxclients' error.
 */
async function tenThousand(protocol: 'text' | 'RESP', test: string): Promise<void> {
  const short = filesShort(cluster, CONNECTIONS);
  if (short !== null) return skips.now(test, `the server's ${short}`);
  const clients: TextClient[] = await probes();
  try {
    const rssBefore = await workersRss(clients);
    const started = Date.now();
    while (clients.length < CONNECTIONS) {
      const n = Math.min(BATCH, CONNECTIONS - clients.length);
      const batch = await Promise.all(
        Array.from({ length: n }, async () => {
          const c = await TextClient.connect(cluster.port);
          if (protocol === 'text') assert.equal(await c.request(['GET idle']), ['NOTFOUND']);
          else {
            c.send(RespClient.encode('PING'));
            assert.equal(await c.readLines(1), ['+PONG\r']);
          }
          return c;
        }),
      );
      clients.push(...batch);
    }
    const openedMs = Date.now() - started;
    const counts = await settledClients(base, CONNECTIONS);
    assert.is(counts.reduce((a, b) => a + b, 0), CONNECTIONS, `every client held by a worker: ${counts}`);
    assert.ok(spread(counts) <= 1.5, `clients per worker within 1.5x of each other: ${counts}`);
    const rssAfter = await workersRss(clients.slice(0, WORKERS));

    const rand = prng(10_000);
    for (let i = 0; i < 20; i++) {
      const c = clients[Math.floor(rand() * clients.length)];
      if (protocol === 'text') assert.equal(await c.request([`PUT idle-${i} ${i}`, `GET idle-${i}`]), ['OK', String(i)]);
      else {
        c.send(Buffer.concat([RespClient.encode('SET', `idle-${i}`, String(i)), RespClient.encode('GET', `idle-${i}`)]));
        assert.equal(await c.readLines(3), ['+OK\r', `$${String(i).length}\r`, `${i}\r`]);
      }
    }
    assert.ok(clients.every((c) => !c.closed), 'no held connection was closed');

    const extra = await TextClient.connect(cluster.port);
    extra.send(protocol === 'text' ? 'GET idle-0\n' : RespClient.encode('GET', 'idle-0'));
    assert.equal(await extra.readLines(1), [protocol === 'text' ? 'ERROR' : '-ERR max number of clients reached\r'], 'one client past maxclients is refused');
    const closeBy = Date.now() + 3000;
    while (!extra.closed && Date.now() < closeBy) await sleep(10);
    assert.ok(extra.closed, 'and closed');

    const perConnection = (rssAfter - rssBefore) / (CONNECTIONS - WORKERS);
    console.log(
      `    ${protocol}: ${CONNECTIONS} clients opened and answered in ${openedMs} ms; per worker ${counts.join(' / ')}; ` +
        `worker RSS ${(rssBefore / 1048576).toFixed(1)} -> ${(rssAfter / 1048576).toFixed(1)} MB, ${(perConnection / 1024).toFixed(1)} KB per connection`,
    );
  } finally {
    for (const c of clients) c.close();
  }
  const left = await settledClients(base, 0);
  assert.equal(left, [0, 0], 'every client gone once closed');
  assert.equal((await clientsPerWorker(base)).length, WORKERS);
}

const TEXT = '10,000 text clients: each served as it connects, all held, spread within 1.5x, one more refused';
skips.test(t, TEXT, tooFewFiles, async () => {
  await tenThousand('text', TEXT);
});

const RESP = '10,000 RESP clients, the same';
skips.test(t, RESP, tooFewFiles, async () => {
  await tenThousand('RESP', RESP);
});

t.run();
