/**
 * The shapes of the figures table (table.ts) and of the state its getters read. Structural types
 * only, with no import: the router's Router, the node's ShardSet and Lru, and the primary's
 * ClusterStats satisfy them, and neither this file nor the table imports any of them (no cycle).
 */

/** A histogram as reported: cumulative counts by upper bound (`+Inf` last), as Prometheus has it. */
export interface HistogramValue {
  buckets: { le: string; count: number }[];
  sum: number;
  count: number;
}

/** A histogram kept in place (command-stats.ts's Histogram). */
export interface HistogramSource {
  readonly bounds: readonly number[];
  readonly counts: ArrayLike<number>;
  readonly sum: number;
  readonly count: number;
  snapshot(): HistogramValue;
}

/** One command's figures over one protocol. */
export interface CommandRowValue {
  command: string;
  protocol: 'text' | 'resp';
  calls: number;
  seconds: number;
}

/** One command's latency histogram as a worker reports it (latency-histogram.ts's LatencyValue). */
export interface LatencyValue {
  /** [bucket, count] pairs of the log-linear buckets, bucket ascending. */
  buckets: [number, number][];
  count: number;
  sum: number;
}

/** The latency histograms by command (latency-histogram.ts's LatencyHistograms). */
export interface LatencySource {
  readonly tracking: boolean;
  readonly percentiles: readonly number[];
  value(opcode: number): LatencyValue | null;
}

/** Calls and time by command and protocol (command-stats.ts's CommandStats). */
export interface CommandSource {
  readonly calls: ArrayLike<number>;
  readonly seconds: ArrayLike<number>;
  readonly failed: ArrayLike<number>;
  readonly rejected: ArrayLike<number>;
  readonly duration: HistogramSource;
  readonly latency: LatencySource;
  rows(): CommandRowValue[];
}

/** Event-loop delay since the worker started, in seconds; count is the samples taken. */
export interface LoopDelayValue {
  count: number;
  min: number;
  mean: number;
  max: number;
  p50: number;
  p90: number;
  p99: number;
}

/** Figures a worker samples every 100 ms (sampled.ts's SampledFigures). */
export interface SampledState {
  /** Commands a second, averaged over the last 16 samples (Redis's instantaneous_ops_per_sec). */
  opsPerSecond(): number;
  /** The most bytes the worker's shards were charged at (sampled, and whenever read). */
  memoryPeak(): number;
}

/** What a worker process knows beyond its shards: the router is one (Router.processStats()). */
export interface WorkerState {
  /** The client port (0 until known) and the settings INFO reports. */
  readonly port: number;
  readonly limits: { readonly maxmemory: number; readonly restarts: number; readonly maxclientsTotal: number };
  readonly workers: number;
  readonly mapVersion: number;
  readonly commands: number;
  readonly local: number;
  readonly refused: number;
  readonly outputLimitClosed: number;
  readonly queryLimitClosed: number;
  readonly authFailures: number;
  /** Bytes read from and written to the worker's clients. */
  readonly net: { readonly input: number; readonly output: number };
  readonly totalConnections: number;
  readonly conns: { readonly size: number };
  readonly commandStats: CommandSource;
  readonly peers: { readonly forwarded: number; framesSent(): number; readonly frameCommands: HistogramSource };
  readonly node: { readonly servedForPeers: number; readonly peerFrames: number; readonly arenaBytes: number };
  readonly sampled: SampledState;
  /** The Lua script cache (every worker keeps every script) and the engine's heap. */
  readonly scripts: { readonly figures: { count: number; bytes: number; vmBytes: number; evicted: number } };
  eventLoopDelay(): LoopDelayValue;
}

/** One shard's store (libs/lru's Lru). */
export interface StoreState {
  readonly size: number;
  readonly bytes: number;
  readonly hits: number;
  readonly misses: number;
  readonly evictions: number;
  readonly expirations: number;
  readonly volatile: number;
  /** Bytes of the shard's typed arrays (slots, index, expiry). */
  readonly arrayBytes: number;
}

/** What the avg_ttl sampler reads of a store (avg-ttl.ts): random keys among those with a TTL. */
export interface TtlSource extends StoreState {
  /** The time to live left (ms) summed over up to `samples` random keys with a TTL, and their count. */
  sampleTtl(now: number, samples: number): { sum: number; count: number };
}

/** A worker's shards (the node's ShardSet). */
export interface ShardsState {
  readonly owned: readonly number[];
  store(shard: number): TtlSource | undefined;
}

/** What the primary knows of the cluster (admin.ts's ClusterStats). */
export interface ClusterView {
  workers: number;
  resize: { map_version: number; resizing: boolean; resizes: number; resizes_failed: number; last_resize_seconds: number };
  per_worker: readonly WorkerSlotFigures[];
}

/** What the primary knows of one worker slot. */
export interface WorkerSlotFigures {
  worker: number;
  up: boolean;
  ready: boolean;
  restarts: number;
}

export type Kind = 'counter' | 'gauge' | 'histogram' | 'summary';
export type Unit = 'collections' | 'commands' | 'commands per second' | 'frames' | 'clients' | 'keys' | 'bytes' | 'seconds' | 'reads' | 'workers' | 'times' | 'version' | 'boolean' | 'scripts';
/** How workers' values combine, in INFO and in /stats `totals`: `seconds` sums, shown with 6 decimals. */
export type Merge = 'sum' | 'max' | 'first' | 'seconds';
export type InfoSection = 'server' | 'clients' | 'memory' | 'stats' | 'cpu' | 'commandstats' | 'errorstats' | 'latencystats' | 'histograms' | 'keyspace';

