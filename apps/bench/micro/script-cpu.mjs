#!/usr/bin/env node
// Server CPU per EVALSHA of a BullMQ-like script (about a dozen redis.call each: INCR, HSET, HGET,
// HINCRBY, LPUSH, LLEN, RPOP, ZADD, ZREMRANGEBYRANK, XADD, HMGET, cmsgpack.pack/unpack), one
// client, `--depth` calls in flight, against kv and redis-server (127.0.0.1, free ports). The CPU
// is the server's whole process tree from /proc (utime + stime), not wall time: the machine is
// shared. Replies of both servers are compared byte for byte (a broken script fails the run).
//   node apps/bench/micro/script-cpu.mjs [--calls 20000] [--rounds 3] [--depth 1] [--workers 1]
//     [--target both|kv|redis] [--script bullmq|tiny] [--pad BYTES] [--on-worker N] [--kv-main apps/router/dist/main.js] [--prof DIR] [--top 30]
// --prof: kv runs under `node --cpu-prof` (profiles written to DIR on exit), then each busy
// process's top functions by self time and its time by part (wasm, GC, libs/lua, coord script*).
import { spawn, execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import bullmqLike from './bullmq-like.cjs';

const argv = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = argv.indexOf(`--${name}`);
  return at >= 0 ? argv[at + 1] : fallback;
};
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../..');
const CALLS = Number(opt('calls', '20000'));
const ROUNDS = Number(opt('rounds', '3'));
const DEPTH = Number(opt('depth', '1'));
const WORKERS = opt('workers', '1');
const TARGET = opt('target', 'both');
const KV_MAIN = path.resolve(opt('kv-main', path.join(root, 'apps/router/dist/main.js')));
const PROF = opt('prof', null);
const TOP = Number(opt('top', '30'));
const WARMUP = 3000;
const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const BULLMQ_LIKE = bullmqLike.SCRIPT_BODY;
/** --script tiny: the floor, a script that calls nothing (what the client path and EVALSHA itself cost). */
const BODY = opt('script', 'bullmq') === 'tiny' ? 'return 1' : BULLMQ_LIKE;
/** --pad BYTES: a comment that long after the body, as BullMQ's bodies are 9-40 KB (their helpers inlined). */
const PAD = Number(opt('pad', '0'));
const SCRIPT = PAD > 0 ? `${BODY}\n--[[${'-'.repeat(PAD)}]]\n` : BODY;
/** --on-worker N: kv's client on worker N (its CLIENT ID says which), to measure a script sent whole to its keys' owner. */
const ON_WORKER = opt('on-worker', null);
const KEYS = ['{q}:id', '{q}:job:', '{q}:events', '{q}:wait', '{q}:prio'];
const DATA = JSON.stringify({ user: 1234, payload: 'x'.repeat(64) });

function resp(...args) {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(''));
}

/** End of the RESP2 value at `at` in buf, or -1 when it is not whole yet. */
function valueEnd(buf, at) {
  if (at >= buf.length) return -1;
  const cr = buf.indexOf('\r\n', at);
  if (cr < 0) return -1;
  const type = buf[at];
  const n = Number(buf.toString('latin1', at + 1, cr));
  let pos = cr + 2;
  if (type === 0x24) return n < 0 ? pos : pos + n + 2 <= buf.length ? pos + n + 2 : -1;
  if (type === 0x2a) {
    for (let i = 0; i < n; i++) {
      pos = valueEnd(buf, pos);
      if (pos < 0) return -1;
    }
  }
  return pos;
}

class Client {
  constructor(port) {
    this.socket = net.connect(port, '127.0.0.1');
    this.socket.setNoDelay(true);
    this.buf = Buffer.alloc(0);
    this.waiters = [];
    this.socket.on('data', (chunk) => {
      this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
      let start = 0;
      for (;;) {
        const end = valueEnd(this.buf, start);
        if (end < 0) break;
        this.waiters.shift()(this.buf.subarray(start, end));
        start = end;
      }
      this.buf = start === this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(start));
    });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
  }
  send(cmd) {
    return new Promise((resolve) => {
      this.waiters.push((reply) => resolve(Buffer.from(reply)));
      this.socket.write(cmd);
    });
  }
  close() {
    this.socket.destroy();
  }
}

