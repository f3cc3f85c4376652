import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { MAIN, childPids, processAlive, sleep, startCluster, stats, TextClient } from './harness';

const ROOT = path.resolve(__dirname, '../../..');

function runMain(args: string[], env: NodeJS.ProcessEnv = {}) {
  return spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 10_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

const config = suite('e2e: configuration at start-up');

config('exits 2 with a message naming the option for each bad value', () => {
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--workers', '20'], {}, /--workers/],
    [['--workers', '0'], {}, /--workers/],
    [['--port', '70000'], {}, /--port/],
    [['--maxmemory', 'lots'], {}, /--maxmemory/],
    [['--no-such-flag'], {}, /--no-such-flag/],
    [[], { KV_WORKERS: 'many' }, /KV_WORKERS/],
  ];
  for (const [args, env, mentions] of cases) {
    const run = runMain(args, env);
    assert.is(run.status, 2, `${args.join(' ')} ${JSON.stringify(env)} exits 2`);
    assert.match(run.stderr, mentions);
  }
});

config('prints help generated from the schema and exits 0', () => {
  const run = runMain(['--help']);
  assert.is(run.status, 0);
  for (const word of ['--port', '--host', '--workers', '--maxmemory', '--config', 'KV_PORT', 'KV_WORKERS', 'KV_MAXMEMORY']) {
    assert.ok(run.stdout.includes(word), `help mentions ${word}`);
  }
});

config('takes the worker count from the environment and a config file', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-config-'));
  const file = path.join(dir, 'kv.json');
  fs.writeFileSync(file, JSON.stringify({ workers: 3, maxmemory: '64mb' }));
  try {
    const fromFile = await startCluster({ workers: 1, args: ['--config', file], env: {} });
    // The flag given by the harness (--workers 1) wins over the file.
    const ready = fromFile.logs.find((l) => l.message === 'ready')!;
    assert.is(ready.workers, 1);
    assert.is(ready.maxmemory, 64 * 1024 * 1024);
    assert.is(await fromFile.stop(), 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

config.run();

const lifecycle = suite('e2e: graceful shutdown');

lifecycle('SIGTERM under load answers every command it read in full, closes clients, and exits 0', async () => {
  const cluster = await startCluster({ workers: 2 });
  const workers = childPids(cluster.pid);
  assert.is(workers.length, 2);
  const clients = await Promise.all(Array.from({ length: 10 }, () => TextClient.connect(cluster.port)));
  const received = clients.map(() => [] as Buffer[]);
  let sent = 0;
  clients.forEach((client, c) => {
    client.socket.removeAllListeners('data');
    client.socket.on('data', (chunk: Buffer) => received[c].push(chunk));
  });
  const batch = Array.from({ length: 500 }, (_, i) => `PUT term-${i} value-${i}\n`).join('');
  const writer = setInterval(() => {
    for (const client of clients) {
      if (!client.closed) {
        client.send(batch);
        sent += 500;
      }
    }
  }, 5);
  await sleep(300);
  const contention = new Contention().start();
  const signalled = Date.now();
  const exited = cluster.stop();
  const code = await exited;
  const took = Date.now() - signalled;
  contention.stop();
  clearInterval(writer);
  await sleep(100);
  assert.is(code, 0, `exit status; logs:\n${cluster.logs.map((l) => JSON.stringify(l)).join('\n')}\n${cluster.stderr.join('')}`);
  assert.ok(took < contention.bound(10_000), contention.says('stopped', took, 10_000));
  let answered = 0;
  received.forEach((chunks, c) => {
    const text = Buffer.concat(chunks).toString('latin1');
    assert.ok(text.length === 0 || text.endsWith('\n'), `client ${c} got only whole replies`);
    const lines = text.split('\n').slice(0, -1);
    assert.ok(lines.every((l) => l === 'OK'), `client ${c} got only OK`);
    answered += lines.length;
    assert.ok(clients[c].closed, `client ${c} was closed`);
  });
  assert.ok(answered > 0 && answered <= sent, `${answered} of ${sent} commands answered`);
  console.log(`    SIGTERM under load: exit 0 after ${took} ms, ${answered} of ${sent} pipelined commands read and answered`);
  assert.ok(workers.every((pid) => !processAlive(pid)), 'no worker outlives the primary');
});

lifecycle('a primary killed with SIGKILL takes its workers down', async () => {
  const cluster = await startCluster({ workers: 2 });
  const workers = childPids(cluster.pid);
  process.kill(cluster.pid, 'SIGKILL');
  await cluster.stop();
  const deadline = Date.now() + 5000;
  while (workers.some(processAlive) && Date.now() < deadline) await sleep(50);
  assert.ok(workers.every((pid) => !processAlive(pid)), 'workers exit when the primary is gone');
});

lifecycle.run();

const npmStart = suite('e2e: npm start');

npmStart('builds, starts with flags passed through, and stops on SIGTERM', async () => {
  const port = await freePort();
  const child = spawn('npm', ['start', '--', '--port', String(port), '--workers', '3', '--host', '127.0.0.1'], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes('"message":"ready"') && Date.now() < deadline && child.exitCode === null) await sleep(100);
    assert.ok(out.includes('"message":"ready"'), `ready line seen:\n${out}`);
    const ready = JSON.parse(out.split('\n').find((l) => l.includes('"message":"ready"'))!);
    assert.is(ready.port, port);
    assert.is(ready.workers, 3);
    const client = await TextClient.connect(port);
    assert.equal(await client.request(['PUT via-npm yes', 'GET via-npm']), ['OK', 'yes']);
    assert.is((await stats(client)).get('workers'), '3');
    client.close();
  } finally {
    // The whole process group this test started: npm, turbo and the server under it.
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  // Turbo may exit before the server's last log lines pass through it; check the processes instead.
  const pids = out
    .split('\n')
    .filter((l) => l.includes('"message":"ready"') || l.includes('"message":"worker started"'))
    .map((l) => JSON.parse(l).pid as number);
  assert.is(pids.length, 4, 'primary and three workers seen');
  const deadline = Date.now() + 10_000;
  while (pids.some(processAlive) && Date.now() < deadline) await sleep(50);
  assert.ok(!pids.some(processAlive), `server processes stopped:\n${out}`);
});

npmStart.run();
