import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeCommand, RawConn } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { blockedAre, raw } from './blocking-helpers';
import { sleep, startCluster, type Cluster } from './harness';

/**
 * A client that leaves while blocked, against redis-server: Redis frees a client at EOF, so one
 * that half-closes while blocked (after a QUIT or not) is closed without a reply to its blocked
 * command, and what it sent after it (the QUIT) is not run; replies to what it sent before still
 * come. A QUIT without the half-close waits behind the blocked command (answered when a push
 * serves it). Bull's queue.close() sends BRPOPLPUSH, QUIT, then ends the socket. Each scenario
 * runs with the keys on the client's worker and on the other one (tags {A} shard 6 and {a} shard
 * 15: workers 0 and 1 of 2), in RESP2 and RESP3; afterwards the list still holds what is pushed
 * (the leaver took nothing).
 */
interface Scenario {
  name: string;
  /** Sent first; `block` the blocked command. */
  before: string[][];
  block: (tag: string) => string[];
  /** Sent after it is blocked. */
  after: string[][];
  /** Half-closes after `after`. */
  end: boolean;
  /** Set up by another client first; then the command is answered at once (not blocked), and all is sent in one write. */
  setup?: (tag: string) => string[][];
  /** Pushed to the waited key once the client's fate is seen (a QUIT without end is served by it). */
  push: boolean;
}

const SCENARIOS: Scenario[] = [
  { name: 'BRPOPLPUSH, QUIT, end (Bull)', before: [], block: (t) => ['BRPOPLPUSH', `${t}src`, `${t}dst`, '0'], after: [['QUIT']], end: true, push: true },
  { name: 'BLPOP, end', before: [], block: (t) => ['BLPOP', `${t}src`, '0'], after: [], end: true, push: true },
  { name: 'PING and a GET of another worker pipelined before BZPOPMIN, then PING, end', before: [['PING'], ['GET', '{a}x'], ['GET', '{A}x']], block: (t) => ['BZPOPMIN', `${t}zsrc`, '0'], after: [['PING']], end: true, push: true },
  { name: 'BLMOVE with a timeout, QUIT, end', before: [], block: (t) => ['BLMOVE', `${t}src`, `${t}dst`, 'LEFT', 'RIGHT', '5'], after: [['QUIT']], end: true, push: true },
  { name: 'BLPOP, QUIT without end: served by a push, then OK', before: [], block: (t) => ['BLPOP', `${t}src`, '0'], after: [['QUIT']], end: false, push: true },
  { name: 'BLPOP of a list holding an element, QUIT, end in one write: answered, then OK', setup: (t) => [['RPUSH', `${t}src`, 'a']], before: [], block: (t) => ['BLPOP', `${t}src`, '0'], after: [['QUIT']], end: true, push: true },
  { name: 'BLMPOP with a syntax error, QUIT, end in one write: the error, then OK', before: [], block: (t) => ['BLMPOP', '0', '1', `${t}src`, 'UP'], after: [['QUIT']], end: true, push: false },
];

/** A raw socket and what it received, and whether it closed. */
class Leaver {
  got = '';
  closed = false;
  constructor(readonly socket: net.Socket) {
    socket.on('data', (d) => (this.got += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
  }

  /** Waits until `text` has come (or `ms` passed), then forgets what came. */
  async take(text: string, ms = 2000): Promise<void> {
    for (let i = 0; i < ms / 10 && !this.got.includes(text); i++) await sleep(10);
    this.got = '';
  }

  /** A connection on worker 0 of our cluster (CLIENT ID - 1 is the worker's index mod 16), or any on redis-server; in RESP `resp`. */
  static async open(port: number, onWorker0: boolean, resp: number): Promise<Leaver> {
    for (let i = 0; i < 64; i++) {
      const socket = net.connect(port, '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      const conn = new Leaver(socket);
      socket.write(encodeCommand(['CLIENT', 'ID']));
      for (let j = 0; j < 200 && !conn.got.endsWith('\r\n'); j++) await sleep(5);
      const id = Number(conn.got.slice(1, -2));
      conn.got = '';
      if (!onWorker0 || (id - 1) % 16 === 0) {
        if (resp === 3) {
          socket.write(encodeCommand(['HELLO', '3']));
          await conn.take('proto');
          await sleep(20);
          conn.got = '';
        }
        return conn;
      }
      socket.destroy();
    }
    throw new Error('no connection landed on worker 0');
  }
}

/** What the leaving client received, whether it was closed, and the waited key's and destination's lengths after the push. */
async function play(port: number, s: Scenario, tag: string, resp: number, ours: boolean): Promise<string[]> {
  const leaver = await Leaver.open(port, ours, resp);
  const other = await RawConn.connect(port);
  try {
    await other.command(['DEL', `${tag}src`, `${tag}dst`, `${tag}zsrc`]);
    for (const argv of s.setup?.(tag) ?? []) await other.command(argv);
    const immediate = s.setup !== undefined || !s.push;
    leaver.socket.write(Buffer.concat([...s.before, s.block(tag), ...(immediate ? s.after : [])].map(encodeCommand)));
    if (!immediate) {
      await blockedAre(port, 1);
      for (const argv of s.after) leaver.socket.write(encodeCommand(argv));
    }
    if (s.end) leaver.socket.end();
    // Redis closes a half-closed client at once; one that did not half-close stays open.
    for (let i = 0; i < (s.end ? 200 : 15) && !leaver.closed; i++) await sleep(10);
    const seen = [`closed before the push: ${leaver.closed}`];
    if (s.push) {
      const zset = s.block(tag)[0] === 'BZPOPMIN';
      await blockedAre(port, s.end ? 0 : 1);
      await other.command(zset ? ['ZADD', `${tag}zsrc`, '1', 'm'] : ['RPUSH', `${tag}src`, 'v']);
      for (let i = 0; i < 200 && !leaver.closed; i++) await sleep(10);
      seen.push(raw(await other.command(zset ? ['ZCARD', `${tag}zsrc`] : ['LLEN', `${tag}src`])), raw(await other.command(['LLEN', `${tag}dst`])));
    }
    seen.push(`received: ${JSON.stringify(leaver.got)}`, `closed: ${leaver.closed}`);
    return seen;
  } finally {
    other.close();
    leaver.socket.destroy();
  }
}

const t = suite('e2e-blocked-leave: a blocked client that half-closes or sends QUIT, against redis-server');
const noRedis = missingTool('redis-server');
const NAMES = SCENARIOS.map((s) => s.name);
if (noRedis !== null) new Skips('e2e-blocked-leave').all(NAMES, `${noRedis} (apt-get install redis-server)`);
else {
  let cluster: Cluster;
  let redis: Target;
  t.before(async () => {
    [cluster, redis] = await Promise.all([startCluster({ workers: 2, args: ['--admin-port', '-1'] }), startRedis()]);
  });
  t.after(async () => {
    await Promise.all([cluster?.stop(), redis?.stop()]);
  });
  for (const s of SCENARIOS) {
    t(s.name, async () => {
      for (const resp of [2, 3]) {
        // The client on worker 0: its keys there ({A}) and on worker 1 ({a}, a waiter of a peer).
        for (const tag of ['{A}', '{a}']) assert.equal(await play(cluster.port, s, tag, resp, true), await play(redis.port, s, tag, resp, false), `RESP${resp}, keys ${tag}`);
      }
    });
  }
}
t.run();
