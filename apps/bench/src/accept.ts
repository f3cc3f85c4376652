import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchOptions } from './cli';
import { measureBurst, measureIdle, measureLoad, measureNewConnections, type Target } from './acceptParts';
import { measureBalance } from './acceptBalance';
import { formatAccept, type AcceptRun } from './acceptReport';
export type { AcceptRun } from './acceptReport';
import { goBurstBinary } from './burstGo';
import { parseCsv, type BenchmarkRow } from './redisBenchmark';
import { ensureSeedBinary, startSeedServer } from './seedServer';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

export const ACCEPT_PARTS = ['burst', 'busy', 'tls', 'cold', '10k', 'idle', 'balance', 'newconn'] as const;
export type AcceptPart = (typeof ACCEPT_PARTS)[number];

export type ServerKind = 'seed' | 'kv' | 'kv1' | 'kv-resp' | 'redis' | 'floor' | 'kv-tls-ecdsa' | 'kv-tls-rsa' | 'redis-tls-ecdsa';

/** The Node floor's entry point (nodeFloor.ts): Node's own cost, with no store and no forwarding. */
const FLOOR_MAIN = path.join(__dirname, 'nodeFloor.js');


/** Parses --parts: a comma-separated subset of ACCEPT_PARTS (all when absent). */
export function parseParts(text: string | null): AcceptPart[] {
  if (text === null) return [...ACCEPT_PARTS];
  const parts = text.split(',').map((p) => p.trim());
  for (const p of parts) if (!(ACCEPT_PARTS as readonly string[]).includes(p)) throw new Error(`--parts: unknown part '${p}' (one of ${ACCEPT_PARTS.join(', ')})`);
  return parts as AcceptPart[];
}

/** A self-signed certificate for 127.0.0.1 (ECDSA P-256, or RSA 2048 for comparison), made with openssl. */
function certificate(dir: string, kind: 'ecdsa' | 'rsa'): { cert: string; key: string; pem: string } {
  const cert = path.join(dir, `${kind}.crt`);
  const key = path.join(dir, `${kind}.key`);
  const keyArgs = kind === 'ecdsa' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'] : ['-newkey', 'rsa:2048'];
  execFileSync('openssl', ['req', '-x509', ...keyArgs, '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore', timeout: 30_000 });
  return { cert, key, pem: fs.readFileSync(cert, 'latin1') };
}

/**
 * The accept path's figures (issue 21) beside the seed and redis-server, each server started fresh
 * for each measurement: bursts (alone, beside 1,000 busy clients, over TLS), 1,000 clients started
 * at once, 10,000 clients, idle clients' memory and one busy client among them, kv's balance, and a
 * new connection per request (this generator, and redis-benchmark -k 0).
 */
