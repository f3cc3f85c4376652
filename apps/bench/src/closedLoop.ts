import type * as net from 'node:net';
import * as os from 'node:os';
import type { Endpoint } from './cli';
import { connectSocket } from './client';
import { cpuSecondsOf, processTree } from './procstat';
import { RespFrameCounter, resp } from './respFrames';

/**
 * A closed loop of RESP commands for the modes that drive commands the main generator does not
 * speak (tracking.ts, types.ts): `connections` sockets, each with `pipeline` commands in flight
 * sent as one batch, the next batch once every reply of the last is in. Batches are built before
 * the run (BATCHES per connection, sent in turn) so the generator's CPU goes to sending, not to
 * formatting. Replies are counted whole (RESP2 or RESP3); push messages are read and dropped.
 */
export interface LoopSpec {
  connections: number;
  pipeline: number;
  /** Commands each connection sends once, each reply awaited, before the load (HELLO 3, CLIENT TRACKING...). */
  setup: (connection: number) => string[][];
  /** The next command of connection `connection` (called while building its batches). */
  command: (connection: number) => string[];
  warmupSeconds: number;
  seconds: number;
}

export interface LoopResult {
  ops: number;
  seconds: number;
  opsPerSecond: number;
  /** Server CPU (every process of its tree) per op, µs. */
  cpuUsPerOp: number;
  pushes: number;
  errors: number;
  firstError: string | null;
}

const BATCHES = 256;

/** Sends one command and waits for its reply (a setup step); rejects on an error reply. */
function call(socket: net.Socket, counter: RespFrameCounter, argv: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const errorsBefore = counter.counts.errors;
    const onData = (chunk: Buffer): void => {
      if (counter.feed(chunk) === 0) return;
      socket.off('data', onData);
      if (counter.counts.errors > errorsBefore) reject(new Error(`${argv.join(' ')}: ${counter.counts.firstError}`));
      else resolve();
    };
    socket.on('data', onData);
    socket.write(resp(argv));
  });
}

export async function runLoop(endpoint: Endpoint, serverPid: number, spec: LoopSpec): Promise<LoopResult> {
  const sockets: net.Socket[] = [];
  const counters: RespFrameCounter[] = [];
  try {
    for (let c = 0; c < spec.connections; c++) {
      const socket = await connectSocket(endpoint, 5000);
      socket.on('error', () => {});
      const counter = new RespFrameCounter();
      for (const argv of spec.setup(c)) await call(socket, counter, argv);
      sockets.push(socket);
      counters.push(counter);
    }
    const batches = sockets.map((_, c) =>
      Array.from({ length: BATCHES }, () => Buffer.from(Array.from({ length: spec.pipeline }, () => resp(spec.command(c))).join(''), 'latin1')),
    );
    let measuring = false;
    let stop = false;
    let ops = 0;
    const loops = sockets.map(
      (socket, c) =>
        new Promise<void>((resolve) => {
          let owed = 0;
          let next = 0;
          const send = (): void => {
            owed = spec.pipeline;
            socket.write(batches[c][next]);
            next = (next + 1) % BATCHES;
          };
          socket.on('data', (chunk: Buffer) => {
            const replies = counters[c].feed(chunk);
            owed -= replies;
            if (measuring) ops += replies;
            if (owed > 0 || replies === 0) return;
            if (stop) return resolve();
            send();
          });
          socket.on('close', () => resolve());
          send();
        }),
    );
    await new Promise((r) => setTimeout(r, spec.warmupSeconds * 1000));
    const tree = processTree(serverPid);
    const pushesBefore = counters.reduce((n, k) => n + k.counts.pushes, 0);
    const cpu0 = cpuSecondsOf(tree);
    const t0 = performance.now();
    measuring = true;
    await new Promise((r) => setTimeout(r, spec.seconds * 1000));
    measuring = false;
    const seconds = (performance.now() - t0) / 1000;
    const cpu = cpuSecondsOf(tree) - cpu0;
    const pushes = counters.reduce((n, k) => n + k.counts.pushes, 0) - pushesBefore;
    stop = true;
    await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, 3000))]);
    const errors = counters.reduce((n, k) => n + k.counts.errors, 0);
    const firstError = counters.find((k) => k.counts.firstError !== null)?.counts.firstError ?? null;
    return { ops, seconds, opsPerSecond: ops / seconds, cpuUsPerOp: ops > 0 ? (cpu * 1e6) / ops : 0, pushes, errors, firstError };
  } finally {
    for (const s of sockets) s.destroy();
  }
}

/** Sends `commands` on one connection, `perBatch` at a time, each batch's replies awaited (a prefill). */
export async function sendAll(endpoint: Endpoint, commands: readonly string[][], perBatch = 1000): Promise<number> {
  const socket = await connectSocket(endpoint, 5000);
  socket.on('error', () => {});
  const counter = new RespFrameCounter();
  try {
    for (let from = 0; from < commands.length; from += perBatch) {
      const batch = commands.slice(from, from + perBatch);
      await new Promise<void>((resolve) => {
        let owed = batch.length;
        const onData = (chunk: Buffer): void => {
          owed -= counter.feed(chunk);
          if (owed > 0) return;
          socket.off('data', onData);
          resolve();
        };
        socket.on('data', onData);
        socket.write(batch.map(resp).join(''));
      });
    }
    return counter.counts.errors;
  } finally {
    socket.destroy();
  }
}

/** The load averages (1, 5, 15 minutes), for the report: the machine is shared. */
export function loadAverage(): string {
  return os.loadavg().map((n) => n.toFixed(2)).join(' ');
}
