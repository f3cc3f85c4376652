import type * as net from 'node:net';
import type { BenchOptions } from './cli';
import { connectSocket } from './client';
import { Histogram } from './histogram';
import { measureWindow, prepareProcStat, processTree } from './procstat';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/**
 * Pub/Sub delivery beside redis-server (issue 23): messages per second delivered and the latency
 * from PUBLISH to delivery, in two shapes:
 * - fan-out: 1 publisher, 100 subscribers of one channel (spread over kv's workers);
 * - pairs: 50 publishers, 50 subscribers, each pair on its own channel.
 * A publisher keeps `IN_FLIGHT` PUBLISHes outstanding; a message carries its send time
 * (performance.now() in µs), so a subscriber reads the latency off it. One run, one process.
 */
interface Shape {
  name: string;
  publishers: number;
  subscribers: number;
  /** The channel subscriber i listens on / publisher p publishes to. */
  channelOfSubscriber(i: number): string;
  channelOfPublisher(p: number): string;
}

const SHAPES: Shape[] = [
  { name: '1 publisher -> 100 subscribers (one channel)', publishers: 1, subscribers: 100, channelOfSubscriber: () => 'fan', channelOfPublisher: () => 'fan' },
  { name: '50 publishers -> 50 subscribers (a channel each)', publishers: 50, subscribers: 50, channelOfSubscriber: (i) => `pair:${i}`, channelOfPublisher: (p) => `pair:${p}` },
];

const IN_FLIGHT = 16;
const PAYLOAD_PAD = 'x'.repeat(16);

function resp(...argv: string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}

/**
 * Reads a subscriber's stream: each `message` frame's payload starts with the send time in µs.
 * Counts messages and records their latency; anything else (the subscribe confirmation) is skipped.
 */
class MessageReader {
  private carry = '';
  constructor(private readonly onMessage: (sentUs: number) => void) {}

  feed(chunk: Buffer): void {
    const text = this.carry + chunk.toString('latin1');
    let pos = 0;
    for (;;) {
      const end = this.one(text, pos);
      if (end < 0) break;
      pos = end;
    }
    this.carry = text.slice(pos);
  }

  /** The end of the frame at `pos` (a message handed on), or -1 when it is not all there. */
  private one(text: string, pos: number): number {
    const items: string[] = [];
    const nl = text.indexOf('\r\n', pos);
    if (nl < 0) return -1;
    const count = Number(text.slice(pos + 1, nl));
    let at = nl + 2;
    for (let i = 0; i < count; i++) {
      const head = text.indexOf('\r\n', at);
      if (head < 0) return -1;
      if (text[at] === ':') {
        items.push(text.slice(at + 1, head));
        at = head + 2;
        continue;
      }
      const n = Number(text.slice(at + 1, head));
      if (text.length < head + 2 + n + 2) return -1;
      items.push(text.slice(head + 2, head + 2 + n));
      at = head + 2 + n + 2;
    }
    if (items[0] === 'message') this.onMessage(Number(items[2].slice(0, items[2].indexOf(':'))));
    return at;
  }
}

interface Result {
  published: number;
  delivered: number;
  seconds: number;
  latency: Histogram;
  cpuUs: number;
  errors: number;
}