export async function runAccept(options: BenchOptions, parts: readonly AcceptPart[], log: (line: string) => void): Promise<AcceptRun> {
  const started = Date.now();
  const run: AcceptRun = { workers: options.workers, burst: [], busy: [], tls: [], cold: [], tenK: [], idle: [], balance: [], newconn: [], redisBenchmark: [], skipped: [], problems: [], generator: '', loadAverage: { start: os.loadavg()[0], end: 0 }, elapsedSeconds: 0 };
  const seed = ensureSeedBinary(options.seedBin, log);
  run.generator = goBurstBinary(log) === null ? 'bursts opened from a Node thread (no Go to build apps/bench/burst-go)' : 'bursts opened by the Go generator (apps/bench/burst-go), the rest by the Node generator';
  const redis = findRedisServer();
  if (seed.path === null) run.skipped.push(`seed: ${seed.skipped}`);
  if (redis === null) run.skipped.push('redis-server: not installed');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-bench-accept-'));
  const certs: Partial<Record<'ecdsa' | 'rsa', ReturnType<typeof certificate>>> = {};
  const kvLabel = `kv ${options.workers} workers`;

  // Room for 10,000 clients and the ones measured beside them (both default to 10,000 clients).
  const roomy = ['--maxclients', '10100'];
  const start = async (kind: ServerKind): Promise<Target | null> => {
    if (kind === 'seed') return seed.path === null ? null : { label: 'seed (Go)', server: await startSeedServer(seed.path, log), proto: 'text' };
    if (kind === 'redis') return redis === null ? null : { label: 'redis-server', server: await startRedisServer(redis, roomy), proto: 'resp' };
    if (kind === 'kv') return { label: `${kvLabel}, text`, server: await startKvServer(options.kvMain, options.workers, options.maxmemory, roomy), proto: 'text' };
    // The same with one worker: nothing forwarded between workers (what forwarding costs, beside the row above).
    if (kind === 'kv1') return { label: 'kv 1 worker, text', server: await startKvServer(options.kvMain, 1, options.maxmemory, roomy), proto: 'text' };
    if (kind === 'floor') return { label: `Node floor: ${options.workers} workers, no store, text`, server: await startKvServer(FLOOR_MAIN, options.workers, null), proto: 'text' };
    if (kind === 'kv-resp') return { label: `${kvLabel}, RESP`, server: await startKvServer(options.kvMain, options.workers, options.maxmemory), proto: 'resp' };
    const which = kind === 'kv-tls-rsa' ? 'rsa' : 'ecdsa';
    const c = (certs[which] ??= certificate(dir, which));
    if (kind === 'redis-tls-ecdsa') {
      if (redis === null) return null;
      const tlsPort = await freePort();
      const server = await startRedisServer(redis, [...roomy, '--tls-port', String(tlsPort), '--tls-cert-file', c.cert, '--tls-key-file', c.key, '--tls-auth-clients', 'no']);
      return { label: 'redis-server, TLS (ECDSA P-256)', server, proto: 'resp', port: tlsPort, ca: c.pem };
    }
    const server = await startKvServer(options.kvMain, options.workers, options.maxmemory, ['--tls-port', String(await freePort()), '--tls-cert', c.cert, '--tls-key', c.key]);
    const tlsPort = Number(server.ready?.tls_port);
    return { label: `${kvLabel}, TLS (${which === 'ecdsa' ? 'ECDSA P-256' : 'RSA 2048'})`, server, proto: 'text', port: tlsPort, ca: c.pem };
  };
  /** Starts `kind`, runs `measure` on it, stops it; a failure is noted and the run goes on. */
  const on = async <T>(kind: ServerKind, what: string, measure: (t: Target) => Promise<T>, into: T[]): Promise<void> => {
    let target: Target | null = null;
    try {
      target = await start(kind);
      if (target === null) return;
      log(`${what}: ${target.label} ...`);
      into.push(await measure(target));
    } catch (err) {
      run.problems.push(`${what} on ${kind}: ${(err as Error).message.split('\n')[0]}`);
      log(run.problems[run.problems.length - 1]);
    } finally {
      await target?.server.stop();
    }
  };

  try {
    for (const part of parts) {
      if (part === 'burst') for (const k of ['seed', 'kv', 'kv-resp', 'redis', 'floor'] as const) await on(k, 'burst of 2,000', (t) => measureBurst(t, 2000, 100, 0), run.burst);
      if (part === 'busy') for (const k of ['seed', 'kv', 'redis'] as const) await on(k, 'burst beside 1,000 busy', (t) => measureBurst(t, 2000, 100, 1000), run.busy);
      if (part === 'tls') {
        // redis-server with the same certificate: what a TLS burst costs a server in C on these cores, beside the same generator.
        for (const k of ['kv-tls-ecdsa', 'kv-tls-rsa', 'redis-tls-ecdsa'] as const) await on(k, 'TLS burst of 2,000', (t) => measureBurst(t, 2000, 100, 0), run.tls);
        if (goBurstBinary(log) !== null) await on('kv-tls-ecdsa', 'TLS burst of 2,000 resuming a session', (t) => measureBurst(t, 2000, 100, 0, true), run.tls);
      }
      if (part === 'cold') for (const k of ['seed', 'kv', 'redis'] as const) await on(k, '1,000 clients at once', (t) => measureLoad(t, 1000, 0, 5), run.cold);
      if (part === '10k') for (const k of ['seed', 'kv', 'redis', 'kv1', 'floor'] as const) await on(k, '10,000 clients', (t) => measureLoad(t, 10_000, 1, 10, true), run.tenK);
      // The seed serves at most 10,000 connections (its MaxConnections; the next waits for a place): 9,999 idle beside its busy one.
      if (part === 'idle') for (const k of ['seed', 'kv', 'redis'] as const) await on(k, '10,000 idle + 1 busy', (t) => measureIdle(t, k === 'seed' ? 9_999 : 10_000), run.idle);
      if (part === 'balance') {
        try {
          run.balance = await measureBalance(options.kvMain, options.maxmemory, log);
        } catch (err) {
          run.problems.push(`balance: ${(err as Error).message}`);
        }
      }
      if (part === 'newconn') {
        for (const k of ['seed', 'kv', 'kv-resp', 'redis'] as const) await on(k, 'a new connection per request', (t) => measureNewConnections(t, 50, 5), run.newconn);
        for (const k of ['kv', 'redis'] as const) await on(k, 'redis-benchmark -k 0', async (t) => ({ server: t.label.replace(', text', ''), rows: redisBenchmarkK0(t.server) }), run.redisBenchmark);
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  run.loadAverage.end = os.loadavg()[0];
  run.elapsedSeconds = (Date.now() - started) / 1000;
  return run;
}

/** redis-benchmark with a new connection for every request (-k 0), SET and GET, 50 clients. */
function redisBenchmarkK0(server: StartedServer): BenchmarkRow[] {
  const r = spawnSync('redis-benchmark', ['-h', server.endpoint.host, '-p', String(server.endpoint.port), '-k', '0', '-c', '50', '-n', '20000', '-t', 'set,get', '--csv'], { encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`redis-benchmark -k 0 failed: ${r.error?.message ?? r.stderr}`);
  return parseCsv(r.stdout);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject).listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

export async function runAcceptMode(options: BenchOptions, parts: readonly AcceptPart[], log: (line: string) => void): Promise<number> {
  const run = await runAccept(options, parts, log);
  console.log(options.json ? JSON.stringify(run) : formatAccept(run));
  return run.problems.length > 0 ? 1 : 0;
}
