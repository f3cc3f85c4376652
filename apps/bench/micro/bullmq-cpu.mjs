#!/usr/bin/env node
// Server CPU per BullMQ job and per EVALSHA, kv against redis-server: JOBS jobs added one at a
// time (each awaited), then processed by one Worker (concurrency 1, empty handler), keys under
// the `{bullmq}` prefix as the client suites use. CPU of the server's process tree from /proc;
// EVALSHA calls from INFO commandstats. Bounded: a phase that is not done in 60 s fails.
//   node apps/bench/micro/bullmq-cpu.mjs [--jobs 500] [--workers 2] [--target both|kv|redis] [--kv-main PATH] [--prof DIR]
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Queue, Worker } = require('bullmq');
const Redis = require('ioredis');
const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : fallback;
};
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const JOBS = Number(opt('jobs', '500'));
const WORKERS = opt('workers', '2');
const TARGET = opt('target', 'both');
const KV_MAIN = path.resolve(opt('kv-main', path.join(root, 'apps/router/dist/main.js')));
/** --prof DIR: kv under `node --cpu-prof`, its profiles written to DIR on exit. */
const PROF = opt('prof', null);
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

function cpuSeconds(rootPid) {
  const pids = [rootPid];
  for (let i = 0; i < pids.length; i++) {
    try {
      for (const c of fs.readFileSync(`/proc/${pids[i]}/task/${pids[i]}/children`, 'latin1').trim().split(/\s+/).filter(Boolean)) pids.push(Number(c));
    } catch {}
  }
  let ticks = 0;
  for (const pid of pids) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {}
  }
  return ticks / TICKS;
}

function waitFor(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start`)), 30000);
    const on = (chunk) => {
      text += chunk;
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', on);
    child.stderr.on('data', (c) => (text += c));
  });
}

async function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function start(which) {
  if (which === 'kv') {
    const child = spawn(process.execPath, [...(PROF ? ['--cpu-prof', '--cpu-prof-dir', PROF] : []), KV_MAIN, '--port', '0', '--host', '127.0.0.1', '--workers', WORKERS, '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const m = await waitFor(child, /"(?:message|msg)":"ready"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"(?:message|msg)":"ready"/, 'kv');
    return { child, port: Number(m[1] ?? m[2]), label: `kv (${WORKERS} workers)` };
  }
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitFor(child, /Ready to accept connections/, 'redis-server');
  return { child, port, label: 'redis-server' };
}

function within(work, what) {
  let timer;
  return Promise.race([work, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done in 60 s`)), 60000)))]).finally(() => clearTimeout(timer));
}

async function evalshaCalls(port) {
  const client = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  await client.connect();
  const info = await client.info('commandstats');
  client.disconnect();
  const m = /cmdstat_evalsha:calls=(\d+)/.exec(info);
  return m ? Number(m[1]) : 0;
}

async function measure(server) {
  const connection = { host: '127.0.0.1', port: server.port, maxRetriesPerRequest: null };
  const name = `q${Date.now()}`;
  const queue = new Queue(name, { connection, prefix: '{bullmq}' });
  queue.on('error', () => {});
  await queue.waitUntilReady();
  // Warm up: scripts loaded, JIT warm.
  for (let i = 0; i < 50; i++) await queue.add('warm', { i });
  await queue.obliterate({ force: true });
  const calls0 = await evalshaCalls(server.port);
  const cpu0 = cpuSeconds(server.child.pid);
  await within((async () => { for (let i = 0; i < JOBS; i++) await queue.add(`job${i}`, { i }); })(), 'add');
  const cpu1 = cpuSeconds(server.child.pid);
  let done = 0;
  let all;
  const finished = new Promise((r) => (all = r));
  const worker = new Worker(name, async () => 'ok', { connection, prefix: '{bullmq}', concurrency: 1 });
  worker.on('error', () => {});
  worker.on('completed', () => ++done === JOBS && all());
  await within(finished, 'process');
  const cpu2 = cpuSeconds(server.child.pid);
  await worker.close(true);
  const calls = (await evalshaCalls(server.port)) - calls0;
  await queue.close();
  const add = ((cpu1 - cpu0) * 1e6) / JOBS;
  const proc = ((cpu2 - cpu1) * 1e6) / JOBS;
  console.log(`${server.label}: add ${add.toFixed(0)} µs, process ${proc.toFixed(0)} µs of server CPU per job; ${calls} EVALSHA, ${(((cpu2 - cpu0) * 1e6) / calls).toFixed(0)} µs of server CPU per EVALSHA`);
}

for (const which of TARGET === 'both' ? ['redis', 'kv'] : [TARGET]) {
  const server = await start(which);
  try {
    await measure(server);
  } finally {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
}
process.exit(0);
