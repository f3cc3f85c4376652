import type { Worker } from 'node:cluster';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { workerFigures } from '@kv/node';
import { send } from './http';
import { handleWorkers, type WorkersEndpoint } from './workers';
import { sumWorkers, type ClusterStats, type ResizeFigures, type WorkerEntry } from '../figures/cluster';
import { metricsText } from '../figures/prometheus';
import type { PrimaryMessage, WorkerMessage, WorkerStats } from '../primary/messages';
import type { Router } from '../worker/router';

/**
 * The admin HTTP endpoint, served by the primary (node:http, loopback by default):
 *   GET /healthz  200 while the primary runs
 *   GET /readyz   200 when every worker is up and answered a ping in the last second, else 503
 *   GET /stats    every worker's figures, asked over the cluster channel on request, as JSON
 *   GET /metrics  the same in Prometheus text format 0.0.4 (both loops over @kv/node's FIGURES)
 *   GET /workers  the shard map; POST /workers {"count": N} changes the worker count (admin-workers.ts)
 * Workers answer `ping` and `stats` messages (collectWorkerStats below); the primary's side is a
 * ClusterProbe.
 */

/** The primary pings every worker this often ... */
export const PING_INTERVAL_MS = 500;
/** ... and counts a worker ready only if it answered within this long. */
export const READY_WITHIN_MS = 1000;
/** /stats and /metrics answer with what arrived by then. */
export const STATS_TIMEOUT_MS = 1000;

/** A worker's figures now (runs in the worker, on a `stats` message): the figures table's /stats keys. */
export function collectWorkerStats(router: Router): WorkerStats {
  return workerFigures(router, router.node.shards) as WorkerStats;
}

/** What the probe needs to know of a worker slot in the primary. */
export interface WorkerSlotView {
  worker: Worker | null;
  /** Linked to all its peers (its `ready` message came). */
  ready: boolean;
}

export interface NotReady {
  worker: number;
  shards: number[];
  reason: string;
}

/**
 * The primary's side: pings every worker every PING_INTERVAL_MS and notes when each answered,
 * gathers stats on request, and counts restarts.
 */
export class ClusterProbe {
  /** Restarts of each worker index since the primary started (undefined: none). */
  readonly restarts: number[] = [];
  private readonly lastPong = new WeakMap<Worker, number>();
  private seq = 0;
  private nextStatsId = 1;
  private readonly pending = new Map<number, { got: Map<number, WorkerStats>; expected: number; done: () => void }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    /** Worker slots now (a resize changes it). */
    private readonly size: () => number,
    private readonly slot: (index: number) => WorkerSlotView,
    private readonly shardsOf: (index: number) => number[],
    private readonly resizeFigures: () => ResizeFigures,
  ) {}

  get count(): number {
    return this.size();
  }

  start(): void {
    if (this.timer !== null) return;
    this.timer = setInterval(() => {
      for (let i = 0; i < this.count; i++) this.ping(this.slot(i).worker);
    }, PING_INTERVAL_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    for (const p of this.pending.values()) p.done();
  }

  /** Handles the probe's messages from a live worker; true when the message was one of them. */
  onMessage(index: number, worker: Worker, message: WorkerMessage): boolean {
    switch (message.t) {
      case 'pong':
        this.lastPong.set(worker, Date.now());
        return true;
      case 'stats': {
        const p = this.pending.get(message.id);
        if (p !== undefined) {
          p.got.set(index, message.stats);
          if (p.got.size >= p.expected) p.done();
        }
        return true;
      }
      case 'ready':
        // Ready at once rather than up to one ping interval later.
        this.ping(worker);
        return false;
      default:
        return false;
    }
  }

  /** Workers (with their shards) not ready to serve now: empty when the whole server is. */
  notReady(now = Date.now()): NotReady[] {
    const out: NotReady[] = [];
    for (let i = 0; i < this.count; i++) {
      const shards = this.shardsOf(i);
      // A worker a resize is adding or retiring owns no shard: no key waits for it.
      if (shards.length === 0) continue;
      const reason = this.notReadyReason(i, now);
      if (reason !== null) out.push({ worker: i, shards, reason });
    }
    return out;
  }

  private notReadyReason(index: number, now: number): string | null {
    const { worker, ready } = this.slot(index);
    if (worker === null || !worker.isConnected()) return 'not running (restarting)';
    if (!ready) return 'starting: not linked to all peers yet';
    const pong = this.lastPong.get(worker);
    if (pong === undefined || now - pong > READY_WITHIN_MS) return `no answer to ping within ${READY_WITHIN_MS} ms`;
    return null;
  }

  /** Asks every live worker for its figures; resolves with what arrived within timeoutMs. */
  gatherStats(timeoutMs = STATS_TIMEOUT_MS): Promise<ClusterStats> {
    const id = this.nextStatsId++;
    const got = new Map<number, WorkerStats>();
    return new Promise((resolve) => {
      let asked = 0;
      let timer: NodeJS.Timeout | null = null;
      const done = () => {
        if (!this.pending.delete(id)) return;
        if (timer !== null) clearTimeout(timer);
        resolve(this.summarize(got));
      };
      this.pending.set(id, { got, expected: Infinity, done });
      for (let i = 0; i < this.count; i++) {
        const worker = this.slot(i).worker;
        if (worker !== null && this.send(worker, { t: 'stats', id })) asked++;
      }
      const p = this.pending.get(id)!;
      p.expected = asked;
      if (got.size >= asked) done();
      else timer = setTimeout(done, timeoutMs);
    });
  }

  private summarize(got: Map<number, WorkerStats>): ClusterStats {
    const now = Date.now();
    const perWorker: WorkerEntry[] = [];
    for (let i = 0; i < this.count; i++) {
      const s = got.get(i);
      perWorker.push({ worker: i, up: s !== undefined, ready: this.notReadyReason(i, now) === null, restarts: this.restarts[i] ?? 0, ...s });
    }
    const { totals, summed } = sumWorkers([...got.values()]);
    return {
      time: new Date(now).toISOString(),
      workers: this.count,
      answered: got.size,
      worker_restarts: this.restarts.reduce((a, b) => a + (b ?? 0), 0),
      totals,
      ...summed,
      resize: this.resizeFigures(),
      per_worker: perWorker,
    };
  }

  private ping(worker: Worker | null): void {
    if (worker !== null) this.send(worker, { t: 'ping', seq: ++this.seq });
  }

  /** Sends unless the channel is closed; a send racing the worker's exit is dropped quietly. */
  private send(worker: Worker, message: PrimaryMessage): boolean {
    if (!worker.isConnected()) return false;
    worker.send(message, () => {});
    return true;
  }
}

