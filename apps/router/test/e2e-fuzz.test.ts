import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { prng } from '../../../test-support/prng';
import { RespClient, sleep, startCluster, stats, TextClient, type Cluster, type LogLine } from './harness';

/** Replay a failure with KV_FUZZ_SEED=<the seed printed>; the command streams repeat, their timing does not. */
const SEED = Number(process.env.KV_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WORKERS = 2;
const FUZZERS = 20;
const FUZZ_MS = 5000;
const CHECKED_KEYS = 200;
const text = (line: LogLine) => line.message;

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (rand: Rand, n: number) => Math.floor(rand() * n);

function randomBytes(rand: Rand, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = int(rand, 256);
  return out;
}

/** An argument: mostly a key of the fuzzers' own, sometimes a number, sometimes any bytes. */
function arg(rand: Rand): Buffer {
  const r = rand();
  if (r < 0.45) return Buffer.from(`fz:${int(rand, 50)}`);
  if (r < 0.5) return Buffer.from(`{fz}:${int(rand, 10)}`);
  if (r < 0.7) return Buffer.from(String(int(rand, 3) === 0 ? -int(rand, 1e6) : int(rand, 1e6)));
  if (r < 0.8) return Buffer.from(pick(rand, ['EX', 'PX', 'NX', 'XX', 'GET', 'KEEPTTL', 'MATCH', 'COUNT', '*', 'fz:*', '0', '', 'inf', 'nan', '1', '2', 'LOAD', 'FLUSH', 'EXISTS']));
  if (r < 0.85) return Buffer.from(pick(rand, SCRIPTS));
  return randomBytes(rand, int(rand, rand() < 0.9 ? 40 : 3000));
}

/** Script bodies for EVAL (and their sha1s, for EVALSHA): well formed, broken, runaway (--lua-time-limit stops it). */
const SCRIPTS = [
  "return redis.call('GET', KEYS[1])",
  "return redis.call('SET', KEYS[1], ARGV[1])",
  "return {redis.call('INCR', KEYS[1]), redis.call('MGET', KEYS[1], KEYS[2])}",
  "redis.call('MSET', KEYS[1], ARGV[1], KEYS[2], ARGV[2]) return redis.call('DEL', KEYS[2])",
  "return redis.pcall('GET', 'fz:undeclared')",
  "redis.call('HSET', KEYS[1], 'f', ARGV[1]) return redis.call('HGETALL', KEYS[1])",
  "return cjson.encode(redis.call('HGETALL', KEYS[1]))",
  'return {1, 2.5, true, false, nil, {err = "x"}}',
  'while true do end',
  'return 1 +',
  'return x',
  'a0a9ab2d8ac6f0e3ec2c2b7a74d1bd9c3bd0e8b1',
];

/** Every command the fuzzers may send (hashes, MULTI/EXEC and scripts on the fuzzers' keys too), except the ones that would touch the checker's keys (FLUSHALL, FLUSHDB). */
const NAMES = [
  'GET', 'SET', 'SETNX', 'SETEX', 'PSETEX', 'GETSET', 'GETDEL', 'GETEX', 'APPEND', 'STRLEN', 'INCR', 'DECR', 'INCRBY',
  'DECRBY', 'INCRBYFLOAT', 'MGET', 'MSET', 'MSETNX', 'DEL', 'UNLINK', 'EXISTS', 'TOUCH', 'EXPIRE', 'PEXPIRE', 'EXPIREAT',
  'PEXPIREAT', 'TTL', 'PTTL', 'PERSIST', 'TYPE', 'DBSIZE', 'KEYS', 'SCAN', 'INFO', 'PING', 'ECHO', 'QUIT', 'SELECT',
  'HELLO', 'CLIENT', 'COMMAND', 'CONFIG', 'TIME', 'AUTH', 'PUT', 'STATS', 'NOSUCH', 'SHUTDOWN', 'DEBUG', 'mget', 'sEt',
  'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'SCRIPT', 'multi', 'exec',
  'HSET', 'HSETNX', 'HMSET', 'HGET', 'HMGET', 'HGETALL', 'HDEL', 'HEXISTS', 'HLEN', 'HKEYS', 'HVALS', 'HSTRLEN',
  'HINCRBY', 'HINCRBYFLOAT', 'HRANDFIELD', 'HSCAN',
];

/** A RESP command: well formed with a random name and arity, or broken somewhere. */
function respCommand(rand: Rand): Buffer {
  const argv = [Buffer.from(pick(rand, NAMES)), ...Array.from({ length: int(rand, 6) }, () => arg(rand))];
  const whole = RespClient.encode(...argv);
  // Mostly well formed: a broken one usually ends the connection, and the rest of its burst with it.
  switch (int(rand, 30)) {
    case 0: // cut short: the rest arrives as whatever comes next
      return whole.subarray(0, int(rand, whole.length));
    case 1: // a length header that lies: huge, negative, not a number, past the limits
      return Buffer.from(pick(rand, ['*-5\r\n', '*0\r\n', '*99999999999\r\n', '*2\r\n$-1\r\n', '*1\r\n$999999999\r\n', '*1\r\n$70000000\r\n', '*1\r\n$200000\r\n', '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$x\r\n', '*1\r\n+PING\r\n', '*1\r\n$4\r\nPING\r\n\r\n', '*2\r\n$3\r\nGET\r\n$5\r\nab\r\n']));
    case 2: // one byte flipped
      if (whole.length > 0) whole[int(rand, whole.length)] = int(rand, 256);
      return whole;
    default:
      return whole;
  }
}

/** A text line: a valid PUT or GET of the fuzzers' keys, or an edge case (most answered ERROR, `GET` and `GET a b` NOTFOUND). */
function textCommand(rand: Rand): Buffer {
  switch (int(rand, 8)) {
    case 0:
      return Buffer.from(`PUT fz:${int(rand, 50)} ${'v'.repeat(1 + int(rand, 300))}\n`);
    case 1:
      return Buffer.from(`GET fz:${int(rand, 50)}\r\n`);
    case 2:
      return Buffer.from(pick(rand, ['\n', '\r\n', 'STATS\n', 'PUT\n', 'PUT k\n', 'GET\n', 'GET a b\n', 'AUTH x\n', 'put fz:1 lower\n']));
    case 3: // over-long
      return Buffer.concat([Buffer.from('PUT fz:long '), Buffer.alloc(500 + int(rand, 3000), 'L'), Buffer.from('\n')]);
    default: // bytes without a newline in them, then one (a leading * makes it RESP)
      return Buffer.concat([randomBytes(rand, int(rand, 200)).filter((x) => x !== 0x0a), Buffer.from('\n')]);
  }
}

interface FuzzTally {
  commands: number;
  bytesSent: number;
  bytesReceived: number;
  /** Connections the server closed (QUIT, protocol errors): each is reopened. */
  reconnects: number;
  /** Connections the fuzzer reset (SO_LINGER 0) or half-closed itself, mid-burst or right after connecting. */
  resets: number;
  halfCloses: number;
}

/** Sends random bursts in random pieces, reading and dropping every reply, until the deadline. */
async function fuzz(port: number, rand: Rand, deadline: number): Promise<FuzzTally> {
  const tally: FuzzTally = { commands: 0, bytesSent: 0, bytesReceived: 0, reconnects: 0, resets: 0, halfCloses: 0 };
  let socket: net.Socket | null = null;
  let closed = true;
  while (Date.now() < deadline) {
    if (closed) {
      if (socket !== null) tally.reconnects++;
      socket = net.createConnection({ port, host: '127.0.0.1' });
      closed = false;
      socket.on('data', (chunk: Buffer) => (tally.bytesReceived += chunk.length));
      socket.on('close', () => (closed = true));
      socket.on('error', () => {});
      // Sometimes reset at once: the worker may adopt a socket already gone (no remote address).
      if (rand() < 0.05) {
        const s = socket;
        s.once('connect', () => s.resetAndDestroy());
        tally.resets++;
        await new Promise((resolve) => s.once('close', resolve));
        continue;
      }
    }
    const parts: Buffer[] = [];
    for (let n = 1 + int(rand, 20); n > 0; n--) parts.push(rand() < 0.5 ? respCommand(rand) : textCommand(rand));
    tally.commands += parts.length;
    const burst = Buffer.concat(parts);
    for (let at = 0; at < burst.length && !closed; ) {
      const piece = burst.subarray(at, at + 1 + int(rand, rand() < 0.3 ? 8 : burst.length));
      at += piece.length;
      tally.bytesSent += piece.length;
      if (!socket!.write(piece)) await new Promise((resolve) => setTimeout(resolve, 5));
      if (rand() < 0.3) await new Promise((resolve) => setImmediate(resolve));
      // Now and then the client goes away mid-burst: a reset, or a half-close (then it is done).
      const r = rand();
      if (r < 0.01) {
        socket!.resetAndDestroy();
        tally.resets++;
        closed = true;
      } else if (r < 0.02) {
        socket!.end();
        tally.halfCloses++;
        const s = socket!;
        await Promise.race([new Promise((resolve) => s.once('close', resolve)), sleep(200)]);
        s.destroy();
        closed = true;
      }
    }
    await sleep(int(rand, 3));
  }
  socket?.destroy();
  return tally;
}

/** Writes the checked keys over and over, PUT (text) and SET (RESP) in turn, noting each acknowledged value. */
async function check(port: number, deadline: number, last: Map<string, string>): Promise<number> {
  const textClient = await TextClient.connect(port);
  const resp = await RespClient.connect(port);
  let writes = 0;
  for (let round = 0; Date.now() < deadline; round++) {
    for (let i = 0; i < CHECKED_KEYS && Date.now() < deadline; i += 10) {
      const keys = Array.from({ length: 10 }, (_, j) => `chk:${i + j}`);
      const value = (k: string) => `${k}@${round}`;
      if (round % 2 === 0) {
        assert.equal(await textClient.request(keys.map((k) => `PUT ${k} ${value(k)}`)), keys.map(() => 'OK'));
      } else {
        assert.equal(await resp.pipeline(keys.map((k) => ['SET', k, value(k)])), keys.map(() => 'OK'));
      }
      for (const k of keys) last.set(k, value(k));
      writes += keys.length;
    }
  }
  textClient.close();
  resp.close();
  return writes;
}

/** Worker index -> pid, through one STATS connection per worker. */
async function workerPids(port: number): Promise<Map<number, string>> {
  const pids = new Map<number, string>();
  for (let tries = 0; tries < 64 && pids.size < WORKERS; tries++) {
    const c = await TextClient.connect(port);
    const s = await stats(c);
    pids.set(Number(s.get('worker')), s.get('pid')!);
    c.close();
  }
  return pids;
}

const t = suite('e2e: fuzzing the live cluster');
let cluster: Cluster;

t.before(async () => {
  // Listening on 0.0.0.0 (clients still connect to 127.0.0.1): protected mode is on, as by
  // default, so a client reset before adoption goes through its check too.
  // A runaway script blocks its worker until --lua-time-limit: kept short here.
  cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '-1', '--host', '0.0.0.0', '--lua-time-limit', '100'] });
});
t.after(async () => {
  await cluster.stop();
});

