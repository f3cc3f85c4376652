import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Demux, TextOp, type Args, type DemuxLimits } from '@kv/wire';
import { prng } from '../../../test-support/prng';
import { parse } from '../../../test/compat/resp-raw';
import { isRedisOnly } from '../src/client/dispatch';
import { PubSubWatch } from './fuzz-pubsub';
import { TrackingWatch } from './fuzz-tracking';
import { RespClient, sleep, startCluster, stats, TextClient, type Cluster, type LogLine } from './harness';
import { clientsOn, everyWorker } from './on-workers';

/**
 * Fuzzing the live cluster: 20 clients send random valid and invalid commands in both protocols
 * (RESP, inline, the seed's text), in random pieces, with resets and half-closes, while a checker
 * writes and reads back keys of its own, subscribers that stay check every message published
 * (fuzz-pubsub.ts) and tracking clients that stay check every invalidation of the checker's keys
 * they read (fuzz-tracking.ts). Each fuzzer's command stream is a function of the seed
 * and its number alone (a fixed count of bursts, no clock in it), and each uses keys of its own,
 * so what it is answered does not depend on the others: a failure names the seed and the fuzzer,
 * and KV_FUZZ_SEED=<seed> KV_FUZZ_ONLY=<fuzzer> replays that fuzzer's stream alone.
 *
 * Replies are checked, not only survival: the bytes each connection sent are read by the same
 * Demux the server uses, with the same limits, which says which commands the server read, in
 * which protocol, and where it stopped (QUIT, a protocol error): each must get exactly one reply
 * in its protocol, well formed (a RESP value, RESP3 types included; a text line, STATS's block), in
 * order, a protocol error its exact text, and nothing else may come (another client's bytes, a
 * second reply). A connection the fuzzer reset may see a prefix of that.
 */
const SEED = Number(process.env.KV_FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31));
const WORKERS = 2;
const FUZZERS = 20;
const ONLY = process.env.KV_FUZZ_ONLY === undefined ? null : new Set(process.env.KV_FUZZ_ONLY.split(',').map(Number));
/** Bursts each fuzzer sends (a count, not a time, so its stream is the same however fast the machine is). */
const BURSTS = 100;
const CHECKED_KEYS = 200;
/** The server's input limits, given explicitly: the local Demux must read exactly as it does. */
const LIMITS: DemuxLimits = { textMaxLine: 4096, protoMaxBulkLen: 100 * 1024 * 1024, clientQueryBufferLimit: 200 * 1024 * 1024 };
const text = (line: LogLine) => line.message;

type Rand = () => number;
const pick = <T>(rand: Rand, items: readonly T[]): T => items[Math.floor(rand() * items.length)];
const int = (rand: Rand, n: number) => Math.floor(rand() * n);

function randomBytes(rand: Rand, n: number): Buffer {
  const out = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) out[i] = int(rand, 256);
  return out;
}

/** An argument: mostly a key of this fuzzer's own, sometimes a number, sometimes any bytes. */
function arg(rand: Rand, id: number): Buffer {
  const r = rand();
  if (r < 0.45) return Buffer.from(`fz:${id}:${int(rand, 50)}`);
  if (r < 0.5) return Buffer.from(`{fz${id}}:${int(rand, 10)}`);
  if (r < 0.7) return Buffer.from(String(int(rand, 3) === 0 ? -int(rand, 1e6) : int(rand, 1e6)));
  if (r < 0.8) return Buffer.from(pick(rand, ['EX', 'PX', 'NX', 'XX', 'GET', 'KEEPTTL', 'MATCH', 'COUNT', '*', `fz:${id}:*`, '0', '', 'inf', 'nan', '1', '2', '3', 'LOAD', 'FLUSH', 'EXISTS', 'LEFT', 'RIGHT', 'BEFORE', 'AFTER', 'RANK', 'MAXLEN', '-1']));
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
  "redis.call('RPUSH', KEYS[1], ARGV[1]) return redis.call('LRANGE', KEYS[1], 0, -1)",
  "redis.call('SADD', KEYS[1], ARGV[1]) return {redis.call('SMEMBERS', KEYS[1]), redis.call('SPOP', KEYS[1], 2)}",
  "redis.call('INCR', KEYS[1]) return redis.call('PUBLISH', KEYS[1], ARGV[1])",
  'return {1, 2.5, true, false, nil, {err = "x"}}',
  'while true do end',
  'return 1 +',
  'return x',
  'a0a9ab2d8ac6f0e3ec2c2b7a74d1bd9c3bd0e8b1',
];

