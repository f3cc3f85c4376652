import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { request } from 'undici';
import { clientsOn, workerOfId } from './on-workers';

/** The built server entry; the test command builds before it runs tests. */
export const MAIN = path.resolve(__dirname, '../dist/main.js');

export interface LogLine {
  message: string;
  [field: string]: unknown;
}

export interface Cluster {
  port: number;
  pid: number;
  child: ChildProcess;
  logs: LogLine[];
  stderr: string[];
  /** Worker index -> pid of the live worker process (from the start and restart log lines). */
  workerPid(index: number): number;
  /** Waits until a log line satisfies the predicate (including lines already seen). */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  /** SIGTERM, then SIGKILL if it has not exited in time; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Calls onLine with each JSON log line the server writes to the stream. */
export function readLogLines(stream: NodeJS.ReadableStream, onLine: (line: LogLine) => void): void {
  let pending = '';
  stream.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const text = pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        line = { message: `unparsed: ${text}` };
      }
      onLine(line);
    }
  });
}

/** Starts the real cluster on a random loopback port and waits for its ready line. */
export function startCluster(opts: { workers: number; args?: string[]; env?: NodeJS.ProcessEnv }): Promise<Cluster> {
  // workers 0: no flag, so the config file or the CPU count decides.
  const args = [MAIN, '--port', '0', '--host', '127.0.0.1', ...(opts.workers > 0 ? ['--workers', String(opts.workers)] : []), ...(opts.args ?? [])];
  // No warm-up (400 ms a worker start, ~200 starts a run) unless a test asks for one: e2e-warmup tests it.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { KV_WARMUP_MS: '0', ...process.env, ...opts.env } });
  live.add(child);
  const logs: LogLine[] = [];
  const stderr: string[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  const workerPids = new Map<number, number>();
  let exited: Promise<number | null>;

  readLogLines(child.stdout!, (line) => {
    logs.push(line);
    if (line.message === 'worker started') workerPids.set(line.worker as number, line.pid as number);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i].match(line)) {
        waiters[i].resolve(line);
        waiters.splice(i, 1);
      }
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  exited = new Promise((resolve) =>
    child.on('exit', (code) => {
      live.delete(child);
      resolve(code);
    }),
  );

  const waitForLog = (match: (l: LogLine) => boolean, timeoutMs = 10_000): Promise<LogLine> => {
    const seen = logs.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching log line in ${timeoutMs} ms; stderr: ${stderr.join('')}`)), timeoutMs);
      waiters.push({
        match,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
      });
    });
  };

  const cluster: Cluster = {
    port: 0,
    pid: child.pid!,
    child,
    logs,
    stderr,
    workerPid: (index) => {
      const pid = workerPids.get(index);
      if (pid === undefined) throw new Error(`no pid known for worker ${index}`);
      return pid;
    },
    waitForLog,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
  return Promise.race([
    waitForLog((l) => l.message === 'ready', 20_000),
    exited.then((code) => {
      throw new Error(`server exited with ${code} before ready: ${stderr.join('')}`);
    }),
  ]).then(
    (ready) => {
      cluster.port = ready.port as number;
      return cluster;
    },
    async (err) => {
      await cluster.stop();
      throw err;
    },
  );
}

/** A plain TCP client for the line protocol that collects replies as lines. */
export class TextClient {
  readonly socket: net.Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  closed = false;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number): Promise<TextClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => resolve(new TextClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Over TLS (--tls-port), trusting `ca`, a PEM certificate. */
  static connectTls(port: number, ca: string): Promise<TextClient> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', ca });
      socket.once('secureConnect', () => resolve(new TextClient(socket)));
      socket.once('error', reject);
    });
  }

  send(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits for exactly n bytes (or fails after timeoutMs). */
  async readBytes(n: number, timeoutMs = 10_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (this.buffered.length < n) {
      await this.moreData(deadline, `${this.buffered.length} of ${n} bytes`);
    }
    const out = this.buffered.subarray(0, n);
    this.buffered = this.buffered.subarray(n);
    return out;
  }

  /** Waits for n complete lines and returns them without their newlines (latin1). */
  async readLines(n: number, timeoutMs = 10_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const lines: string[] = [];
    while (lines.length < n) {
      const nl = this.buffered.indexOf(0x0a);
      if (nl >= 0) {
        lines.push(this.buffered.latin1Slice(0, nl));
        this.buffered = this.buffered.subarray(nl + 1);
        continue;
      }
      await this.moreData(deadline, `${lines.length} of ${n} lines`);
    }
    return lines;
  }

  /** Waits for the next chunk; fails when the connection closed or the deadline passed. */
  private async moreData(deadline: number, progress: string): Promise<void> {
    if (this.closed) throw new Error(`connection closed after ${progress}`);
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${progress}`);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, left);
      this.wake = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
    });
  }

  /** Sends the commands in one write and returns one reply line per command. */
  async request(commands: string[]): Promise<string[]> {
    this.send(commands.map((c) => c + '\n').join(''));
    return this.readLines(commands.length);
  }

  /** Bytes received but not yet read. */
  get unread(): number {
    return this.buffered.length;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Reads STATS into a map. */
export async function stats(client: TextClient): Promise<Map<string, string>> {
  client.send('STATS\n');
  const map = new Map<string, string>();
  for (;;) {
    const [line] = await client.readLines(1);
    if (line === 'END') return map;
    const sp = line.indexOf(' ');
    map.set(line.slice(0, sp), line.slice(sp + 1));
  }
}

/** A RESP client on worker `worker` (on-workers.ts says how). */
export async function respClientOn(port: number, worker: number): Promise<RespClient> {
  const [client] = await clientsOn([worker], () => RespClient.connect(port), async (c) => workerOfId((await c.call('CLIENT', 'ID')) as number));
  return client;
}

/** A text client on worker `worker`, which STATS names (on-workers.ts says how). */
export async function textClientOn(port: number, worker: number): Promise<TextClient> {
  const [client] = await clientsOn([worker], () => TextClient.connect(port), async (c) => Number((await stats(c)).get('worker')));
  return client;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A key (prefix + counter) for each of the 16 shards. */
export function keysPerShard(prefix: string, shardOfString: (k: string) => number): string[] {
  const keys: string[] = new Array(16);
  let found = 0;
  for (let i = 0; found < 16; i++) {
    const key = `${prefix}${i}`;
    const s = shardOfString(key);
    if (keys[s] === undefined) {
      keys[s] = key;
      found++;
    }
  }
  return keys;
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function childPids(pid: number): number[] {
  try {
    return fs
      .readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8')
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** A RESP reply as a test sees it. */
export type Resp = string | number | null | { error: string } | Resp[];

/** A minimal RESP2 client for tests: encodes commands, parses whole replies. */
export class RespClient {
  private constructor(readonly text: TextClient) {}

  static async connect(port: number): Promise<RespClient> {
    return new RespClient(await TextClient.connect(port));
  }

  static async connectTls(port: number, ca: string): Promise<RespClient> {
    return new RespClient(await TextClient.connectTls(port, ca));
  }

  static encode(...argv: (string | Buffer)[]): Buffer {
    const parts: Buffer[] = [Buffer.from(`*${argv.length}\r\n`)];
    for (const arg of argv) {
      const bytes = typeof arg === 'string' ? Buffer.from(arg, 'latin1') : arg;
      parts.push(Buffer.from(`$${bytes.length}\r\n`), bytes, Buffer.from('\r\n'));
    }
    return Buffer.concat(parts);
  }

  /** Sends one command and reads its reply. */
  async call(...argv: (string | Buffer)[]): Promise<Resp> {
    this.text.send(RespClient.encode(...argv));
    return this.read();
  }

  /** Sends commands in one write and reads one reply each. */
  async pipeline(commands: (string | Buffer)[][]): Promise<Resp[]> {
    this.text.send(Buffer.concat(commands.map((argv) => RespClient.encode(...argv))));
    const replies: Resp[] = [];
    for (let i = 0; i < commands.length; i++) replies.push(await this.read());
    return replies;
  }

  async read(): Promise<Resp> {
    const [line] = await this.text.readLines(1);
    const head = line[0];
    const rest = line.slice(1, line.endsWith('\r') ? -1 : undefined);
    switch (head) {
      case '+':
        return rest;
      case '-':
        return { error: rest };
      case ':':
        return Number(rest);
      case '$': {
        const n = Number(rest);
        if (n < 0) return null;
        const data = await this.text.readBytes(n + 2);
        return data.subarray(0, n).toString('latin1');
      }
      case '*': {
        const n = Number(rest);
        if (n < 0) return null;
        const items: Resp[] = [];
        for (let i = 0; i < n; i++) items.push(await this.read());
        return items;
      }
      default:
        throw new Error(`not a RESP reply: ${JSON.stringify(line)}`);
    }
  }

  close(): void {
    this.text.close();
  }
}

/** One sample of a Prometheus text exposition. */
export interface MetricSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (comment lines skipped). */
export function metricSamples(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) continue;
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    samples.push({ name: m[1], labels, value: m[3] === '+Inf' ? Infinity : Number(m[3]) });
  }
  return samples;
}

/** A live resize through the admin endpoint (the cluster started with --admin-port 0): its report of the shards moved. */
export async function resizeLive(cluster: Cluster, count: number): Promise<{ moves: { shard: number }[] }> {
  const line = await cluster.waitForLog((l) => l.message === 'admin listening');
  const res = await request(`http://127.0.0.1:${line.port as number}/workers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`POST /workers ${count}: ${res.statusCode} ${text}`);
  return JSON.parse(text) as { moves: { shard: number }[] };
}