t('20 clients sending random valid and invalid commands in both protocols break no worker and no other client\'s data', async () => {
  console.log(`    fuzz seed ${SEED} (replay with KV_FUZZ_SEED=${SEED})`);
  const pidsBefore = await workerPids(cluster.port);
  assert.is(pidsBefore.size, WORKERS);
  const deadline = Date.now() + FUZZ_MS;
  const last = new Map<string, string>();
  const [tallies, writes] = await Promise.all([
    Promise.all(Array.from({ length: FUZZERS }, (_, id) => fuzz(cluster.port, prng(SEED + id), deadline))),
    check(cluster.port, deadline, last),
  ]);

  assert.equal(await workerPids(cluster.port), pidsBefore, 'every worker is alive, with the same pid');
  assert.not.ok(cluster.logs.some((l) => /worker died|internal error/.test(text(l))), 'no worker died and no client hit an internal error');
  // Nor did any command break the one-reply rule (ShardSet's guard and FrameReplies drop and report such replies).
  const faults = cluster.logs.filter((l) => /gave no reply|answered more than once|threw after its reply|reply to no open request|matched no request/.test(text(l)));
  assert.equal(faults.map(text), [], 'no command answered twice or not at all, no stray reply on a link');
  const reader = await TextClient.connect(cluster.port);
  const keys = [...last.keys()];
  const values = await reader.request(keys.map((k) => `GET ${k}`));
  keys.forEach((k, i) => {
    if (values[i] !== last.get(k)) assert.unreachable(`${k}: ${values[i]}, last written ${last.get(k)} (seed ${SEED})`);
  });
  reader.close();

  const sum = (f: (t: FuzzTally) => number) => tallies.reduce((n, t) => n + f(t), 0);
  assert.ok(sum((t) => t.commands) > 0 && writes > 0, 'the fuzzers and the checker ran');
  console.log(
    `    fuzz: ${sum((t) => t.commands)} commands (${(sum((t) => t.bytesSent) / 1048576).toFixed(1)} MB) from ${FUZZERS} clients in ${FUZZ_MS} ms, ` +
      `${(sum((t) => t.bytesReceived) / 1048576).toFixed(1)} MB of replies, ${sum((t) => t.reconnects)} connections closed by the server or the fuzzer (${sum((t) => t.resets)} resets, ${sum((t) => t.halfCloses)} half-closes); ` +
      `${writes} checked writes, ${keys.length} keys read back intact`,
  );
});

t.run();