/** Where a figure sits in INFO. */
export interface InfoName {
  section: InfoSection;
  field: string;
  /** Also `<field>_human`, Redis's bytesToHuman of it. */
  human?: boolean;
  /** One `name=value` of a composite field (`db0:keys=N,expires=N`, `cmdstat_<command>:calls=N,usec=N`). */
  pair?: string;
  /** INFO shows the value times this, rounded (1000: seconds as Redis's milliseconds). */
  scale?: number;
}

interface Named {
  /** The figure's own name (unique in the table). */
  name: string;
  help: string;
  kind: Kind;
  unit: Unit;
}

/** One number per worker, read from its router (and process). */
export interface WorkerFigure extends Named {
  shape: 'worker';
  get(w: WorkerState): number;
  merge: Merge;
  /** Prometheus metric (label `worker`). */
  prom: string;
  /** Key in /stats `per_worker[]` and `totals`. */
  json: string;
  /** STATS line. */
  stats: string;
  info: InfoName;
}

/**
 * One number per shard; STATS and INFO report the worker's shards summed, or for `ttl_mean`
 * averaged with each shard weighted by its keys with a TTL (as /stats totals and INFO's merge).
 */
export interface ShardFigure extends Named {
  shape: 'shard';
  get(store: StoreState): number;
  merge: 'sum' | 'ttl_mean';
  /** Prometheus metric (labels `worker`, `shard`). */
  prom: string;
  /** Key in /stats `per_worker[].shards[]` and `totals`. */
  json: string;
  stats: string;
  info: InfoName;
}

/** A histogram per worker: Prometheus `_bucket`/`_sum`/`_count`, STATS `<stats>_bucket_<le>`/`_sum`/`_count`. */
export interface HistogramFigure extends Named {
  shape: 'histogram';
  get(w: WorkerState): HistogramSource;
  prom: string;
  /** Key in /stats `per_worker[]`, and summed at its top. */
  json: string;
  stats: string;
  /** INFO `histograms` field `le_<bound * scale>=N,...,le_inf=N,sum=N,count=N`. */
  info: InfoName & { section: 'histograms'; scale: number };
}

/**
 * Quantiles per worker: Prometheus summary (0.5, 0.9, 0.99, `_sum`, `_count`), /stats the whole
 * object, STATS `<stats>_{p50,p90,p99,mean}_seconds`, INFO the p99 (the worst worker's).
 */
export interface SummaryFigure extends Named {
  shape: 'summary';
  get(w: WorkerState): LoopDelayValue;
  prom: string;
  json: string;
  stats: string;
  info: InfoName;
}

/**
 * One number per command and protocol called at least once: Prometheus labels `command`,
 * `protocol`; /stats `commandstats[].<row>`; STATS `cmd_<command>_<protocol><suffix>`; INFO one
 * `cmdstat_<command>` line per command in Redis's format, this figure's `pair` in it.
 */
export interface CommandFigure extends Named {
  shape: 'command';
  get(w: WorkerState): CommandSource;
  row: 'calls' | 'seconds';
  prom: string;
  json: 'commandstats';
  stats: { suffix: string };
  info: { section: 'commandstats'; field: 'cmdstat_'; pair: string };
}

/**
 * A latency histogram per command (both protocols), while latency-tracking is on: Prometheus
 * histogram `<prom>_bucket` (labels `worker`, `command`, `le`: the bounds below), /stats
 * `<json>` (by command: buckets with counts, count, sum), STATS `<stats>_<command>_p<percentile>`,
 * INFO Redis 7's `latency_percentiles_usec_<command>:p50=...` from the workers' buckets summed.
 */
export interface LatencyFigure extends Named {
  shape: 'latency';
  get(w: WorkerState): LatencySource;
  /** Upper bounds (seconds) of the Prometheus buckets. */
  bounds: readonly number[];
  prom: string;
  json: string;
  stats: string;
  info: { section: 'latencystats'; field: 'latency_percentiles_usec_' };
}

/** Where a worker knows a figure the primary counts: its STATS line and INFO field. */
export interface WorkerView {
  get(w: WorkerState): number;
  stats: string;
  info: InfoName & { merge: Merge };
}

/**
 * Counted by the primary for the cluster (workers, live resizes): /metrics (no label) and /stats
 * read the primary's count. Those a worker knows too (`worker`) are in its STATS and INFO as well.
 */
export interface PrimaryFigure extends Named {
  shape: 'primary';
  get(c: ClusterView): number;
  prom: string;
  /** Path from the top of /stats (`resize.map_version`). */
  json: string;
  worker?: WorkerView;
}

/** Counted by the primary per worker slot (up, ready, restarts): label `worker`, key in /stats `per_worker[]`. */
export interface SlotFigure extends Named {
  shape: 'slot';
  get(slot: WorkerSlotFigures): number;
  prom: string;
  json: string;
  worker?: WorkerView;
}

export type Figure = WorkerFigure | ShardFigure | HistogramFigure | SummaryFigure | CommandFigure | LatencyFigure | PrimaryFigure | SlotFigure;
