import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Endpoint } from './cli';
import { processTree } from './procstat';

const KV_READY_TIMEOUT_MS = 20_000;
const REDIS_READY_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 5_000;
const OUTPUT_TAIL_LINES = 20;

export interface StopOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True if SIGTERM was not enough and something had to be SIGKILLed. */
  forced: boolean;
}

export interface StartedServer {
  readonly label: string;
  readonly pid: number;
  readonly endpoint: Endpoint;
  /** kv: its ready log line, parsed (port, workers, maxmemory in bytes...); null for redis-server. */
  readonly ready: Record<string, unknown> | null;
  /** kv: the admin endpoint's port once it listens (its 'admin listening' line); else null. */
  readonly adminPort: number | null;
  /** Calls watcher with each later line of the server's stdout or stderr; returns an unsubscribe. */
  watchOutput(watcher: (line: string) => void): () => void;
  stop(): Promise<StopOutcome>;
}

export class ServerStartError extends Error {}

/** A child process we started and must stop, by PID, whatever happens to the bench. */
export class ManagedServer implements StartedServer {
  readonly pid: number;
  endpoint: Endpoint = { host: '127.0.0.1', port: 0 };
  ready: Record<string, unknown> | null = null;
  adminPort: number | null = null;
  private readonly outputTail: string[] = [];
  private readonly lineWatchers = new Set<(line: string) => void>();
  private exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  private readonly exited: Promise<void>;
  private stopping: Promise<StopOutcome> | null = null;
  /** Descendants seen while it ran: cluster workers to clean up if the primary dies first. */
  private knownTree: number[] = [];

  constructor(
    readonly label: string,
    child: ChildProcess,
  ) {
    child.on('error', (err) => this.remember(`spawn error: ${err.message}`));
    if (child.pid === undefined) throw new ServerStartError(`${label}: spawn failed`);
    this.pid = child.pid;
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exit = { code, signal };
        running.delete(this);
        resolve();
      });
    });
    // Keep reading both pipes for the server's whole life, or a chatty server blocks on a full pipe.
    for (const stream of [child.stdout, child.stderr]) {
      if (stream) readline.createInterface({ input: stream }).on('line', (line) => this.remember(line));
    }
    running.add(this);
  }

  private remember(line: string): void {
    this.outputTail.push(line);
    if (this.outputTail.length > OUTPUT_TAIL_LINES) this.outputTail.shift();
    for (const watcher of this.lineWatchers) watcher(line);
  }

  /** Calls watcher with each later line of the server's stdout or stderr; returns an unsubscribe. */
  watchOutput(watcher: (line: string) => void): () => void {
    this.lineWatchers.add(watcher);
    return () => this.lineWatchers.delete(watcher);
  }

  get hasExited(): boolean {
    return this.exit !== null;
  }

  get exitPromise(): Promise<void> {
    return this.exited;
  }

  describeExit(): string {
    const tail = this.outputTail.length > 0 ? `\n--- last output ---\n${this.outputTail.join('\n')}` : '';
    return this.exit === null ? `${this.label} still running${tail}` : `${this.label} exited (code ${this.exit.code}, signal ${this.exit.signal})${tail}`;
  }

  rememberTree(): void {
    if (!this.hasExited) this.knownTree = processTree(this.pid);
  }

  stop(): Promise<StopOutcome> {
    this.stopping ??= this.stopNow();
    return this.stopping;
  }

  private async stopNow(): Promise<StopOutcome> {
    this.rememberTree();
    const descendants = this.knownTree.filter((pid) => pid !== this.pid);
    let forced = false;
    if (!this.hasExited) {
      signal(this.pid, 'SIGTERM');
      if (!(await settlesWithin(this.exited, STOP_GRACE_MS))) {
        forced = true;
        signal(this.pid, 'SIGKILL');
        await this.exited;
      }
    }
    const deadline = Date.now() + STOP_GRACE_MS;
    while (descendants.some(isAlive) && Date.now() < deadline) await sleep(50);
    for (const pid of descendants.filter(isAlive)) {
      forced = true;
      signal(pid, 'SIGKILL');
    }
    return { code: this.exit?.code ?? null, signal: this.exit?.signal ?? null, forced };
  }

  /** Last resort from a synchronous 'exit' handler: no waiting possible, so no grace either. */
  killNow(): void {
    for (const pid of [...this.knownTree.filter((p) => p !== this.pid), this.pid]) signal(pid, 'SIGKILL');
  }
}

