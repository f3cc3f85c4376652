import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameKind, helloFrame, shardOfString } from '@kv/wire';
import { COMMAND_TABLE_VERSION } from '@kv/node';
import { sleep, startCluster, stats, TextClient, type Cluster, type LogLine } from './harness';
import { clientsOn, everyWorker } from './on-workers';

const WORKERS = 3;
/** The worker whose link is hijacked, and the worker it pretends to be. */
const TARGET = 0;
const IMPERSONATED = 1;
const BYSTANDER = 2;
const ownerOf = (key: string) => shardOfString(key) % WORKERS;
const text = (line: LogLine) => line.message;

function keyOn(worker: number, prefix: string): string {
  for (let i = 0; ; i++) if (ownerOf(`${prefix}${i}`) === worker) return `${prefix}${i}`;
}

/** One client connection on each worker (whichever worker accepts first takes it: try until each has one), and each worker's pid. */
async function clientPerWorker(port: number): Promise<{ clients: TextClient[]; pids: number[] }> {
  const clients = await clientsOn(everyWorker(WORKERS), () => TextClient.connect(port), async (c) => Number((await stats(c)).get('worker')));
  const pids: number[] = [];
  for (const c of clients) pids.push(Number((await stats(c)).get('pid')));
  return { clients, pids };
}

async function waitFor(what: string, ms: number, ready: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

const t = suite('e2e: a peer link that sends a corrupt frame');
let cluster: Cluster;
let stoppedPid = 0;

t.before(async () => {
  cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '-1'] });
});
t.after(async () => {
  if (stoppedPid !== 0) process.kill(stoppedPid, 'SIGCONT');
  await cluster.stop();
});

t('the run dir is private to the server\'s user', () => {
  const runDir = cluster.logs.find((l) => text(l) === 'primary started')!.run_dir as string;
  assert.is(fs.statSync(runDir).mode & 0o777, 0o700, `${runDir} is 0700`);
  const sockets = fs.readdirSync(runDir).filter((f) => f.endsWith('.sock'));
  assert.is(sockets.length, WORKERS, 'each worker\'s peer socket is in it');
});

t('a stranger replacing a link with a HELLO, then sending a corrupt frame: owed commands get ERROR, the real peer relinks, nothing restarts', async () => {
  const peerSocket = cluster.logs.find((l) => text(l) === 'worker started' && l.worker === TARGET)!.peer_socket as string;
  assert.is(path.dirname(peerSocket), cluster.logs.find((l) => text(l) === 'primary started')!.run_dir);
  const { clients, pids } = await clientPerWorker(cluster.port);
  const target = clients[TARGET];
  const farKey = keyOn(IMPERSONATED, 'far-');
  assert.equal(await target.request([`PUT ${farKey} before`, `GET ${farKey}`]), ['OK', 'before']);

  // Clients of another worker, on keys of workers not impersonated, are served throughout.
  const bystanderKeys = [keyOn(BYSTANDER, 'by-'), keyOn(TARGET, 'by-')];
  const bystander = { stop: false, requests: 0, errors: [] as string[] };
  const bystanding = (async () => {
    for (let i = 0; !bystander.stop; i++) {
      const replies = await clients[BYSTANDER].request(bystanderKeys.flatMap((k) => [`PUT ${k} ${i}`, `GET ${k}`]));
      bystander.requests += replies.length;
      if (replies.join() !== ['OK', String(i), 'OK', String(i)].join()) bystander.errors.push(replies.join());
      await sleep(5);
    }
  })();

  // Hold the real worker 1 still, so it neither answers nor links again until the test lets it.
  stoppedPid = pids[IMPERSONATED];
  process.kill(stoppedPid, 'SIGSTOP');
  target.send(`GET ${farKey}\n`);
  await sleep(200);
  assert.is(target.unread, 0, 'the GET waits on the link to the stopped worker');

  // A HELLO naming worker 1 replaces its link, as a restarted worker 1 would.
  const stranger = net.createConnection(peerSocket);
  let received = Buffer.alloc(0);
  let strangerClosed = false;
  stranger.on('data', (chunk: Buffer) => (received = Buffer.concat([received, chunk])));
  stranger.on('close', () => (strangerClosed = true));
  stranger.on('error', () => {});
  await new Promise((resolve) => stranger.once('connect', resolve));
  const replacedAt = Date.now();
  stranger.write(helloFrame(IMPERSONATED, COMMAND_TABLE_VERSION));
  assert.equal(await target.readLines(1, 2000), ['ERROR'], 'the command owed on the replaced link gets ERROR');
  const replacedMs = Date.now() - replacedAt;

  // The next command for worker 1 goes to the stranger, which answers with a corrupt frame.
  target.send(`GET ${farKey}\n`);
  await waitFor('a request frame on the hijacked link', 2000, () => received.length >= 9);
  assert.is(received[4], FrameKind.REQUEST);
  assert.is(target.unread, 0);
  const corruptAt = Date.now();
  stranger.write(Buffer.from([0, 0, 0, 0, 0x7f, 0, 0, 0, 0]));
  assert.equal(await target.readLines(1, 2000), ['ERROR'], 'the command owed on the corrupt link gets ERROR');
  const corruptMs = Date.now() - corruptAt;
  await cluster.waitForLog((l) => text(l) === 'corrupt frame from peer' && l.worker === TARGET && l.peer === IMPERSONATED, 2000);
  await waitFor('worker 0 to close the corrupt link', 2000, () => strangerClosed);

  // Let worker 1 go: it finds its link closed and opens it again; its keys are still there.
  process.kill(stoppedPid, 'SIGCONT');
  stoppedPid = 0;
  const resumedAt = Date.now();
  let reply = '';
  while (Date.now() - resumedAt < 5000) {
    [reply] = await target.request([`GET ${farKey}`]);
    if (reply !== 'ERROR') break;
    await sleep(20);
  }
  const relinkedMs = Date.now() - resumedAt;
  assert.is(reply, 'before', 'worker 1 serves worker 0\'s clients again, its keys intact');

  bystander.stop = true;
  await bystanding;
  assert.equal(bystander.errors, [], 'the other worker\'s client saw no error');
  assert.ok(bystander.requests > 0);
  for (let w = 0; w < WORKERS; w++) assert.is((await stats(clients[w])).get('pid'), String(pids[w]), `worker ${w} was not restarted`);
  assert.not.ok(cluster.logs.some((l) => /worker died/.test(text(l))), 'no worker died');
  console.log(
    `    corrupt peer frame: owed command errored ${replacedMs} ms after the link was replaced and ${corruptMs} ms after the corrupt frame; ` +
      `worker 1 served again ${relinkedMs} ms after it resumed; bystander ${bystander.requests} requests, 0 errors`,
  );
  for (const c of clients) c.close();
  stranger.destroy();
});

t.run();
