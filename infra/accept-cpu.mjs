#!/usr/bin/env node
// The server's CPU per accepted connection in a cold burst, and where it goes (issue 21). Usage
// (from the repo root, after `npx tsc -b`; alone in a network namespace, with room for the fds):
//   ulimit -n $(ulimit -Hn); unshare -n bash -c "ip link set lo up && node infra/accept-cpu.mjs [options]"
// Options: --workers N (2) --connections N (2000) --rounds N (3) --proto resp|text (resp)
//   --tls (ECDSA P-256 port) --top N (20) --prof (CPU profile of every process, bursts only: its
//   sampler costs CPU too, so read the CPU figures from a run without it, the shares from this one)
//   --main path (apps/router/dist/main.js: another build, for before/after)
//   --under NAME (also: inclusive time of the functions called by frames named NAME, e.g. raw.onconnection)
//   --node-args '...' (for the server's node, e.g. --trace-gc: the workers inherit them)
//   --windows (prints the warm bursts' windows as perf's --time list, in CLOCK_MONOTONIC seconds: on-CPU
//   samples of exactly the bursts, e.g. `perf record -k mono -F 3000 -g -- node infra/accept-cpu.mjs --windows
//   --node-args --perf-basic-prof`, then `perf report --time "<list>" --sort pid,dso`; the V8 profile of --prof
//   counts wall time, so a write that wakes another process and is preempted looks like CPU spent in the write)
// Starts the server fresh on 127.0.0.1, then per round opens every connection at once, each
// sending one GET as soon as it is connected, and waits for every first reply: the server's CPU
// (primary and workers, every thread, from /proc/<pid>/task/*/schedstat in ns) over that window
// divided by the connections is the figure. Round 1 meets a cold server (nothing compiled for
// accepting yet), later rounds a warm one; the connections are closed and the server left to
// settle between rounds. Wall-clock figures are printed too but are noise on a shared machine.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as tls from 'node:tls';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
};
const workers = Number(opt('workers', '2'));
const connections = Number(opt('connections', '2000'));
const rounds = Number(opt('rounds', '3'));
const proto = opt('proto', 'resp');
const useTls = args.includes('--tls');
const prof = args.includes('--prof');
const top = Number(opt('top', '20'));
const under = opt('under', null);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const main = path.resolve(opt('main', path.join(root, 'apps/router/dist/main.js')));
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-accept-cpu-'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU time of every thread of `pid` so far, in ns (0 once it is gone). */
function cpuNs(pid) {
  let ns = 0;
  let tasks = [];
  try {
    tasks = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return 0;
  }
  for (const tid of tasks) {
    try {
      ns += Number(fs.readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').split(' ')[0]);
    } catch {}
  }
  return ns;
}

/** The direct children of `pid` (the cluster's workers). */
function childrenOf(pid) {
  const out = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const text = fs.readFileSync(`/proc/${entry}/stat`, 'latin1');
      if (Number(text.slice(text.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(entry));
    } catch {}
  }
  return out.sort((a, b) => a - b);
}

const serverArgs = [main, '--port', '0', '--host', '127.0.0.1', '--workers', String(workers), '--maxclients', String(Math.max(10000, connections + 100))];
let ca;
if (useTls) {
  const cert = path.join(dir, 'c.crt');
  const key = path.join(dir, 'c.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  ca = fs.readFileSync(cert, 'latin1');
  serverArgs.push('--tls-port', String(await freePort()), '--tls-cert', cert, '--tls-key', key);
}
const nodeArgs = [...(prof ? ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200'] : []), ...opt('node-args', '').split(' ').filter(Boolean)];
const server = spawn(process.execPath, [...nodeArgs, ...serverArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
readline.createInterface({ input: server.stderr }).on('line', (line) => process.stderr.write(`server: ${line}\n`));
const ready = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('server did not start in 30 s')), 30_000);
  readline.createInterface({ input: server.stdout }).on('line', (line) => {
    if (!line.startsWith('{')) process.stderr.write(`server: ${line}\n`); // --trace-gc and the like, through NODE_OPTIONS
    if (!/"(message|msg)":"ready"/.test(line)) return;
    clearTimeout(timer);
    resolve(JSON.parse(line));
  });
});
const port = useTls ? Number(ready.tls_port) : Number(ready.port);
await sleep(500); // every worker listening and granted its places
const pids = [server.pid, ...childrenOf(server.pid)];
const names = pids.map((_, i) => (i === 0 ? 'primary' : `worker ${i - 1}`));

function request(i) {
  const key = `burst:${i}`;
  return proto === 'text' ? `GET ${key}\n` : `*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`;
}

/** Opens every connection at once; resolves with them once each has its first reply. */
function burst(round) {
  return new Promise((resolve, reject) => {
    const sockets = [];
    const replyMs = [];
    const started = performance.now();
    const timer = setTimeout(() => reject(new Error(`round ${round}: ${replyMs.length} of ${connections} answered in 30 s`)), 30_000);
    for (let i = 0; i < connections; i++) {
      const socket = ca === undefined ? net.connect({ host: '127.0.0.1', port }) : tls.connect({ host: '127.0.0.1', port, ca });
      sockets.push(socket);
      let answered = false;
      socket.on('error', (err) => reject(new Error(`round ${round}, connection ${i}: ${err.message}`)));
      socket.once(ca === undefined ? 'connect' : 'secureConnect', () => socket.write(request(round * connections + i)));
      socket.on('data', (chunk) => {
        if (answered || chunk.indexOf(0x0a) < 0) return;
        answered = true;
        replyMs.push(performance.now() - started);
        if (replyMs.length === connections) {
          clearTimeout(timer);
          resolve({ sockets, slowestMs: Math.max(...replyMs) });
        }
      });
    }
  });
}

const results = [];
const windows = [];
try {
  for (let round = 1; round <= rounds; round++) {
    const idleBefore = pids.map(cpuNs);
    await sleep(200);
    const idleNs = pids.map((pid, i) => cpuNs(pid) - idleBefore[i]); // background CPU in 200 ms
    const before = pids.map(cpuNs);
    const t0 = process.hrtime.bigint();
    const started = performance.now();
    const { sockets, slowestMs } = await burst(round);
    const wallMs = performance.now() - started;
    const t1 = process.hrtime.bigint();
    const usedNs = pids.map((pid, i) => cpuNs(pid) - before[i]);
    windows.push([Number(t0 / 1000n), Number(t1 / 1000n)]);
    results.push({ round, wallMs, slowestMs, usedNs, idleNs });
    for (const s of sockets) s.destroy();
    await sleep(1500); // closes handled, places given back, counts reported
  }
} finally {
  server.kill('SIGTERM');
  await new Promise((r) => server.on('exit', r));
}

if (args.includes('--windows')) console.log(`windows (perf --time): ${windows.slice(1).map(([a, b]) => `${(a / 1e6).toFixed(6)},${(b / 1e6).toFixed(6)}`).join(' ')}`);
const us = (ns) => (ns / 1000 / connections).toFixed(1);
console.log(`\n${connections} connections at once, ${workers} workers, ${proto}${useTls ? ', TLS (ECDSA P-256)' : ''}, ${main}; load average ${os.loadavg()[0].toFixed(1)}`);
console.log(`| round | wall ms | slowest first reply ms | ${names.map((n) => `${n} CPU µs/conn`).join(' | ')} | server CPU µs/conn |`);
console.log(`|---|--:|--:|${names.map(() => '--:|').join('')}--:|`);
for (const r of results) {
  const total = r.usedNs.reduce((a, b) => a + b, 0);
  console.log(`| ${r.round}${r.round === 1 ? ' (cold)' : ''} | ${r.wallMs.toFixed(0)} | ${r.slowestMs.toFixed(0)} | ${r.usedNs.map(us).join(' | ')} | **${us(total)}** |`);
}
const idle = results.map((r) => r.idleNs.reduce((a, b) => a + b, 0) / 1e6 / 0.2);
console.log(`(server background CPU between rounds: ${idle.map((ms) => `${ms.toFixed(1)} ms/s`).join(', ')})`);

if (prof) summarizeProfiles();
fs.rmSync(dir, { recursive: true, force: true });

/** Self time of each function within the bursts' windows, per process that did work, and by round 1 vs the rest. */
function summarizeProfiles() {
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).sort()) {
    const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parents = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
    const perRound = windows.map(() => new Map());
    const callers = new Map(); // self key -> caller key -> time (the frame that called it, two up)
    const frameKey = (f) => `${f.functionName || '(anonymous)'} ${path.basename(f.url || '')}:${f.lineNumber + 1}`;
    const busy = windows.map(() => 0);
    const entries = windows.map(() => new Map());
    let t = profile.startTime;
    profile.samples.forEach((id, i) => {
      t += profile.timeDeltas[i] ?? 0;
      const w = windows.findIndex(([a, b]) => t >= a && t <= b);
      if (w < 0) return;
      const f = byId.get(id).callFrame;
      if (f.functionName === '(idle)') return;
      const dt = profile.timeDeltas[i + 1] ?? profile.timeDeltas[i] ?? 0;
      const key = frameKey(f);
      perRound[w].set(key, (perRound[w].get(key) ?? 0) + dt);
      const up = [parents.get(id), parents.get(parents.get(id))].filter((p) => p !== undefined).map((p) => frameKey(byId.get(p).callFrame)).join(' < ');
      // The callback the event loop entered (the frame under the root; the next one for Node's queues).
      const stack = [];
      for (let n = id; n !== undefined; n = parents.get(n)) stack.unshift(byId.get(n).callFrame.functionName || '(anonymous)');
      const entry = `entry: ${stack.slice(1, /^(processTicksAndRejections|processImmediate|listOnTimeout|processTimers|emit)$/.test(stack[1]) ? 4 : 2).join(' > ') || stack[0]}`;
      entries[w].set(entry, (entries[w].get(entry) ?? 0) + dt);
      const at = under === null ? -1 : stack.indexOf(under);
      if (at >= 0) {
        const callee = `under ${under}: ${stack.slice(at + 1, at + 3).join(' > ') || '(self)'}`;
        entries[w].set(callee, (entries[w].get(callee) ?? 0) + dt);
      }
      const byCaller = callers.get(key) ?? new Map();
      callers.set(key, byCaller.set(up, (byCaller.get(up) ?? 0) + dt));
      busy[w] += dt;
    });
    if (busy.every((b) => b < 1000)) continue; // under a ms in every burst: not a process that accepted
    for (const [label, sets] of [['round 1 (cold)', [0]], ['later rounds', windows.slice(1).map((_, i) => i + 1)]]) {
      const merged = new Map();
      let total = 0;
      for (const w of sets) {
        total += busy[w];
        for (const [k, v] of perRound[w]) merged.set(k, (merged.get(k) ?? 0) + v);
      }
      if (total === 0) continue;
      console.log(`\n## ${file}, ${label}: ${(total / 1000).toFixed(1)} ms sampled busy (${((total / sets.length / connections)).toFixed(1)} µs/conn)`);
      const byEntry = new Map();
      for (const w of sets) for (const [k, v] of entries[w]) byEntry.set(k, (byEntry.get(k) ?? 0) + v);
      for (const [k, v] of [...byEntry].sort((a, b) => b[1] - a[1]).slice(0, under === null ? 8 : 30)) console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}`);
      for (const [k, v] of [...merged].sort((a, b) => b[1] - a[1]).slice(0, top)) {
        const from = [...(callers.get(k) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 2).map(([c]) => c);
        console.log(`${((100 * v) / total).toFixed(1).padStart(5)}%  ${k}${from.length > 0 && from[0] !== '' ? `  <- ${from.join(' | ')}` : ''}`);
      }
    }
  }
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject).listen(0, '127.0.0.1', () => {
      const p = probe.address().port;
      probe.close(() => resolve(p));
    });
  });
}
