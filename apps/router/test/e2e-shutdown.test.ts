import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Contention } from '../../../test-support/contention';
import { shardOfString } from '@kv/wire';
import { childPids, processAlive, RespClient, sleep, startCluster, type Cluster } from './harness';

const WORKERS = 2;
const ownerOf = (key: string) => shardOfString(key) % WORKERS;

type Reply = string | null | { error: string } | Reply[];

/** The end of the RESP reply at buf[pos..] and its value, or null while it is incomplete. */
function parseResp(buf: Buffer, pos: number): { value: Reply; end: number } | null {
  const cr = buf.indexOf('\r\n', pos);
  if (cr < 0) return null;
  const head = String.fromCharCode(buf[pos]);
  const rest = buf.latin1Slice(pos + 1, cr);
  let end = cr + 2;
  switch (head) {
    case '+':
    case ':':
      return { value: rest, end };
    case '-':
      return { value: { error: rest }, end };
    case '$': {
      const n = Number(rest);
      if (n < 0) return { value: null, end };
      if (buf.length < end + n + 2) return null;
      return { value: buf.latin1Slice(end, end + n), end: end + n + 2 };
    }
    case '*': {
      const items: Reply[] = [];
      for (let i = 0; i < Number(rest); i++) {
        const item = parseResp(buf, end);
        if (item === null) return null;
        items.push(item.value);
        end = item.end;
      }
      return { value: items, end };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(buf.latin1Slice(pos, cr))}`);
  }
}

/**
 * A client that sends a batch of commands and waits for their replies, splitting what arrives
 * into whole replies (a line each for the text protocol). When the server closes the connection,
 * bytes left that do not make a whole reply are a truncated reply.
 */
class LoadConn {
  private buf = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  closed = false;
  private constructor(
    private readonly socket: net.Socket,
    private readonly resp: boolean,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buf = Buffer.concat([this.buf, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, resp: boolean): Promise<LoadConn> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ port, host: '127.0.0.1' }, () => resolve(new LoadConn(socket, resp)));
      socket.once('error', reject);
    });
  }

  /** The replies to the batch, or null when the connection closed before all of them came. */
  async roundTrip(payload: Buffer | string, n: number): Promise<Reply[] | null> {
    if (this.closed) return null;
    this.socket.write(payload);
    const replies: Reply[] = [];
    while (replies.length < n) {
      const next = this.take();
      if (next !== undefined) {
        replies.push(next);
        continue;
      }
      if (this.closed) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = null;
    }
    return replies;
  }

  private take(): Reply | undefined {
    if (this.resp) {
      const reply = this.buf.length > 0 ? parseResp(this.buf, 0) : null;
      if (reply === null) return undefined;
      this.buf = this.buf.subarray(reply.end);
      return reply.value;
    }
    const nl = this.buf.indexOf(0x0a);
    if (nl < 0) return undefined;
    const line = this.buf.latin1Slice(0, nl);
    this.buf = this.buf.subarray(nl + 1);
    return line;
  }

  /** Bytes received that are not a whole reply. */
  get partial(): number {
    return this.buf.length;
  }
}

interface Tally {
  acknowledged: number;
  torn: number;
  failure: string;
  truncated: number;
  closed: boolean;
}

async function runClient(port: number, resp: boolean, loop: (c: LoadConn, tally: Tally) => Promise<boolean>): Promise<Tally> {
  const tally: Tally = { acknowledged: 0, torn: 0, failure: '', truncated: 0, closed: false };
  const conn = await LoadConn.connect(port, resp);
  try {
    while (await loop(conn, tally));
  } catch (err) {
    tally.failure = (err as Error).message;
  }
  const deadline = Date.now() + 12_000;
  while (!conn.closed && Date.now() < deadline) await sleep(20);
  tally.closed = conn.closed;
  tally.truncated = conn.partial;
  return tally;
}

/** PUT and GET of the client's own keys, 20 to a batch: every GET shows the PUT just before it. */
function textLoad(id: number) {
  let round = 0;
  return async (c: LoadConn, tally: Tally) => {
    round++;
    const commands: string[] = [];
    for (let i = 0; i < 10; i++) commands.push(`PUT t${id}-${i} r${round}\n`, `GET t${id}-${i}\n`);
    const replies = await c.roundTrip(commands.join(''), commands.length);
    if (replies === null) return false;
    replies.forEach((r, i) => {
      const expected = i % 2 === 0 ? 'OK' : `r${round}`;
      if (r !== expected) throw new Error(`text client ${id}: ${JSON.stringify(r)} for ${commands[i].trim()}`);
    });
    tally.acknowledged += replies.length;
    return true;
  };
}

/** Pairs of keys, one on each worker: an MSET writes both with the same version. */
function pairs(n: number): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; out.length < n; i++) {
    const a = `pa${i}`;
    const b = `pb${i}`;
    if (ownerOf(a) !== ownerOf(b)) out.push([a, b]);
  }
  return out;
}

function msetLoad(pair: [string, string]) {
  let version = 0;
  return async (c: LoadConn, tally: Tally) => {
    version++;
    const replies = await c.roundTrip(RespClient.encode('MSET', pair[0], `v${version}`, pair[1], `v${version}`), 1);
    if (replies === null) return false;
    if (replies[0] !== 'OK') throw new Error(`MSET ${pair.join(' ')}: ${JSON.stringify(replies[0])}`);
    tally.acknowledged++;
    return true;
  };
}

function mgetLoad(all: [string, string][]) {
  let next = 0;
  return async (c: LoadConn, tally: Tally) => {
    const pair = all[next++ % all.length];
    const replies = await c.roundTrip(RespClient.encode('MGET', pair[0], pair[1]), 1);
    if (replies === null) return false;
    const values = replies[0];
    if (!Array.isArray(values) || values.length !== 2) throw new Error(`MGET ${pair.join(' ')}: ${JSON.stringify(values)}`);
    if (values[0] !== values[1]) tally.torn++;
    tally.acknowledged++;
    return true;
  };
}

const t = suite('e2e: SIGTERM under load');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: WORKERS, args: ['--admin-port', '-1'] });
});
t.after(async () => {
  await cluster.stop();
});

t('every reply received is whole, no MGET sees half an MSET, clients are closed, and the server exits 0 within 10 s', async () => {
  const workers = childPids(cluster.pid);
  const keyPairs = pairs(6);
  const text = Array.from({ length: 10 }, (_, id) => runClient(cluster.port, false, textLoad(id)));
  const writers = keyPairs.map((pair) => runClient(cluster.port, true, msetLoad(pair)));
  const readers = Array.from({ length: 6 }, () => runClient(cluster.port, true, mgetLoad(keyPairs)));
  await sleep(1000);

  const contention = new Contention().start();
  const signalled = Date.now();
  const code = await cluster.stop();
  const exitMs = Date.now() - signalled;
  contention.stop();
  const [textTallies, writerTallies, readerTallies] = await Promise.all([Promise.all(text), Promise.all(writers), Promise.all(readers)]);
  const all = [...textTallies, ...writerTallies, ...readerTallies];

  assert.is(code, 0, `exit status; stderr: ${cluster.stderr.join('')}`);
  assert.ok(exitMs < contention.bound(10_000), contention.says('exited after SIGTERM', exitMs, 10_000));
  assert.equal(all.map((r) => r.failure).filter(Boolean), [], 'every reply was the right one');
  assert.equal(all.map((r) => r.truncated), all.map(() => 0), 'no client was left with part of a reply');
  assert.ok(all.every((r) => r.closed), 'every client connection was closed');
  const torn = readerTallies.reduce((n, r) => n + r.torn, 0);
  assert.is(torn, 0, 'no MGET saw a pair with two versions');
  assert.ok(workers.every((pid) => !processAlive(pid)), 'no worker outlives the primary');

  const sum = (tallies: Tally[]) => tallies.reduce((n, r) => n + r.acknowledged, 0);
  assert.ok(sum(textTallies) > 0 && sum(writerTallies) > 0 && sum(readerTallies) > 0, 'the load ran');
  console.log(
    `    SIGTERM under load: exit 0 after ${exitMs} ms; acknowledged ${sum(textTallies)} text PUT/GET, ` +
      `${sum(writerTallies)} MSET, ${sum(readerTallies)} MGET (${torn} torn)`,
  );
});

t.run();
