import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingTool, Skips } from '../../../test-support/skip';
import { openFilesLimit } from '../src/config/resources';
import { childPids, MAIN, readLogLines, RespClient, sleep, startCluster, stats, TextClient, type Cluster, type LogLine } from './harness';

const maxclients = suite('e2e: maxclients');
let cluster: Cluster;

maxclients.before(async () => {
  // maxclients is the server's: 4 over both workers, however they took them.
  cluster = await startCluster({ workers: 2, args: ['--maxclients', '4'] });
});
maxclients.after(async () => {
  await cluster.stop();
});

maxclients('past the limit a client gets the error in its own protocol and is closed; the others are untouched', async () => {
  const admitted = await Promise.all([1, 2, 3, 4].map(() => TextClient.connect(cluster.port)));
  for (const c of admitted) assert.equal(await c.request(['PUT k v', 'GET k']), ['OK', 'v']);
  const text = await TextClient.connect(cluster.port);
  text.send('GET k\n');
  assert.equal(await text.readLines(1), ['ERROR']);
  const resp = await RespClient.connect(cluster.port);
  resp.text.send(RespClient.encode('PING'));
  assert.equal(await resp.read(), { error: 'ERR max number of clients reached' });
  const deadline = Date.now() + 2000;
  while ((!text.closed || !resp.text.closed) && Date.now() < deadline) await sleep(10);
  assert.ok(text.closed && resp.text.closed, 'refused clients are closed');
  for (const c of admitted) assert.equal(await c.request(['GET k']), ['v']);
  for (const c of admitted) c.close();
  // Counted by the worker that took them (workers accept from one queue): INFO sums the workers.
  // (Their places free up as the workers see them close: asked until one is.)
  let reply: unknown = null;
  for (let tries = 0; tries < 50 && typeof reply !== 'string'; tries++) {
    const info = await RespClient.connect(cluster.port);
    reply = await info.call('INFO', 'stats').catch(() => null);
    info.close();
    if (typeof reply !== 'string') await sleep(20);
  }
  const rejected = /rejected_connections:(\d+)/.exec(String(reply))?.[1];
  assert.ok(Number(rejected) >= 2, `both refused clients counted: ${rejected}`);
});

maxclients.run();

const idle = suite('e2e: timeout');

idle.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--timeout', '1'] });
});
idle.after(async () => {
  await cluster.stop();
});

idle('closes a client idle for longer than --timeout, keeps a busy one', async () => {
  const quiet = await TextClient.connect(cluster.port);
  const busy = await TextClient.connect(cluster.port);
  const started = Date.now();
  while (Date.now() - started < 2500) {
    assert.equal(await busy.request(['GET k']), ['NOTFOUND']);
    await sleep(300);
  }
  assert.ok(quiet.closed, 'the idle client was closed');
  assert.not.ok(busy.closed, 'the busy one was not');
  busy.close();
});

idle('a client that connected with no timeout is closed once CONFIG SET sets one (its listener is added then)', async () => {
  const admin = await RespClient.connect(cluster.port);
  assert.equal(await admin.call('CONFIG', 'SET', 'timeout', '0'), 'OK');
  const quiet = await TextClient.connect(cluster.port);
  assert.equal(await quiet.request(['GET k']), ['NOTFOUND']);
  await sleep(1300);
  assert.not.ok(quiet.closed, 'no timeout: kept');
  assert.equal(await admin.call('CONFIG', 'SET', 'timeout', '1'), 'OK');
  const deadline = Date.now() + 4000;
  while (!quiet.closed && Date.now() < deadline) {
    await sleep(100);
    await admin.call('PING');
  }
  assert.ok(quiet.closed, 'idle past the timeout set later: closed');
  admin.close();
});

idle.run();

const output = suite('e2e: client output limit');

output.before(async () => {
  cluster = await startCluster({ workers: 1, args: ['--client-output-limit', '1mb'] });
});
output.after(async () => {
  await cluster.stop();
});

output('a client that pipelines GETs and never reads cannot grow the server; others keep being served', async () => {
  const probe = await TextClient.connect(cluster.port);
  const value = 'v'.repeat(250);
  assert.equal(await probe.request([`PUT big ${value}`]), ['OK']);
  const rssBefore = Number((await stats(probe)).get('rss'));
  const flood = await TextClient.connect(cluster.port);
  flood.socket.pause();
  const batch = Buffer.from('GET big\n'.repeat(10_000));
  // 1,000,000 GETs (about 250 MB of replies) written as fast as the server takes them.
  let sent = 0;
  const writing = (async () => {
    while (sent < 100 && !flood.closed) {
      if (!flood.socket.write(batch)) await new Promise((resolve) => flood.socket.once('drain', resolve).once('close', resolve));
      sent++;
    }
  })();
  await Promise.race([writing, sleep(3000)]);
  const s = await stats(probe);
  const grewMb = (Number(s.get('rss')) - rssBefore) / 1048576;
  console.log(`    client output limit: ${sent} batches of 10,000 GETs sent, worker RSS grew ${grewMb.toFixed(1)} MB, flooding client closed: ${flood.closed}, closed for output: ${s.get('client_output_limit_closed')}`);
  assert.ok(grewMb < 64, `worker RSS grew ${grewMb.toFixed(1)} MB`);
  assert.ok(Number(s.get('client_output_limit_closed')) >= 1 && flood.closed, 'the client past the limit was closed');
  assert.equal(await probe.request(['GET big']), [value], 'other clients are served');
  flood.close();
  probe.close();
});

output.run();

const protectedMode = suite('e2e: protected mode');

protectedMode.before(async () => {
  cluster = await startCluster({ workers: 1, args: ['--host', '0.0.0.0'] });
});
protectedMode.after(async () => {
  await cluster.stop();
});

protectedMode('is on by default with no password and an all-interfaces bind, and still serves loopback clients', async () => {
  const c = await RespClient.connect(cluster.port);
  assert.equal(await c.call('CONFIG', 'GET', 'protected-mode'), ['protected-mode', 'yes']);
  assert.is(await c.call('SET', 'k', 'v'), 'OK');
  c.close();
});

protectedMode.run();

const nofile = suite('e2e: open files limit raised at start');

// Node raises its soft RLIMIT_NOFILE to the hard limit as it starts (PlatformInit), in the primary
// and in every worker it forks: the server relies on that rather than a setrlimit of its own.
const own = openFilesLimit();
const noPrlimit = own === null || !(own.hard > 2048) || own.hard === Infinity ? `needs a finite hard open-files limit above 2048 (have ${JSON.stringify(own)})` : missingTool('prlimit');
new Skips('e2e: open files limit raised at start').test(nofile, 'a low soft limit is raised to the hard one, for the primary and the workers it forks', noPrlimit, async () => {
  const hard = own!.hard;
  // Start the server with its soft limit lowered to 1024, as a default shell would.
  const child = spawn('prlimit', [`--nofile=1024:${hard}`, process.execPath, MAIN, '--port', '0', '--host', '127.0.0.1', '--workers', '2', '--admin-port', '-1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const ready = await new Promise<LogLine>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready line in 20 s')), 20_000);
      readLogLines(child.stdout!, (line) => {
        if (line.message !== 'ready') return;
        clearTimeout(timer);
        resolve(line);
      });
    });
    assert.is(ready.open_files_limit, hard);
    const workers = childPids(child.pid!);
    assert.is(workers.length, 2);
    for (const pid of workers) assert.equal(openFilesLimit(`/proc/${pid}/limits`), { soft: hard, hard: hard }, `worker ${pid}`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
  }
});

nofile.run();
