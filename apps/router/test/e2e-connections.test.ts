import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prng } from '../../../test-support/prng';
import { Skips } from '../../../test-support/skip';
import { openFilesLimit } from '../src/config/resources';
import { sleep, startCluster, stats, TextClient, type Cluster, type LogLine } from './harness';

/** The default --maxclients, and the seed's Locust target: all held at once, idle. */
const CONNECTIONS = 10_000;
const WORKERS = 2;
const BATCH = 500;
const text = (line: LogLine) => line.message;

const NAME = 'e2e: 10,000 idle connections';
const t = suite(NAME);
const skips = new Skips(NAME);
// This process holds every client socket, and the server (Node raises its soft limit to the hard
// one, as it does this process's) about as many: a machine that allows fewer cannot run it.
const own = openFilesLimit();
const tooFewFiles = own !== null && own.soft >= CONNECTIONS + 512 ? null : `the open files limit is ${own?.soft}; this test needs ${CONNECTIONS + 512} (raise it with ulimit -n)`;
let cluster: Cluster;
const clients: TextClient[] = [];

t.before(async () => {
  if (tooFewFiles === null) cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '-1'] });
});
t.after(async () => {
  for (const c of clients) c.close();
  await cluster?.stop();
});

/** Sums RSS over the workers, through one connection on each. */
async function workersRss(onEach: TextClient[]): Promise<number> {
  let total = 0;
  for (const c of onEach) total += Number((await stats(c)).get('rss'));
  return total;
}

const HOLDS = 'holds 10,000 connections, still serves them, refuses one more, and reports RSS per connection';
skips.test(t, HOLDS, tooFewFiles, async () => {
  const ready = cluster.logs.find((l) => text(l) === 'ready')!;
  const files = Number(ready.open_files_limit);
  // Each worker holds half the clients, plus its links and logs: the server's own limit must allow it too.
  if (!(files >= CONNECTIONS + 512)) return skips.now(HOLDS, `the server's open files limit is ${ready.open_files_limit}; this test needs ${CONNECTIONS + 512}`);

  const started = Date.now();
  // The first two land on different workers (the primary hands connections out in turn): they measure.
  for (let i = 0; i < WORKERS; i++) clients.push(await TextClient.connect(cluster.port));
  const perWorker = new Map<string, TextClient>();
  for (const c of clients) perWorker.set((await stats(c)).get('worker')!, c);
  assert.is(perWorker.size, WORKERS);
  const probes = [...perWorker.values()];
  const rssBefore = await workersRss(probes);

  while (clients.length < CONNECTIONS) {
    const n = Math.min(BATCH, CONNECTIONS - clients.length);
    clients.push(...(await Promise.all(Array.from({ length: n }, () => TextClient.connect(cluster.port)))));
  }
  const openedMs = Date.now() - started;
  // Connected is not yet adopted: wait until both workers count every client.
  let connected = 0;
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    connected = 0;
    for (const c of probes) connected += Number((await stats(c)).get('connected_clients'));
    if (connected === CONNECTIONS) break;
    await sleep(100);
  }
  assert.is(connected, CONNECTIONS, 'every connection is held by a worker');
  const rssAfter = await workersRss(probes);

  const rand = prng(10_000);
  const sample = Array.from({ length: 20 }, () => clients[Math.floor(rand() * clients.length)]);
  for (const [i, c] of sample.entries()) assert.equal(await c.request([`PUT idle-${i} ${i}`, `GET idle-${i}`]), ['OK', String(i)]);
  assert.ok(clients.every((c) => !c.closed), 'no held connection was closed');

  const extra = await TextClient.connect(cluster.port);
  extra.send('GET idle-0\n');
  assert.equal(await extra.readLines(1), ['ERROR'], 'one client past maxclients is refused');
  const closeBy = Date.now() + 3000;
  while (!extra.closed && Date.now() < closeBy) await sleep(10);
  assert.ok(extra.closed, 'and closed');

  const perConnection = (rssAfter - rssBefore) / (CONNECTIONS - WORKERS);
  console.log(
    `    ${CONNECTIONS} idle connections: opened in ${openedMs} ms; worker RSS ${(rssBefore / 1048576).toFixed(1)} -> ${(rssAfter / 1048576).toFixed(1)} MB, ` +
      `${(perConnection / 1024).toFixed(1)} KB per connection; open files limit ${files}`,
  );
});

t.run();
