import type * as net from 'node:net';
import type { BenchOptions } from './cli';
import { connectSocket } from './client';
import { loadAverage } from './closedLoop';
import { decimal, integer } from './format';
import { treeRss } from './procstat';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/**
 * --memory-per-element (issue 22): RSS per element of lists, sets, sorted sets and hashes, small
 * (many keys of 16 elements: Redis's listpack and intset forms, our packed ones) and big (a few
 * keys of 50,000: quicklist, hashtable, skiplist, and our LruList, LruSet, LruZset, LruHash), on
 * kv and redis-server in one run. Each shape is loaded into a server started for it (a heap or
 * arena left with room by an earlier load would hide what the next costs); its figure is the RSS
 * it added over its elements. Both servers keep their default thresholds. Streams: 1,000,000
 * entries (XADD, one each) over 100 keys and over 10,000 keys.
 */
interface Shape {
  name: string;
  keys: number;
  perKey: number;
  /** Elements per command; CHUNK unless given (a stream's XADD adds one). */
  perCommand?: number;
  /** The command that adds `count` elements from `from` to `key`. */
  add(key: string, from: number, count: number): string[];
}

const SMALL_KEYS = 100_000;
const SMALL = 16;
const BIG_KEYS = 20;
const BIG = 50_000;
/** Elements per command for the big shapes. */
const CHUNK = 500;
const member = (i: number): string => `member:${String(i).padStart(9, '0')}`;
/** The same field name in every entry, as a queue's or a log's entries have (Redis keeps it once per node). */
const STREAM_FIELD = 'payload-field-16';

const SHAPES: Shape[] = [
  { name: 'list, small (16 x 16-byte)', keys: SMALL_KEYS, perKey: SMALL, add: (k, from, n) => ['RPUSH', k, ...range(from, n, member)] },
  { name: 'list, big (50,000 x 16-byte)', keys: BIG_KEYS, perKey: BIG, add: (k, from, n) => ['RPUSH', k, ...range(from, n, member)] },
  { name: 'set of integers, small (16)', keys: SMALL_KEYS, perKey: SMALL, add: (k, from, n) => ['SADD', k, ...range(from, n, (i) => String(i * 7919))] },
  { name: 'set of strings, small (16 x 16-byte)', keys: SMALL_KEYS, perKey: SMALL, add: (k, from, n) => ['SADD', k, ...range(from, n, member)] },
  { name: 'set, big (50,000 x 16-byte)', keys: BIG_KEYS, perKey: BIG, add: (k, from, n) => ['SADD', k, ...range(from, n, member)] },
  { name: 'sorted set, small (16 x 16-byte)', keys: SMALL_KEYS, perKey: SMALL, add: (k, from, n) => ['ZADD', k, ...range(from, n, (i) => [String(i * 1.5), member(i)]).flat()] },
  { name: 'sorted set, big (50,000 x 16-byte)', keys: BIG_KEYS, perKey: BIG, add: (k, from, n) => ['ZADD', k, ...range(from, n, (i) => [String(i * 1.5), member(i)]).flat()] },
  { name: 'hash, small (16 x 16-byte fields and values)', keys: SMALL_KEYS, perKey: SMALL, add: (k, from, n) => ['HSET', k, ...range(from, n, (i) => [member(i), member(i + 1)]).flat()] },
  { name: 'hash, big (50,000 x 16-byte fields and values)', keys: BIG_KEYS, perKey: BIG, add: (k, from, n) => ['HSET', k, ...range(from, n, (i) => [member(i), member(i + 1)]).flat()] },
  { name: 'stream, 100 keys (10,000 entries of one 16-byte field/value pair)', keys: 100, perKey: 10_000, perCommand: 1, add: (k, from) => ['XADD', k, '*', STREAM_FIELD, member(from)] },
  { name: 'stream, 10,000 keys (100 entries of one 16-byte field/value pair)', keys: 10_000, perKey: 100, perCommand: 1, add: (k, from) => ['XADD', k, '*', STREAM_FIELD, member(from)] },
];