async function measure(server: StartedServer, shape: Shape, seconds: number): Promise<Result> {
  const latency = new Histogram();
  let delivered = 0;
  let published = 0;
  let errors = 0;
  let measuring = false;
  let stop = false;
  const subscribers: net.Socket[] = [];
  for (let i = 0; i < shape.subscribers; i++) {
    const socket = await connectSocket(server.endpoint, 5000);
    const reader = new MessageReader((sentUs) => {
      if (!measuring) return;
      delivered++;
      latency.record(performance.now() * 1000 - sentUs);
    });
    socket.on('data', (chunk: Buffer) => reader.feed(chunk));
    socket.write(resp('SUBSCRIBE', shape.channelOfSubscriber(i)));
    subscribers.push(socket);
  }
  // Every subscription is in place on every worker before the first message.
  await new Promise((r) => setTimeout(r, 300));
  const publishers: net.Socket[] = [];
  for (let p = 0; p < shape.publishers; p++) publishers.push(await connectSocket(server.endpoint, 5000));
  const tree = processTree(server.pid);
  const runs = publishers.map(
    (socket, p) =>
      new Promise<void>((resolve) => {
        const channel = shape.channelOfPublisher(p);
        let owed = 0;
        let carry = '';
        const send = (): void => {
          let batch = '';
          for (let i = 0; i < IN_FLIGHT; i++) batch += resp('PUBLISH', channel, `${Math.round(performance.now() * 1000)}:${PAYLOAD_PAD}`);
          owed = IN_FLIGHT;
          socket.write(batch);
        };
        socket.on('data', (chunk: Buffer) => {
          const text = carry + chunk.toString('latin1');
          let pos = 0;
          for (let nl = text.indexOf('\r\n', pos); nl >= 0; nl = text.indexOf('\r\n', pos)) {
            if (text[pos] === '-') errors++;
            pos = nl + 2;
            owed--;
            if (measuring) published++;
          }
          carry = text.slice(pos);
          if (owed > 0) return;
          if (stop) return resolve();
          send();
        });
        send();
      }),
  );
  const { elapsed, cpu } = await measureWindow(tree, seconds, (on) => (measuring = on));
  stop = true;
  await Promise.race([Promise.all(runs), new Promise((r) => setTimeout(r, 2000))]);
  for (const s of [...publishers, ...subscribers]) s.destroy();
  return { published, delivered, seconds: elapsed, latency, cpuUs: delivered > 0 ? (cpu * 1e6) / delivered : 0, errors };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ms = (us: number): string => (us / 1000).toFixed(2);

/** `npm run bench -- --pubsub [--workers N] [--duration S]`: both shapes on kv, then redis-server, one run. */
export async function runPubSub(options: BenchOptions): Promise<number> {
  prepareProcStat();
  const seconds = Math.min(options.duration, 10);
  const targets: (() => Promise<StartedServer>)[] = [() => startKvServer(options.kvMain, options.workers, options.maxmemory)];
  const redisServer = findRedisServer();
  if (redisServer !== null) targets.push(() => startRedisServer(redisServer));
  const results = new Map<string, Map<string, Result>>();
  let failed = false;
  const labels: string[] = [];
  for (const start of targets) {
    const server = await start();
    labels.push(server.label);
    try {
      for (const shape of SHAPES) {
        const r = await measure(server, shape, seconds);
        if (r.errors > 0 || r.delivered === 0) failed = true;
        const byServer = results.get(shape.name) ?? new Map<string, Result>();
        byServer.set(server.label, r);
        results.set(shape.name, byServer);
      }
    } finally {
      await server.stop();
    }
  }
  const lines = [
    `Pub/Sub: ${IN_FLIGHT} PUBLISHes in flight per publisher, ${seconds} s per shape; kv with ${options.workers} workers; one run`,
    '',
    '| shape | server | published/s | delivered/s | delivery p50 ms | p99 ms | max ms | server CPU µs / delivery | delivered/s vs redis-server |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const [shape, byServer] of results) {
    const redis = labels.length > 1 ? byServer.get(labels[labels.length - 1]) : undefined;
    for (const [label, r] of byServer) {
      const ratio = redis !== undefined && redis.delivered > 0 ? `${(r.delivered / r.seconds / (redis.delivered / redis.seconds)).toFixed(2)}x` : 'n/a';
      lines.push(
        `| ${shape} | ${label} | ${fmt(r.published / r.seconds)} | ${fmt(r.delivered / r.seconds)} | ${ms(r.latency.percentile(0.5))} | ${ms(r.latency.percentile(0.99))} | ${ms(r.latency.max)} | ${r.cpuUs.toFixed(2)} | ${ratio}${r.errors > 0 ? ` (${r.errors} errors)` : ''} |`,
      );
    }
  }
  console.log(lines.join('\n'));
  return failed ? 1 : 0;
}
