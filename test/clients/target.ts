import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite, type Test } from 'uvu';
import { shardOfString } from '@kv/wire';
import { keysPerShard, startCluster } from '../../apps/router/test/harness';
import { Skips } from '../../test-support/skip';

/**
 * The server a client-library suite runs against: by default our cluster, once on 2 and once on
 * 3 workers; with KV_TARGET=redis a redis-server on a random loopback port instead, so that every
 * test can be checked against real Redis first (`KV_TARGET=redis npx uvu -r tsx test/clients`).
 */
export const ON_REDIS = process.env.KV_TARGET === 'redis';

export interface Target {
  label: string;
  /** True for a real redis-server. */
  redis: boolean;
  /** Workers of our cluster (1 for redis-server: one process owns every key). */
  workers: number;
  host: string;
  port: number;
  stop(): Promise<void>;
}

interface TargetSpec {
  label: string;
  redis: boolean;
  workers: number;
  start(): Promise<Target>;
}

export const HOST = '127.0.0.1';

export function hasCommand(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export function targetSpecs(): TargetSpec[] {
  if (ON_REDIS) return [{ label: 'redis-server', redis: true, workers: 1, start: startRedis }];
  return [2, 3].map((workers) => ({
    label: `kv-cache on ${workers} workers`,
    redis: false,
    workers,
    start: async () => {
      const cluster = await startCluster({ workers });
      return {
        label: `kv-cache on ${workers} workers`,
        redis: false,
        workers,
        host: HOST,
        port: cluster.port,
        stop: async () => void (await cluster.stop()),
      };
    },
  }));
}

const liveRedis = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of liveRedis) child.kill('SIGKILL');
});

/** A port that was free a moment ago (redis-server cannot be asked to pick one and say it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** redis-server with no persistence, on a random loopback port, in a temporary directory. */
export async function startRedis(): Promise<Target> {
  if (!hasCommand('redis-server')) throw new Error('KV_TARGET=redis but redis-server is not installed');
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-redis-'));
    // One database, as ours (SELECT 1 is then out of range on both).
    const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--databases', '1', '--dir', dir, '--daemonize', 'no'];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    liveRedis.add(child);
    let output = '';
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => {
        liveRedis.delete(child);
        fs.rmSync(dir, { recursive: true, force: true });
        resolve(code);
      }),
    );
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 10_000);
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      void exited.then(() => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    const stop = async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    };
    if (ready) return { label: 'redis-server', redis: true, workers: 1, host: HOST, port, stop };
    await stop();
    // The port may have been taken between freePort and the bind: try another.
    if (attempt >= 3) throw new Error(`redis-server did not start: ${output}`);
  }
}

/** One key per shard, in shard order: shardKeys(p)[s] is owned by worker s % workers. */
export function shardKeys(prefix: string): string[] {
  return keysPerShard(prefix, shardOfString);
}

/**
 * Keys owned by `count` different workers of our cluster (shards 0..count-1, spread in order:
 * shard s on worker s mod workers); on redis-server simply `count` keys.
 */
export function keysOnWorkers(prefix: string, count: number): string[] {
  return shardKeys(prefix).slice(0, count);
}

export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What a client suite's tests see: the running target and a place to register clean-ups. */
export interface Ctx {
  target: Target;
  /** Runs after the current test, passed or failed (close clients, servers). */
  defer(cleanup: () => unknown): void;
}

export interface TestOptions {
  /** Bound on the whole test (default 15 s). */
  ms?: number;
  /** A check of our server alone (what Redis does differently by design): skipped on KV_TARGET=redis. */
  oursOnly?: boolean;
}

export type Define = (test: (name: string, fn: (ctx: Ctx) => Promise<void>, opts?: TestOptions) => void) => void;

/**
 * One uvu suite per target: starts it before, stops it after (uvu runs `after` in a finally, so
 * even when a test or `before` failed), and runs each test's clean-ups after it whatever happened.
 */
export function clientSuites(library: string, define: Define): void {
  for (const spec of targetSpecs()) {
    const t: Test = suite(`${library} against ${spec.label}`);
    const skips = new Skips(`${library} against ${spec.label}`);
    let target: Target | undefined;
    let cleanups: (() => unknown)[] = [];
    const runCleanups = async () => {
      const list = cleanups.reverse();
      cleanups = [];
      for (const cleanup of list) {
        try {
          await withTimeout(Promise.resolve().then(cleanup), 5_000, 'clean-up');
        } catch {
          // A clean-up that fails (a client already closed) must not hide the test's result.
        }
      }
    };
    t.before(async () => {
      target = await spec.start();
    });
    t.after.each(runCleanups);
    t.after(async () => {
      await runCleanups();
      await target?.stop();
    });
    define((name, fn, opts = {}) => {
      if (opts.oursOnly && spec.redis) return skips.all([name], 'a check of our server alone (KV_TARGET=redis)');
      t(name, async () => {
        if (target === undefined) throw new Error('the target did not start');
        const ctx: Ctx = { target, defer: (cleanup) => void cleanups.push(cleanup) };
        await withTimeout(fn(ctx), opts.ms ?? 15_000, name);
      });
    });
    t.run();
  }
}

/** Runs `body` repeatedly until `ms` pass (bounded loops for the concurrency checks). */
export async function loopFor(ms: number, body: (i: number) => Promise<void>): Promise<number> {
  const end = Date.now() + ms;
  let i = 0;
  while (Date.now() < end) await body(i++);
  return i;
}

/**
 * Starts a loop that runs while the test does; its promise is awaited later, so a failure is
 * marked handled now (an unhandled rejection would end the whole uvu process) and thrown then.
 */
export function background(body: () => Promise<void>): Promise<void> {
  const running = body();
  running.catch(() => {});
  return running;
}

/** The error a promise rejects with; fails the test if it resolves instead. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  let value: unknown;
  try {
    value = await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error(`expected an error reply, got ${JSON.stringify(value)}`);
}
