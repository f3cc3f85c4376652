import { execFileSync } from 'node:child_process';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { Cluster } from './harness';

/** The admin endpoint's base URL (the cluster was started with --admin-port 0). */
export async function adminBase(cluster: Cluster): Promise<string> {
  const line = await cluster.waitForLog((l) => l.message === 'admin listening');
  return `http://127.0.0.1:${line.port as number}`;
}

/** Each worker's connected clients, from /stats (a worker that does not answer reads -1). */
export async function clientsPerWorker(base: string): Promise<number[]> {
  const body = (await (await fetch(`${base}/stats`)).json()) as { per_worker: { up: boolean; connected_clients?: number }[] };
  return body.per_worker.map((w) => (w.up ? (w.connected_clients ?? -1) : -1));
}

/** Polls until every worker's count sums to `total` (or `ms` pass); returns the last counts. */
export async function settledClients(base: string, total: number, ms = 10_000): Promise<number[]> {
  let counts = await clientsPerWorker(base);
  for (const until = Date.now() + ms; counts.reduce((a, b) => a + Math.max(0, b), 0) !== total && Date.now() < until; ) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    counts = await clientsPerWorker(base);
  }
  return counts;
}

/** max / min of the counts: 1 is even. */
export function spread(counts: number[]): number {
  return Math.max(...counts) / Math.max(1, Math.min(...counts));
}

/**
 * The listening socket's drops (connections its full queue turned away: the kernel counts them in
 * TcpExt ListenOverflows and on the socket, which `ss -m` shows as skmem `d`) and its backlog, or
 * null where `ss` is missing. Per socket, so other processes' overflows on the machine do not count.
 */
export function listenDrops(port: number): { drops: number; backlog: number } | null {
  let text: string;
  try {
    text = execFileSync('ss', ['-ltnmH', `sport = :${port}`], { encoding: 'latin1', timeout: 5000 });
  } catch {
    return null;
  }
  const backlog = /^LISTEN\s+\d+\s+(\d+)/m.exec(text);
  const drops = /skmem:\([^)]*\bd(\d+)\)/.exec(text);
  return backlog && drops ? { drops: Number(drops[1]), backlog: Number(backlog[1]) } : null;
}

export interface BurstOutcome {
  answered: number;
  /** Replies that were not the one expected (a refusal's ERROR, for one). */
  wrong: string[];
  failures: string[];
  sockets: net.Socket[];
  /** From the first connect call to the last. */
  openMs: number;
}

/**
 * Opens `count` connections as fast as this process can, each sending `request` the moment it is
 * connected, and waits (up to `timeoutMs` in all) until each has the first line of its reply,
 * which must equal `expected`. With `ca`, over TLS.
 */
export async function burst(port: number, count: number, request: string, expected: string, opts: { ca?: string; timeoutMs?: number } = {}): Promise<BurstOutcome> {
  const sockets: net.Socket[] = [];
  const wrong: string[] = [];
  const failures: string[] = [];
  let answered = 0;
  const started = Date.now();
  let openMs = 0;
  await new Promise<void>((resolve) => {
    let settled = 0;
    const timer = setTimeout(() => {
      failures.push(`${count - settled} with no reply within ${opts.timeoutMs ?? 30_000} ms`);
      resolve();
    }, opts.timeoutMs ?? 30_000);
    const done = () => {
      if (++settled === count) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (let i = 0; i < count; i++) {
      const socket = opts.ca === undefined ? net.connect({ port, host: '127.0.0.1' }) : tls.connect({ port, host: '127.0.0.1', ca: opts.ca });
      sockets.push(socket);
      let text = '';
      let over = false;
      const finish = (why: string | null) => {
        if (over) return;
        over = true;
        if (why !== null) failures.push(why);
        done();
      };
      socket.on('error', (err) => finish(err.message));
      socket.on('close', () => finish('closed before its reply'));
      socket.once(opts.ca === undefined ? 'connect' : 'secureConnect', () => socket.write(request));
      socket.on('data', (chunk: Buffer) => {
        if (over) return;
        text += chunk.toString('latin1');
        const nl = text.indexOf('\n');
        if (nl < 0) return;
        const line = text.slice(0, nl).replace(/\r$/, '');
        if (line === expected) answered++;
        else if (wrong.length < 5) wrong.push(line);
        finish(null);
      });
    }
    openMs = Date.now() - started;
  });
  return { answered, wrong, failures: failures.slice(0, 5), sockets, openMs };
}

/** The open-files limit this process and the server need for `clients`, or why the test cannot run. */
export function filesShort(cluster: Cluster, clients: number): string | null {
  const ready = cluster.logs.find((l) => l.message === 'ready')!;
  const files = Number(ready.open_files_limit);
  return files >= clients + 512 ? null : `the open files limit is ${ready.open_files_limit}; this test needs ${clients + 512} (raise it with ulimit -n, as .ci/run does)`;
}