/**
 * Every command the fuzzers may send (hashes, MULTI/EXEC and scripts on the fuzzers' keys too),
 * except the ones that would touch others' keys (FLUSHALL, FLUSHDB) or stop the server (SHUTDOWN,
 * which any client may send when no password is set, as in Redis: e2e-shutdown-command tests it).
 */
const NAMES = [
  'GET', 'SET', 'SETNX', 'SETEX', 'PSETEX', 'GETSET', 'GETDEL', 'GETEX', 'APPEND', 'STRLEN', 'INCR', 'DECR', 'INCRBY',
  'DECRBY', 'INCRBYFLOAT', 'MGET', 'MSET', 'MSETNX', 'DEL', 'UNLINK', 'EXISTS', 'TOUCH', 'EXPIRE', 'PEXPIRE', 'EXPIREAT',
  'PEXPIREAT', 'TTL', 'PTTL', 'PERSIST', 'TYPE', 'DBSIZE', 'KEYS', 'SCAN', 'INFO', 'PING', 'ECHO', 'QUIT', 'SELECT',
  'HELLO', 'CLIENT', 'COMMAND', 'CONFIG', 'TIME', 'AUTH', 'PUT', 'STATS', 'NOSUCH', 'DEBUG', 'mget', 'sEt',
  'MULTI', 'EXEC', 'DISCARD', 'WATCH', 'UNWATCH', 'EVAL', 'EVALSHA', 'EVAL_RO', 'EVALSHA_RO', 'SCRIPT', 'multi', 'exec',
  'HSET', 'HSETNX', 'HMSET', 'HGET', 'HMGET', 'HGETALL', 'HDEL', 'HEXISTS', 'HLEN', 'HKEYS', 'HVALS', 'HSTRLEN',
  'HINCRBY', 'HINCRBYFLOAT', 'HRANDFIELD', 'HSCAN',
  'LPUSH', 'RPUSH', 'LPUSHX', 'RPUSHX', 'LPOP', 'RPOP', 'LLEN', 'LRANGE', 'LINDEX', 'LSET', 'LINSERT', 'LREM', 'LTRIM',
  'LPOS', 'LMOVE', 'RPOPLPUSH', 'SADD', 'SREM', 'SMEMBERS', 'SISMEMBER', 'SMISMEMBER', 'SCARD', 'SPOP', 'SRANDMEMBER',
  'SSCAN', 'SMOVE', 'SINTER', 'SUNION', 'SDIFF', 'SINTERSTORE', 'SUNIONSTORE', 'SDIFFSTORE',
  'RENAME', 'RENAMENX', 'COPY', 'RANDOMKEY', 'EXPIRETIME', 'PEXPIRETIME', 'OBJECT', 'GETRANGE', 'SUBSTR', 'SETRANGE', 'LCS',
  'SETBIT', 'GETBIT', 'BITCOUNT', 'BITPOS', 'BITOP',
  'ZADD', 'ZPOPMIN', 'XADD', 'XLEN', 'XRANGE', 'XREVRANGE', 'XDEL', 'XTRIM', 'XREAD', 'XINFO', 'XGROUP',
  // One reply each (the subscribe family would put a fuzzer in subscribed mode: PubSubWatch subscribes).
  'PUBLISH', 'SPUBLISH', 'PUBSUB',
];