function range<T>(from: number, count: number, f: (i: number) => T): T[] {
  return Array.from({ length: count }, (_, i) => f(from + i));
}

function resp(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

/** Sends `commands` pipelined, 256 at a time; rejects on the first error reply. */
async function pipelined(socket: net.Socket, commands: Iterable<string[]>): Promise<void> {
  let batch: string[] = [];
  const flush = (): Promise<void> =>
    new Promise((resolve, reject) => {
      let owed = batch.length;
      let carry = '';
      const onData = (chunk: Buffer): void => {
        const text = carry + chunk.toString('latin1');
        let pos = 0;
        for (let nl = text.indexOf('\r\n', pos); nl >= 0 && owed > 0; nl = text.indexOf('\r\n', pos)) {
          if (text[pos] === '-') {
            socket.off('data', onData);
            return reject(new Error(text.slice(pos, nl)));
          }
          pos = nl + 2;
          owed--;
        }
        carry = text.slice(pos);
        if (owed > 0) return;
        socket.off('data', onData);
        resolve();
      };
      socket.on('data', onData);
      socket.write(batch.join(''));
      batch = [];
    });
  for (const argv of commands) {
    batch.push(resp(argv));
    if (batch.length === 256) await flush();
  }
  if (batch.length > 0) await flush();
}

function* commandsOf(shape: Shape, index: number): Generator<string[]> {
  const step = Math.min(shape.perKey, shape.perCommand ?? CHUNK);
  for (let k = 0; k < shape.keys; k++) {
    const key = `el:${index}:${k}`;
    for (let from = 0; from < shape.perKey; from += step) yield shape.add(key, from, step);
  }
}

async function settledRss(server: StartedServer): Promise<number> {
  await new Promise((r) => setTimeout(r, 1500));
  return treeRss(server.pid).total;
}

/** The RSS `shape` adds to a fresh server, per element. */
async function measure(server: StartedServer, shape: Shape, index: number): Promise<number> {
  const socket = await connectSocket(server.endpoint, 5000);
  try {
    const before = await settledRss(server);
    await pipelined(socket, commandsOf(shape, index));
    return ((await settledRss(server)) - before) / (shape.keys * shape.perKey);
  } finally {
    socket.destroy();
  }
}

export async function runMemoryPerElement(options: BenchOptions): Promise<number> {
  const shapes = SHAPES.filter((shape) => options.shapes === null || shape.name.includes(options.shapes));
  const targets: (() => Promise<StartedServer>)[] = [() => startKvServer(options.kvMain, options.workers, options.maxmemory ?? '8gb')];
  const redisServer = findRedisServer();
  if (redisServer !== null) targets.push(() => startRedisServer(redisServer));
  const rows: { label: string; perElement: number[] }[] = [];
  for (const start of targets) {
    const row = { label: '', perElement: [] as number[] };
    for (const [i, shape] of shapes.entries()) {
      const server = await start();
      row.label = server.label;
      try {
        row.perElement.push(await measure(server, shape, i));
      } finally {
        await server.stop();
      }
    }
    rows.push(row);
  }
  const lines = [
    `RSS per element, each shape in a server started for it (default thresholds); kv with ${options.workers} workers; one run`,
    `load average at end: ${loadAverage()}`,
    '',
    `| shape | elements | ${rows.map((r) => `${r.label} bytes/element`).join(' | ')} |${rows.length > 1 ? ' kv / redis-server |' : ''}`,
    `|---|--:|${rows.map(() => '--:|').join('')}${rows.length > 1 ? '--:|' : ''}`,
  ];
  for (const [i, shape] of shapes.entries()) {
    const figures = rows.map((r) => decimal(r.perElement[i], 1));
    const ratio = rows.length > 1 ? ` ${decimal(rows[0].perElement[i] / rows[1].perElement[i], 2)}x |` : '';
    lines.push(`| ${shape.name} | ${integer(shape.keys * shape.perKey)} | ${figures.join(' | ')} |${ratio}`);
  }
  console.log(lines.join('\n'));
  return 0;
}