/** User and system CPU seconds of these processes so far. */
function cpuSeconds(pids) {
  let user = 0;
  let sys = 0;
  for (const pid of pids) {
    try {
      const text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
      const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
      user += Number(f[11]);
      sys += Number(f[12]);
    } catch {}
  }
  return { user: user / TICKS, sys: sys / TICKS };
}

function tree(rootPid) {
  const out = [rootPid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const child of fs.readFileSync(`/proc/${out[i]}/task/${out[i]}/children`, 'latin1').trim().split(/\s+/).filter(Boolean)) out.push(Number(child));
    } catch {}
  }
  return out;
}

function waitForLine(child, pattern, what) {
  return new Promise((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${text.slice(-2000)}`)), 30000);
    const onData = (chunk) => {
      text += chunk;
      const m = pattern.exec(text);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c) => (text += c));
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${text.slice(-2000)}`)));
  });
}

async function startKv() {
  const pre = PROF ? ['--cpu-prof', '--cpu-prof-dir', PROF] : [];
  const child = spawn(process.execPath, [...pre, KV_MAIN, '--port', '0', '--host', '127.0.0.1', '--workers', WORKERS, '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const m = await waitForLine(child, /"(?:message|msg)":"ready"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"(?:message|msg)":"ready"/, 'kv');
  return { child, port: Number(m[1] ?? m[2]), label: `kv (${WORKERS} worker${WORKERS === '1' ? '' : 's'})` };
}

async function startRedis() {
  const port = await new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'], { stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForLine(child, /Ready to accept connections/, 'redis-server');
  return { child, port, label: 'redis-server' };
}

async function stop(server) {
  const done = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10000);
  await done;
  clearTimeout(timer);
}

/** `n` EVALSHA calls, DEPTH in flight; the replies of the first 50 (to compare across servers). */
async function calls(client, sha, n, first) {
  let next = 0;
  const kept = [];
  const lane = async () => {
    while (next < n) {
      const i = next++;
      const reply = await client.send(resp('EVALSHA', sha, String(KEYS.length), ...KEYS, `job${i}`, DATA, String(1700000000000 + i)));
      if (first && i < 50) kept[i] = reply;
    }
  };
  await Promise.all(Array.from({ length: DEPTH }, lane));
  return kept;
}

/** A client on worker ON_WORKER (kv; client ids are k * 16 + worker + 1), or any. */
async function connect(server) {
  for (let tries = 0; tries < 64; tries++) {
    const client = new Client(server.port);
    await client.ready;
    if (ON_WORKER === null || server.label === 'redis-server') return client;
    const id = Number((await client.send(resp('CLIENT', 'ID'))).toString('latin1').slice(1, -2));
    if ((id - 1) % 16 === Number(ON_WORKER)) return client;
    client.close();
  }
  throw new Error(`no client landed on worker ${ON_WORKER}`);
}

async function measure(server) {
  const client = await connect(server);
  await client.send(resp('FLUSHALL'));
  const shaReply = (await client.send(resp('SCRIPT', 'LOAD', SCRIPT))).toString('latin1');
  if (!shaReply.startsWith('$40')) throw new Error(`${server.label}: SCRIPT LOAD answered ${shaReply}`);
  const sha = shaReply.slice(5, 45);
  const first = await calls(client, sha, WARMUP, true);
  const pids = tree(server.child.pid);
  const perCall = [];
  for (let r = 0; r < ROUNDS; r++) {
    const cpu0 = cpuSeconds(pids);
    const t0 = process.hrtime.bigint();
    await calls(client, sha, CALLS, false);
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu1 = cpuSeconds(pids);
    const user = cpu1.user - cpu0.user;
    const sys = cpu1.sys - cpu0.sys;
    perCall.push({ cpuUs: ((user + sys) * 1e6) / CALLS, sysUs: (sys * 1e6) / CALLS, perSecond: CALLS / wall });
  }
  client.close();
  perCall.sort((a, b) => a.cpuUs - b.cpuUs);
  const median = perCall[Math.floor(perCall.length / 2)];
  console.log(`${server.label}: ${median.cpuUs.toFixed(1)} µs of server CPU per EVALSHA (median of ${ROUNDS} x ${CALLS}; rounds ${perCall.map((p) => p.cpuUs.toFixed(1)).join(', ')}; user ${(median.cpuUs - median.sysUs).toFixed(1)}, system ${median.sysUs.toFixed(1)}), ${Math.round(median.perSecond)} calls/s wall, depth ${DEPTH}${ON_WORKER === null ? '' : `, client on worker ${ON_WORKER}`}, body ${SCRIPT.length} bytes`);
  return { cpuUs: median.cpuUs, first };
}

function summarise(dir) {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map();
    const parts = new Map();
    let total = 0;
    let idle = 0;
    profile.samples.forEach((id, i) => {
      const f = byId.get(id).callFrame;
      const t = profile.timeDeltas[i] ?? 0;
      total += t;
      if (f.functionName === '(idle)') return void (idle += t);
      const url = f.url || '';
      const key = `${f.functionName || '(anonymous)'} ${path.basename(url)}:${f.lineNumber + 1}`;
      self.set(key, (self.get(key) ?? 0) + t);
      const part = url.startsWith('wasm') || /^\$?lua|^wasm-function|^\$/.test(f.functionName) && url === '' ? 'wasm (Lua interpreter)'
        : f.functionName === '(garbage collector)' ? 'GC'
        : /libs\/lua\//.test(url) ? 'libs/lua (JS)'
        : /wasmoon/.test(url) ? 'wasmoon glue (JS)'
        : /coord\/script/.test(url) ? 'coord/script* (bridge)'
        : /apps\/node\//.test(url) || /libs\/lru\//.test(url) ? 'commands and store'
        : /\(program\)/.test(f.functionName) ? '(program)'
        : url === '' ? 'native / builtins'
        : 'other JS';
      parts.set(part, (parts.get(part) ?? 0) + t);
    });
    const busy = total - idle;
    if (busy < total * 0.05) continue;
    console.log(`\n## ${file}: ${(busy / 1e6).toFixed(2)} s busy of ${(total / 1e6).toFixed(2)} s`);
    for (const [k, v] of [...parts.entries()].sort((a, b) => b[1] - a[1])) console.log(`${((100 * v) / busy).toFixed(1).padStart(5)}%  [${k}]`);
    console.log('');
    for (const [k, v] of [...self.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP)) console.log(`${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`);
  }
}

const results = {};
for (const which of TARGET === 'both' ? ['redis', 'kv'] : [TARGET]) {
  const server = which === 'kv' ? await startKv() : await startRedis();
  try {
    results[which] = await measure(server);
  } finally {
    await stop(server);
  }
}
if (results.kv && results.redis) {
  const same = results.kv.first.every((r, i) => r.equals(results.redis.first[i]));
  if (!same) {
    const i = results.kv.first.findIndex((r, i) => !r.equals(results.redis.first[i]));
    console.log(`REPLIES DIFFER at call ${i}: kv ${JSON.stringify(results.kv.first[i].toString('latin1'))} redis ${JSON.stringify(results.redis.first[i].toString('latin1'))}`);
    process.exitCode = 1;
  }
  console.log(`kv / redis-server: ${(results.kv.cpuUs / results.redis.cpuUs).toFixed(2)}x the CPU per call; first 50 replies ${same ? 'identical' : 'DIFFER'}`);
}
if (PROF) summarise(PROF);