/** A RESP command: well formed with a random name and arity, or broken somewhere. */
function respCommand(rand: Rand, id: number): Buffer {
  const argv = [Buffer.from(pick(rand, NAMES)), ...Array.from({ length: int(rand, 6) }, () => arg(rand, id))];
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
    case 3: // a blocking command with a short timeout (never 0: a burst must end), on keys other commands push to; resets and half-closes leave some blocked
      return blockingCommand(rand, id);
    case 4: // a message on a channel of its own, which the subscribers that stay get by pattern
      return RespClient.encode('PUBLISH', `fz:${id}:${int(rand, 50)}`, randomBytes(rand, int(rand, 100)));
    default:
      return whole;
  }
}

/** A blocking list, sorted set or stream command (BLPOP ... BZPOPMIN, XREAD BLOCK) on this fuzzer's keys, timing out within 100 ms. */
function blockingCommand(rand: Rand, id: number): Buffer {
  const key = () => `fz:${id}:${int(rand, 50)}`;
  const tagged = () => `{fz${id}}:${int(rand, 10)}`;
  const timeout = pick(rand, ['0.01', '0.05', '0.1', '0.001']);
  const side = () => pick(rand, ['LEFT', 'RIGHT']);
  const argv = pick(rand, [
    ['BLPOP', key(), timeout],
    ['BRPOP', tagged(), tagged(), timeout],
    ['BLMOVE', tagged(), tagged(), side(), side(), timeout],
    ['BRPOPLPUSH', tagged(), tagged(), timeout],
    ['BLMPOP', timeout, '2', tagged(), tagged(), side(), 'COUNT', '2'],
    ['BZPOPMIN', tagged(), tagged(), timeout],
    ['BZMPOP', timeout, '1', key(), pick(rand, ['MIN', 'MAX'])],
    ['XREAD', 'BLOCK', pick(rand, ['1', '10', '50', '100']), 'STREAMS', tagged(), tagged(), '$', '0'],
  ]);
  return RespClient.encode(...argv);
}

/** A text line (inline after a RESP command): a valid PUT or GET of this fuzzer's text keys, or an edge case. */
function textCommand(rand: Rand, id: number): Buffer {
  switch (int(rand, 8)) {
    case 0:
      return Buffer.from(`PUT fzt:${id}:${int(rand, 50)} ${'v'.repeat(1 + int(rand, 300))}\n`);
    case 1:
      return Buffer.from(`GET fzt:${id}:${int(rand, 50)}\r\n`);
    case 2:
      return Buffer.from(pick(rand, ['\n', '\r\n', 'STATS\n', 'PUT\n', 'PUT k\n', 'GET\n', 'GET a b\n', 'AUTH x\n', `put fzt:${id}:1 lower\n`]));
    case 3: // over-long
      return Buffer.concat([Buffer.from(`PUT fzt:${id}:long `), Buffer.alloc(500 + int(rand, 5000), 'L'), Buffer.from('\n')]);
    default: // bytes without a newline in them, then one (a leading * makes it RESP)
      return Buffer.concat([randomBytes(rand, int(rand, 200)).filter((x) => x !== 0x0a), Buffer.from('\n')]);
  }
}

/** What the server reads of what a connection sent, in order: each command and the reply it must get. */
type Expected = { kind: 'text'; stats: boolean } | { kind: 'resp'; argv: string; blocking: boolean } | { kind: 'protocol'; detail: string };

/** The commands that may block (XREAD only with BLOCK): a client that half-closes while one waits gets no reply to it, nor to anything after it (Redis frees it at EOF). */
const MAY_BLOCK = new Set(['BLPOP', 'BRPOP', 'BRPOPLPUSH', 'BLMOVE', 'BLMPOP', 'BZPOPMIN', 'BZPOPMAX', 'BZMPOP']);
const mayBlock = (args: Args): boolean => {
  const name = args.latin1(0).toUpperCase();
  return MAY_BLOCK.has(name) || (name === 'XREAD' && args.count > 1 && args.latin1(1).toUpperCase() === 'BLOCK');
};