const running = new Set<ManagedServer>();

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone.
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  const settled = await Promise.race([promise.then(() => true as const), timeout]);
  clearTimeout(timer);
  return settled;
}

/** Starts kv on a free loopback port (and its admin endpoint on another), with `extraArgs` after the rest. */
export async function startKvServer(kvMain: string, workers: number, maxmemory: string | null, extraArgs: readonly string[] = []): Promise<StartedServer> {
  if (!fs.existsSync(kvMain)) throw new ServerStartError(`kv server entry point not found: ${kvMain} (build it with 'npx tsc -b')`);
  const args = [kvMain, '--port', '0', '--host', '127.0.0.1', '--workers', String(workers), '--admin-port', '0'];
  if (maxmemory !== null) args.push('--maxmemory', maxmemory);
  args.push(...extraArgs);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = new ManagedServer(`kv (${workers} worker${workers === 1 ? '' : 's'})`, child);
  server.watchOutput((line) => {
    const admin = /"message":"admin listening"/.test(line) ? /"port":(\d+)/.exec(line) : null;
    if (admin) server.adminPort = Number(admin[1]);
  });
  const port = await new Promise<number | null>((resolve) => {
    const finish = (port: number | null): void => {
      clearTimeout(timer);
      unwatch();
      resolve(port);
    };
    const timer = setTimeout(() => finish(null), KV_READY_TIMEOUT_MS);
    const unwatch = server.watchOutput((line) => {
      // Builds before the log field was renamed say "msg": --kv-main may point at one for an A/B run.
      const port = /"(message|msg)":"ready"/.test(line) ? /"port":(\d+)/.exec(line) : null;
      if (port) {
        server.ready = parseJsonLine(line);
        finish(Number(port[1]));
      }
    });
    void server.exitPromise.then(() => finish(null));
  });
  if (port === null) {
    const reason = server.describeExit();
    await server.stop();
    throw new ServerStartError(`kv server did not print its ready line: ${reason}`);
  }
  server.endpoint = { host: '127.0.0.1', port };
  server.rememberTree();
  return server;
}

function parseJsonLine(line: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(line);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function findRedisServer(): string | null {
  return findOnPath('redis-server');
}

/** The first executable called name in a PATH directory, or null. */
export function findOnPath(name: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory.
    }
  }
  return null;
}

async function freeLoopbackPort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

function answersPing(endpoint: Endpoint): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(endpoint.port, endpoint.host);
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('*1\r\n$4\r\nPING\r\n'));
    socket.once('data', (chunk) => done(chunk.toString('latin1').startsWith('+PONG')));
  });
}

export async function startRedisServer(redisServer: string, extraArgs: readonly string[] = []): Promise<StartedServer> {
  const port = await freeLoopbackPort();
  const child = spawn(redisServer, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new ManagedServer('redis-server', child);
  server.endpoint = { host: '127.0.0.1', port };
  const deadline = Date.now() + REDIS_READY_TIMEOUT_MS;
  while (!server.hasExited && Date.now() < deadline) {
    if (await answersPing(server.endpoint)) return server;
    await sleep(50);
  }
  const reason = server.describeExit();
  await server.stop();
  throw new ServerStartError(`redis-server did not answer PING: ${reason}`);
}

export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

export function killAllServersNow(): void {
  for (const server of running) server.killNow();
}
