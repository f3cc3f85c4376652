import type { Worker } from 'node:cluster';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleWorkers, type WorkersEndpoint } from './admin-workers';
import type { CommandRow, HistogramSnapshot } from '@kv/node';
import type { PrimaryMessage, WorkerMessage, WorkerStats } from './messages';
import type { Router } from './router';

/**
 * The admin HTTP endpoint, served by the primary (node:http, loopback by default):
 *   GET /healthz  200 while the primary runs
 *   GET /readyz   200 when every worker is up and answered a ping in the last second, else 503
 *   GET /stats    every worker's figures, asked over the cluster channel on request, as JSON
 *   GET /metrics  the same in Prometheus text format 0.0.4
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

/** A worker's figures now (runs in the worker, on a `stats` message). */
export function collectWorkerStats(router: Router): WorkerStats {
  const shards = router.node.shards;
  return {
    pid: process.pid,
    commands: router.commands,
    commands_local: router.local,
    commands_forwarded: router.peers.forwarded,
    frames_forwarded: router.peers.framesSent(),
    commands_served_for_peers: router.node.servedForPeers,
    frames_served_for_peers: router.node.peerFrames,
    connected_clients: router.conns.size,
    total_connections: router.totalConnections,
    auth_failures: router.authFailures,
    rejected_connections: router.refused,
    client_output_limit_closed: router.outputLimitClosed,
    rss_bytes: process.memoryUsage.rss(),
    commandstats: router.commandStats.rows(),
    command_duration_seconds: router.commandStats.duration.snapshot(),
    ipc_frame_commands: router.peers.frameCommands.snapshot(),
    event_loop_delay: router.eventLoopDelay(),
    shards: shards.owned.map((shard) => {
      const lru = shards.store(shard)!;
      return {
        shard,
        keys: lru.size,
        bytes: lru.bytes,
        hits: lru.hits,
        misses: lru.misses,
        evictions: lru.evictions,
        expirations: lru.expirations,
      };
    }),
  };
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

export interface WorkerEntry extends Partial<WorkerStats> {
  worker: number;
  /** Answered this stats request. */
  up: boolean;
  /** Passes the /readyz test now. */
  ready: boolean;
  /** Times the primary restarted this worker. */
  restarts: number;
}

export interface ClusterStats {
  time: string;
  workers: number;
  /** Workers that answered within the timeout. */
  answered: number;
  worker_restarts: number;
  totals: Record<string, number>;
  /** The workers' figures by command and protocol, summed. */
  commandstats: CommandRow[];
  command_duration_seconds: HistogramSnapshot | null;
  ipc_frame_commands: HistogramSnapshot | null;
  /** Live changes of the worker count (scaling.ts), counted by the primary. */
  resize: ResizeFigures;
  per_worker: WorkerEntry[];
}

export interface ResizeFigures {
  map_version: number;
  resizing: boolean;
  resizes: number;
  resizes_failed: number;
  last_resize_seconds: number;
}

/** Figures summed over the workers in `totals` (per-shard ones are summed over shards too). */
const SUMMED = [
  'commands',
  'commands_local',
  'commands_forwarded',
  'frames_forwarded',
  'commands_served_for_peers',
  'frames_served_for_peers',
  'connected_clients',
  'total_connections',
  'auth_failures',
  'rejected_connections',
  'client_output_limit_closed',
  'rss_bytes',
] as const;
const SHARD_FIGURES = ['keys', 'bytes', 'hits', 'misses', 'evictions', 'expirations'] as const;

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
    const totals: Record<string, number> = {};
    for (const k of [...SUMMED, ...SHARD_FIGURES]) totals[k] = 0;
    const perWorker: WorkerEntry[] = [];
    const commands = new Map<string, CommandRow>();
    let duration: HistogramSnapshot | null = null;
    let frames: HistogramSnapshot | null = null;
    for (let i = 0; i < this.count; i++) {
      const s = got.get(i);
      const entry: WorkerEntry = { worker: i, up: s !== undefined, ready: this.notReadyReason(i, now) === null, restarts: this.restarts[i] ?? 0, ...s };
      perWorker.push(entry);
      if (s === undefined) continue;
      for (const k of SUMMED) totals[k] += s[k];
      for (const shard of s.shards) for (const k of SHARD_FIGURES) totals[k] += shard[k];
      for (const row of s.commandstats) {
        const key = `${row.command} ${row.protocol}`;
        const sum = commands.get(key);
        if (sum === undefined) commands.set(key, { ...row });
        else {
          sum.calls += row.calls;
          sum.seconds += row.seconds;
        }
      }
      duration = addHistograms(duration, s.command_duration_seconds);
      frames = addHistograms(frames, s.ipc_frame_commands);
    }
    return {
      time: new Date(now).toISOString(),
      workers: this.count,
      answered: got.size,
      worker_restarts: this.restarts.reduce((a, b) => a + (b ?? 0), 0),
      totals,
      commandstats: [...commands.values()],
      command_duration_seconds: duration,
      ipc_frame_commands: frames,
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

/** Two workers' histograms (same buckets) as one; `a` may be null (none yet). */
function addHistograms(a: HistogramSnapshot | null, b: HistogramSnapshot): HistogramSnapshot {
  if (a === null) return { buckets: b.buckets.map((x) => ({ ...x })), sum: b.sum, count: b.count };
  return { buckets: a.buckets.map((x, i) => ({ le: x.le, count: x.count + b.buckets[i].count })), sum: a.sum + b.sum, count: a.count + b.count };
}

/** The Prometheus text exposition (format 0.0.4) of the figures. */
export function metricsText(stats: ClusterStats): string {
  const out: string[] = [];
  type Sample = [labels: Record<string, string | number>, value: number, suffix?: string];
  const family = (name: string, type: 'counter' | 'gauge' | 'summary' | 'histogram', help: string, samples: Sample[]) => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value, suffix] of samples) {
      const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
      out.push(`${name}${suffix ?? ''}${l ? `{${l}}` : ''} ${formatValue(value)}`);
    }
  };
  const up = stats.per_worker.filter((w) => w.up) as (WorkerEntry & WorkerStats)[];
  const perWorker = (pick: (w: WorkerStats) => number): Sample[] => up.map((w) => [{ worker: w.worker }, pick(w)]);
  const perShard = (pick: (s: WorkerStats['shards'][number]) => number): Sample[] =>
    up.flatMap((w) => w.shards.map((s): Sample => [{ worker: w.worker, shard: s.shard }, pick(s)]));
  const perCommand = (pick: (r: CommandRow) => number): Sample[] =>
    up.flatMap((w) => w.commandstats.map((r): Sample => [{ worker: w.worker, command: r.command, protocol: r.protocol }, pick(r)]));
  const histogram = (pick: (w: WorkerStats) => HistogramSnapshot): Sample[] =>
    up.flatMap((w): Sample[] => {
      const h = pick(w);
      return [
        ...h.buckets.map((b): Sample => [{ worker: w.worker, le: b.le }, b.count, '_bucket']),
        [{ worker: w.worker }, h.sum, '_sum'],
        [{ worker: w.worker }, h.count, '_count'],
      ];
    });

  family('kv_workers', 'gauge', 'Worker processes running (a live resize changes it).', [[{}, stats.workers]]);
  family('kv_shard_map_version', 'gauge', 'Version of the shard map; each shard moved by a resize adds one.', [[{}, stats.resize.map_version]]);
  family('kv_resizing', 'gauge', 'Whether a change of the worker count is running (1) or not (0).', [[{}, stats.resize.resizing ? 1 : 0]]);
  family('kv_resizes_total', 'counter', 'Changes of the worker count that finished.', [[{}, stats.resize.resizes]]);
  family('kv_resizes_failed_total', 'counter', 'Changes of the worker count that stopped on an error.', [[{}, stats.resize.resizes_failed]]);
  family('kv_last_resize_duration_seconds', 'gauge', 'How long the last finished change of the worker count took.', [[{}, stats.resize.last_resize_seconds]]);
  family('kv_worker_up', 'gauge', 'Whether the worker answered this scrape (1) or not (0).', stats.per_worker.map((w) => [{ worker: w.worker }, w.up ? 1 : 0]));
  family('kv_worker_ready', 'gauge', 'Whether the worker is up and answered a ping within the last second.', stats.per_worker.map((w) => [{ worker: w.worker }, w.ready ? 1 : 0]));
  family('kv_worker_restarts_total', 'counter', 'Times the primary restarted the worker after it died.', stats.per_worker.map((w) => [{ worker: w.worker }, w.restarts]));
  family('kv_commands_total', 'counter', "Commands the worker's clients sent, by command and protocol (text or resp); command \"unknown\": a name or line no command matches.", perCommand((r) => r.calls));
  family('kv_commands_duration_seconds_total', 'counter', 'Time from the router starting each command to its reply being ready, summed by command and protocol.', perCommand((r) => r.seconds));
  family('kv_command_duration_seconds', 'histogram', "Time from the router starting a command of the worker's clients to its reply being ready (a forwarded command: until the owner's reply is back).", histogram((w) => w.command_duration_seconds));
  family('kv_commands_local_total', 'counter', "Commands run on the worker's own shards for its clients.", perWorker((w) => w.commands_local));
  family('kv_commands_forwarded_total', 'counter', 'Commands forwarded to the worker that owns the key.', perWorker((w) => w.commands_forwarded));
  family('kv_frames_forwarded_total', 'counter', 'Request frames sent to peer workers.', perWorker((w) => w.frames_forwarded));
  family('kv_ipc_frame_commands', 'histogram', 'Commands per request frame sent to peer workers (transaction steps included).', histogram((w) => w.ipc_frame_commands));
  family('kv_commands_served_for_peers_total', 'counter', 'Commands run for peer workers.', perWorker((w) => w.commands_served_for_peers));
  family('kv_frames_served_for_peers_total', 'counter', 'Request frames received from peer workers.', perWorker((w) => w.frames_served_for_peers));
  family('kv_connected_clients', 'gauge', 'Client connections open now.', perWorker((w) => w.connected_clients));
  family('kv_connections_total', 'counter', 'Client connections accepted since the worker started.', perWorker((w) => w.total_connections));
  family('kv_rejected_connections_total', 'counter', 'Client connections turned away (maxclients, protected mode).', perWorker((w) => w.rejected_connections));
  family('kv_client_output_limit_closed_total', 'counter', 'Clients closed for leaving more than client-output-limit of replies unread.', perWorker((w) => w.client_output_limit_closed));
  family('kv_auth_failures_total', 'counter', 'AUTH attempts with a wrong password.', perWorker((w) => w.auth_failures));
  family('kv_resident_memory_bytes', 'gauge', 'Resident set size of the worker process.', perWorker((w) => w.rss_bytes));
  family('kv_event_loop_delay_seconds', 'summary', "Event-loop delay of the worker since it started (perf_hooks.monitorEventLoopDelay).", up.flatMap((w): Sample[] => {
    const d = w.event_loop_delay;
    return [
      [{ worker: w.worker, quantile: '0.5' }, d.p50],
      [{ worker: w.worker, quantile: '0.9' }, d.p90],
      [{ worker: w.worker, quantile: '0.99' }, d.p99],
      [{ worker: w.worker }, d.mean * d.count, '_sum'],
      [{ worker: w.worker }, d.count, '_count'],
    ];
  }));
  family('kv_event_loop_delay_max_seconds', 'gauge', 'Longest event-loop delay of the worker since it started.', perWorker((w) => w.event_loop_delay.max));
  family('kv_keys', 'gauge', 'Keys held by the shard.', perShard((s) => s.keys));
  family('kv_data_bytes', 'gauge', "Bytes charged against maxmemory by the shard's entries (key + value + overhead).", perShard((s) => s.bytes));
  family('kv_keyspace_hits_total', 'counter', 'Reads that found their key.', perShard((s) => s.hits));
  family('kv_keyspace_misses_total', 'counter', 'Reads that did not find their key.', perShard((s) => s.misses));
  family('kv_evicted_keys_total', 'counter', 'Keys evicted to stay within maxmemory.', perShard((s) => s.evictions));
  family('kv_expired_keys_total', 'counter', 'Keys removed because their TTL passed.', perShard((s) => s.expirations));
  return out.join('\n') + '\n';
}

function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
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

export function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(body);
}