function expectations(sent: Buffer): Expected[] {
  const demux = new Demux(LIMITS, isRedisOnly);
  const out: Expected[] = [];
  let stopped = false;
  const show = (args: Args) => Array.from({ length: Math.min(args.count, 4) }, (_, i) => JSON.stringify(args.latin1(i).slice(0, 40))).join(' ');
  const sink = {
    textCommand: (op: TextOp) => void out.push({ kind: 'text', stats: op === TextOp.STATS }),
    textError: () => void out.push({ kind: 'text', stats: false }),
    respCommand: (args: Args) => {
      out.push({ kind: 'resp', argv: show(args), blocking: mayBlock(args) });
      // QUIT: the server reads nothing more.
      if (args.latin1(0).toUpperCase() === 'QUIT') stopped = true;
    },
    respProtocolError: (detail: string) => {
      out.push({ kind: 'protocol', detail });
      stopped = true;
    },
  };
  for (let pos = 0; pos < sent.length && !stopped; ) pos = demux.feed(sent, pos, sink);
  return out;
}

/**
 * Checks one connection's replies against what it sent: one reply per command read, in its
 * protocol, in order, nothing else; `cut` (the fuzzer reset it) allows a prefix, `halfClosed` one
 * that stops at a command that may block (it was blocked when the client half-closed). A problem, or null.
 */
function checkReplies(sent: Buffer, received: Buffer, cut: boolean, halfClosed: boolean): string | null {
  const expected = expectations(sent);
  let at = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const where = `reply ${i + 1} of ${expected.length} (${e.kind === 'resp' ? e.argv : e.kind}) at byte ${at}: ${JSON.stringify(received.subarray(at, at + 80).toString('latin1'))}`;
    if (at === received.length) return cut || (halfClosed && e.kind === 'resp' && e.blocking) ? null : `no ${where}`;
    let end: number;
    if (e.kind === 'text') {
      end = e.stats ? received.indexOf('END\n', at, 'latin1') + 4 : received.indexOf(0x0a, at) + 1;
      if (e.stats && end < 4) end = 0;
      if (end === 0) return cut ? null : `an unfinished text ${where}`;
    } else if (e.kind === 'protocol') {
      const want = `-ERR Protocol error: ${e.detail}\r\n`;
      if (received.subarray(at, at + want.length).toString('latin1') !== want) return cut && received.length - at < want.length ? null : `not ${JSON.stringify(want)}: ${where}`;
      end = at + want.length;
    } else {
      let parsed: ReturnType<typeof parse>;
      try {
        parsed = parse(received, at);
      } catch (err) {
        return `a malformed ${where}: ${(err as Error).message}`;
      }
      if (parsed === undefined) return cut ? null : `an unfinished ${where}`;
      end = parsed.end;
    }
    at = end;
  }
  return at === received.length ? null : `${received.length - at} bytes after the last reply: ${JSON.stringify(received.subarray(at, at + 120).toString('latin1'))}`;
}

interface FuzzTally {
  commands: number;
  bytesSent: number;
  bytesReceived: number;
  /** Connections opened; closed by the server (QUIT, protocol errors) and reopened. */
  connections: number;
  /** Connections the fuzzer reset (SO_LINGER 0) or half-closed itself, mid-burst or right after connecting. */
  resets: number;
  halfCloses: number;
  /** Replies checked, and what was wrong with a connection's (the first problem). */
  checked: number;
  problem: string | null;
}

/** One connection of a fuzzer: what it sent and got, and how it ended. */
class FuzzConn {
  readonly socket: net.Socket;
  private readonly sent: Buffer[] = [];
  private readonly received: Buffer[] = [];
  closed = false;
  /** The fuzzer ended it (reset or destroyed): its replies may be a prefix. */
  cut = false;
  /** The fuzzer half-closed it: its replies may stop at a command that was blocked. */
  halfClosed = false;