const ROUTES = new Set(['/healthz', '/readyz', '/stats', '/metrics']);
const ALLOW = 'GET, HEAD';

/** Starts the admin HTTP server; rejects if it cannot listen. */
export function startAdmin(host: string, port: number, probe: ClusterProbe, workers: WorkersEndpoint): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    handle(req, res, probe, workers).catch((err: Error) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `internal error: ${err.message}\n`);
      else res.destroy();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      server.on('error', () => {});
      resolve(server);
    });
  });
}

export function adminPort(server: http.Server): number {
  return (server.address() as AddressInfo).port;
}

/** Stops listening and closes every admin connection. */
export function closeAdmin(server: http.Server): void {
  server.close();
  server.closeAllConnections();
}

async function handle(req: http.IncomingMessage, res: http.ServerResponse, probe: ClusterProbe, workers: WorkersEndpoint): Promise<void> {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  const path = q >= 0 ? url.slice(0, q) : url;
  if (path === '/workers') return handleWorkers(req, res, workers);
  if (!ROUTES.has(path)) return send(res, 404, 'text/plain; charset=utf-8', `not found: ${path} (try /healthz, /readyz, /stats, /metrics, /workers)\n`);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', ALLOW);
    return send(res, 405, 'text/plain; charset=utf-8', `method ${req.method} not allowed on ${path} (allowed: ${ALLOW})\n`);
  }
  switch (path) {
    case '/healthz':
      return send(res, 200, 'text/plain; charset=utf-8', 'ok\n');
    case '/readyz': {
      const notReady = probe.notReady();
      if (notReady.length === 0) return send(res, 200, 'text/plain; charset=utf-8', 'ready\n');
      const shards = notReady.flatMap((w) => w.shards).sort((a, b) => a - b);
      return send(res, 503, 'application/json', JSON.stringify({ status: 'not ready', shards, workers: notReady }) + '\n');
    }
    case '/stats':
      return send(res, 200, 'application/json', JSON.stringify(await probe.gatherStats()) + '\n');
    case '/metrics':
      return send(res, 200, 'text/plain; version=0.0.4; charset=utf-8', metricsText(await probe.gatherStats()));
  }
}
