// CPU per command through a worker's client side, in one process: a real Router, ShardNode and Conn
// (a fake socket), GETs and SETs of local keys fed as reads of `depth` pipelined commands.
// node apps/bench/micro/client-path-cpu.cjs <root of a built checkout> [resp|text] [commands per read]
const path = require('node:path');
const root = path.resolve(process.argv[2] ?? '.');
const which = require('node:fs').existsSync(`${root}/apps/router/dist/client/reply-order.js`) ? 'new' : 'old';
const proto = process.argv[3] ?? 'resp';
const depth = Number(process.argv[4] ?? 1);
const { ShardNode } = require(`${root}/apps/node/dist/index.js`);
const { Peers } = require(`${root}/apps/router/dist/links/peers.js`);
const { Router } = require(`${root}/apps/router/dist/worker/router.js`);
const { Conn } = require(`${root}/apps/router/dist/client/conn.js`);
const ALL = Array.from({ length: 16 }, (_, i) => i);
const limits = { restarts: 0, protectedMode: false, maxclients: 100, maxclientsTotal: 100, timeout: 0, luaTimeLimit: 5000, tcpKeepalive: 0, clientOutputLimit: 1 << 30, requirepass: '', protoMaxBulkLen: 1 << 29, clientQueryBufferLimit: 1 << 30, textMaxLine: 4096, maxmemory: 1 << 28, port: 0, host: '127.0.0.1' };
const map = { version: 1, workers: 1, owners: new Array(16).fill(0) };
const node = new ShardNode(ALL, 1 << 28);
const peers = new Peers(0, 1, node, { onLinkDown() {}, onCorruptFrame() {} });
let router;
if (which === 'old') router = new Router(0, map, node, peers, limits);
else {
  const { workerScripts } = require(`${root}/apps/router/dist/worker/lua.js`);
  router = new Router(0, map, node, peers, limits, workerScripts(0, 5000, 0));
}
let written = 0;
const socket = { writableLength: 0, write(b) { written += b.length; return true; }, pause() {}, resume() {}, destroy() {}, end() {}, once() { return this; }, on() { return this; } };
const conn = new Conn(socket, router, 1);
const enc = (...argv) => `*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`;
const value = 'v'.repeat(32);
const keys = Array.from({ length: 64 }, (_, i) => `key:${i}`);
const cmd = (i) => (proto === 'resp' ? (i % 2 ? enc('GET', keys[i % 64]) : enc('SET', keys[i % 64], value)) : i % 2 ? `GET ${keys[i % 64]}\n` : `PUT ${keys[i % 64]} ${value}\n`);
const reads = Array.from({ length: 64 }, (_, r) => Buffer.from(Array.from({ length: depth }, (_, j) => cmd(r * depth + j)).join('')));
const run = (n) => { for (let i = 0; i < n; i++) router.receive(conn, reads[i & 63]); };
run(50000);
const samples = [];
for (let s = 0; s < 7; s++) {
  const n = Math.ceil(400000 / depth);
  const t0 = process.cpuUsage();
  run(n);
  const t = process.cpuUsage(t0);
  samples.push(((t.user + t.system) * 1000) / (n * depth));
}
samples.sort((a, b) => a - b);
console.log(`${which} ${proto} depth ${depth}: ${samples[3].toFixed(0)} ns of CPU per command (median of 7; min ${samples[0].toFixed(0)})`);
process.exit(0);