  constructor(port: number, tally: FuzzTally) {
    this.socket = net.createConnection({ port, host: '127.0.0.1' });
    this.socket.on('data', (chunk: Buffer) => {
      tally.bytesReceived += chunk.length;
      this.received.push(chunk);
    });
    this.socket.on('close', () => (this.closed = true));
    this.socket.on('error', () => {});
  }

  write(piece: Buffer): boolean {
    this.sent.push(piece);
    return this.socket.write(piece);
  }

  /** Its replies checked against what it sent; counts the commands checked. */
  check(tally: FuzzTally, label: string): void {
    const sent = Buffer.concat(this.sent);
    if (sent.length === 0) return;
    const problem = checkReplies(sent, Buffer.concat(this.received), this.cut, this.halfClosed);
    tally.checked += expectations(sent).length;
    if (problem !== null && tally.problem === null) tally.problem = `${label}: ${problem}`;
  }
}

/** Sends BURSTS random bursts in random pieces, checking each connection's replies when it ends. */
async function fuzz(port: number, id: number): Promise<FuzzTally> {
  const rand = prng(SEED + id);
  const tally: FuzzTally = { commands: 0, bytesSent: 0, bytesReceived: 0, connections: 0, resets: 0, halfCloses: 0, checked: 0, problem: null };
  let conn: FuzzConn | null = null;
  const finish = async (c: FuzzConn, how: 'reset' | 'half-close' | 'closed' | 'done') => {
    if (how === 'reset') {
      c.cut = true;
      c.socket.resetAndDestroy();
    } else if (how === 'half-close' || how === 'done') {
      c.halfClosed = true;
      c.socket.end();
      await Promise.race([new Promise((resolve) => c.socket.once('close', resolve)), sleep(3_000)]);
      if (!c.closed) c.cut = true;
      c.socket.destroy();
    }
    await new Promise((resolve) => (c.closed ? resolve(null) : c.socket.once('close', resolve)));
    c.check(tally, `fuzzer ${id}, connection ${tally.connections}, seed ${SEED} (replay: KV_FUZZ_SEED=${SEED} KV_FUZZ_ONLY=${id})`);
  };
  for (let burst = 0; burst < BURSTS; burst++) {
    if (conn === null || conn.closed) {
      if (conn !== null) await finish(conn, 'closed');
      conn = new FuzzConn(port, tally);
      tally.connections++;
      await new Promise((resolve) => conn!.socket.once('connect', resolve).once('close', resolve));
      // Sometimes reset at once: the worker may adopt a socket already gone (no remote address).
      if (rand() < 0.05) {
        tally.resets++;
        await finish(conn, 'reset');
        continue;
      }
    }
    const parts: Buffer[] = [];
    for (let n = 1 + int(rand, 20); n > 0; n--) parts.push(rand() < 0.5 ? respCommand(rand, id) : textCommand(rand, id));
    tally.commands += parts.length;
    const bytes = Buffer.concat(parts);
    for (let at = 0; at < bytes.length && !conn.closed; ) {
      const piece = bytes.subarray(at, at + 1 + int(rand, rand() < 0.3 ? 8 : bytes.length));
      at += piece.length;
      tally.bytesSent += piece.length;
      if (!conn.write(piece)) await sleep(5);
      if (rand() < 0.3) await new Promise((resolve) => setImmediate(resolve));
      // Now and then the client goes away mid-burst: a reset, or a half-close (then it is done).
      const r = rand();
      if (r < 0.01) {
        tally.resets++;
        await finish(conn, 'reset');
      } else if (r < 0.02) {
        tally.halfCloses++;
        await finish(conn, 'half-close');
      }
    }
    await sleep(int(rand, 3));
  }
  if (conn !== null) await finish(conn, conn.closed ? 'closed' : 'done');
  return tally;
}

/** Writes the checked keys over and over while the fuzzers run, PUT (text) and SET (RESP) in turn, noting each acknowledged value; `beforeWrite` hears of each batch before it is sent. */
async function check(port: number, running: () => boolean, last: Map<string, string>, beforeWrite: (keys: readonly string[]) => void): Promise<number> {
  const textClient = await TextClient.connect(port);
  const resp = await RespClient.connect(port);
  let writes = 0;
  for (let round = 0; running() || round < 2; round++) {
    for (let i = 0; i < CHECKED_KEYS; i += 10) {
      const keys = Array.from({ length: 10 }, (_, j) => `chk:${i + j}`);
      const value = (k: string) => `${k}@${round}`;
      beforeWrite(keys);
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
  for (const c of await clientsOn(everyWorker(WORKERS), () => TextClient.connect(port), async (c) => Number((await stats(c)).get('worker')))) {
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
  const limits = ['--text-max-line', String(LIMITS.textMaxLine), '--proto-max-bulk-len', String(LIMITS.protoMaxBulkLen), '--client-query-buffer-limit', String(LIMITS.clientQueryBufferLimit)];
  cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '-1', '--host', '0.0.0.0', '--lua-time-limit', '100', ...limits] });
});
t.after(async () => {
  await cluster.stop();
});

t("20 clients sending random valid and invalid commands in both protocols each get exactly their replies, and break no worker and no other client's data", async () => {
  console.log(`    fuzz seed ${SEED} (replay with KV_FUZZ_SEED=${SEED}; one fuzzer alone with KV_FUZZ_ONLY=<n>)`);
  const pidsBefore = await workerPids(cluster.port);
  assert.is(pidsBefore.size, WORKERS);
  const last = new Map<string, string>();
  const ids = Array.from({ length: FUZZERS }, (_, id) => id).filter((id) => ONLY === null || ONLY.has(id));
  const watch = await PubSubWatch.start(cluster.port, 4);
  const tracking = await TrackingWatch.start(cluster.port);
  let running = true;
  const started = Date.now();
  const [tallies, writes, published] = await Promise.all([
    Promise.all(ids.map((id) => fuzz(cluster.port, id))).finally(() => (running = false)),
    check(cluster.port, () => running, last, tracking.beforeWrite),
    watch.publish(cluster.port, () => running),
    tracking.read(() => running, CHECKED_KEYS, SEED),
  ]);
  const ms = Date.now() - started;
  assert.equal(await watch.problems(published), [], 'every subscriber that stayed got every checked message once, in order');
  watch.close();
  assert.equal(await tracking.problems(), [], 'every tracking client that stayed was told of every write to what it read, and of nothing else');
  const told = tracking.figures;
  tracking.close();

  const problems = tallies.map((tally) => tally.problem).filter((p) => p !== null);
  assert.equal(problems, [], 'every command read got exactly its reply, in its protocol');
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
  assert.ok(sum((t) => t.commands) > 0 && sum((t) => t.checked) > 0 && writes > 0, 'the fuzzers and the checker ran');
  console.log(
    `    fuzz: ${sum((t) => t.commands)} commands (${(sum((t) => t.bytesSent) / 1048576).toFixed(1)} MB) from ${ids.length} clients in ${ms} ms, ` +
      `${sum((t) => t.checked)} replies checked (${(sum((t) => t.bytesReceived) / 1048576).toFixed(1)} MB) over ${sum((t) => t.connections)} connections (${sum((t) => t.resets)} resets, ${sum((t) => t.halfCloses)} half-closes); ` +
      `${writes} checked writes, ${keys.length} keys read back intact; ${published} checked messages to each of ${watch.watchers.length} subscribers, ${watch.patternMessages} of the fuzzers' by pattern; ` +
      `${told.reads} reads by ${tracking.trackers.length} tracking clients, ${told.owed} invalidations owed, ${told.told} told`,
  );
});

t.run();
