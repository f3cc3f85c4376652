import { createHash } from 'node:crypto';
import * as os from 'node:os';
import { replyCounts, type Args } from '@kv/wire';
// Used only inside functions: command-stats reads the command table, which imports this file.
import { clientOpcodesInOrder, commandName, CommandStats, FRAME_BUCKETS, Histogram, statIndex } from '../figures/command-stats';
import { combineShards, FIGURES, residentBytes } from '../figures/table';
import type { CommandSource, InfoSection, WorkerState } from '../figures/types';
import type { ReplySink } from '../reply';
import type { WorkerShards as ShardSet } from '../types';
import { bytesToHuman, histogramPairs, latencyField, nameHashes, perCall } from './info-format';

/**
 * INFO [section ...]. Every worker formats its own figures in Redis's format (`# Section` headers,
 * `name:value` lines, CRLF, a blank line between sections), and the router merges the workers'
 * texts with `mergeInfo` (info-merge.ts): counters are summed, times take the largest, settings the first worker's.
 * The figures, and how each merges, come from the figures table (figures/table.ts); the settings
 * and the fields Redis clients expect of any server are listed here, each with its rule.
 */

/** The Redis version whose behaviour the server follows, reported by HELLO and INFO. */
export const REDIS_VERSION = '7.0.0';

/** What a worker process knows beyond its shards; the worker registers it on its ShardSet. */
export type ProcessStats = WorkerState;
export type StatsProvider = () => ProcessStats;

/**
 * How workers' values of a field combine. `human`: bytesToHuman of the merged field it names;
 * `ratio`: the merged first field over the merged second (two decimals; 0 when that is 0);
 * `pairs`: a `name=value,...` list summed name by name; `keyspace`: the same but avg_ttl, averaged
 * by expires, the line dropped when its first pair (keys) is 0; `cmdstat`: pairs, with
 * usec_per_call worked out again from the sums (and the line dropped when nothing was called);
 * `latency`: the workers' buckets summed, then Redis's percentiles of them (info-format.ts);
 * `distinct`: each worker's names as hashes (`nameHashes`), merged into the count of the union.
 */
export type Rule = 'distinct' | 'sum' | 'max' | 'first' | 'seconds' | 'keyspace' | 'pairs' | 'cmdstat' | 'latency' | { human: string } | { ratio: readonly [string, string] };

interface Snapshot {
  proc: ProcessStats;
  shards: ShardSet;
  now: number;
}

type Field = readonly [name: string, rule: Rule, value: (s: Snapshot) => string | number];
/** Where a section's figures go among its fixed fields (at the end when absent). */
const FIGURES_HERE = 'figures';

/** The server's identity, alike in every worker: the primary (the server's process) is their parent. */
const SERVER_PID = process.ppid;
const RUN_ID = createHash('sha1').update(`kv-cache run ${SERVER_PID}`).digest('hex');
const REPL_ID = createHash('sha1').update(`kv-cache repl ${SERVER_PID}`).digest('hex');

/**
 * Sections in Redis's order; `INFO` and `INFO default` give all but the `extra` ones, `all` and
 * `everything` give all of them, as Redis does with commandstats.
 */
const SECTIONS: readonly { name: InfoSection | 'persistence' | 'replication' | 'cluster'; title: string; extra?: boolean; fields: readonly (Field | typeof FIGURES_HERE)[] }[] = [
  {
    name: 'server',
    title: 'Server',
    fields: [
      ['redis_version', 'first', () => REDIS_VERSION],
      ['redis_git_sha1', 'first', () => '00000000'],
      ['redis_git_dirty', 'first', () => 0],
      ['redis_mode', 'first', () => 'standalone'],
      ['os', 'first', () => `${os.type()} ${os.release()} ${os.machine()}`],
      ['arch_bits', 'first', () => (process.arch.includes('64') ? 64 : 32)],
      ['process_id', 'first', () => SERVER_PID],
      ['process_supervised', 'first', () => 'no'],
      ['run_id', 'first', () => RUN_ID],
      // Max: with --port 0, a worker that has served no client yet does not know the port (0).
      ['tcp_port', 'max', (s) => s.proc.port],
      ['server_time_usec', 'max', (s) => s.now * 1000],
      ['uptime_in_seconds', 'max', () => Math.floor(process.uptime())],
      ['uptime_in_days', 'max', () => Math.floor(process.uptime() / 86400)],
      ['hz', 'first', () => 10],
      ['configured_hz', 'first', () => 10],
      ['node_version', 'first', () => process.version],
    ],
  },
  {
    name: 'clients',
    title: 'Clients',
    fields: [FIGURES_HERE, ['cluster_connections', 'first', () => 0], ['maxclients', 'first', (s) => s.proc.limits.maxclientsTotal], ['blocked_clients', 'sum', (s) => s.shards.blocked.count], ['tracking_clients', 'sum', (s) => s.shards.memory.tracking.clients]],
  },
  {
    name: 'memory',
    title: 'Memory',
    fields: [
      FIGURES_HERE,
      // The bytes charged include each entry's overhead: there is no other overhead to take off.
      ['used_memory_dataset', 'sum', (s) => s.shards.totals().bytes],
      // Redis's rss / used_memory; used_memory counts only the entries, so an empty cache reads high.
      ['mem_fragmentation_ratio', { ratio: ['used_memory_rss', 'used_memory'] }, (s) => ratio(residentBytes(), s.shards.totals().bytes)],
      ['maxmemory', 'first', (s) => s.proc.limits.maxmemory],
      ['maxmemory_human', { human: 'maxmemory' }, (s) => bytesToHuman(s.proc.limits.maxmemory)],
      ['maxmemory_policy', 'first', (s) => s.shards.policy],
    ],
  },
  {
    name: 'persistence',
    title: 'Persistence',
    fields: [
      ['loading', 'first', () => 0],
      ['async_loading', 'first', () => 0],
      ['rdb_bgsave_in_progress', 'first', () => 0],
      ['aof_enabled', 'first', () => 0],
    ],
  },
  {
    name: 'stats',
    title: 'Stats',
    fields: [
      FIGURES_HERE,
      // Server-wide distinct counts: one channel subscribed to on two workers counts once.
      ['pubsub_channels', 'distinct', (s) => nameHashes(s.shards.pubsub?.channels(false, undefined))],
      ['pubsub_patterns', 'distinct', (s) => nameHashes(s.shards.pubsub?.patterns())],
      ['pubsubshard_channels', 'distinct', (s) => nameHashes(s.shards.pubsub?.channels(true, undefined))],
      // Client-side caching: each worker's tracking table (its keys' readers), summed.
      ['tracking_total_keys', 'sum', (s) => s.shards.memory.tracking.keys],
      ['tracking_total_items', 'sum', (s) => s.shards.memory.tracking.items],
      // Every worker knows every BCAST prefix (tracking/bcast.ts in the router).
      ['tracking_total_prefixes', 'max', (s) => s.shards.memory.tracking.prefixCount],
    ],
  },
  {
    name: 'replication',
    title: 'Replication',
    fields: [
      ['role', 'first', () => 'master'],
      ['connected_slaves', 'first', () => 0],
      ['master_failover_state', 'first', () => 'no-failover'],
      ['master_replid', 'first', () => REPL_ID],
      ['master_repl_offset', 'first', () => 0],
    ],
  },
  { name: 'cpu', title: 'CPU', fields: [] },
  // Redis 7.0's format, with the calls over each protocol before rejected_calls and failed_calls;
  // usec runs until the reply is ready, round trip to a peer included.
  // One line per command (the merge drops those never called), made on first use: the command
  // table imports this file.
  { name: 'commandstats', title: 'Commandstats', extra: true, fields: [] },
  // Redis 7's: the error replies this worker encoded, by code (the first word), in Redis's order.
  { name: 'errorstats', title: 'Errorstats', fields: [] },
  // Redis 7's: one line per command timed while latency-tracking is on (none when off), the
  // percentiles of latency-tracking-info-percentiles over every worker's calls.
  { name: 'latencystats', title: 'Latencystats', extra: true, fields: [] },
  // Not Redis's: the histograms /metrics has, cumulative counts by upper bound (`le_`).
  { name: 'histograms', title: 'Histograms', extra: true, fields: [] },
  { name: 'cluster', title: 'Cluster', fields: [['cluster_enabled', 'first', () => 0]] },
  // Always sent by a worker; the merge drops db0 when the server holds no key, as Redis does.
  { name: 'keyspace', title: 'Keyspace', fields: [] },
];

/** Redis's mem_fragmentation_ratio format, 0 for nothing to divide by. */
export function ratio(numerator: number, denominator: number): string {
  return (denominator > 0 ? numerator / denominator : 0).toFixed(2);
}

/** The table's figures as INFO fields, by section, in table order (the command lines apart). */
function figureFields(): Map<string, Field[]> {
  const bySection = new Map<string, Field[]>();
  const add = (section: string, field: Field) => bySection.set(section, [...(bySection.get(section) ?? []), field]);
  const composite = new Map<string, { section: string; pairs: [string, (s: Snapshot) => number][] }>();
  const plain = (section: string, field: string, rule: Rule, value: (s: Snapshot) => number, human?: boolean) => {
    add(section, [field, rule, rule === 'seconds' ? (s) => value(s).toFixed(6) : value]);
    if (human) add(section, [`${field}_human`, { human: field }, (s) => bytesToHuman(value(s))]);
  };
  for (const f of FIGURES) {
    switch (f.shape) {
      case 'worker':
        plain(f.info.section, f.info.field, f.merge, (s) => f.get(s.proc), f.info.human);
        break;
      case 'primary':
      case 'slot':
        if (f.worker !== undefined) plain(f.worker.info.section, f.worker.info.field, f.worker.info.merge, (s) => f.worker!.get(s.proc));
        break;
      case 'summary':
        plain(f.info.section, f.info.field, 'max', (s) => f.get(s.proc).p99);
        break;
      case 'histogram':
        add(f.info.section, [f.info.field, 'pairs', (s) => histogramPairs(f.get(s.proc), f.info.scale)]);
        break;
      case 'shard': {
        const scale = f.info.scale;
        const value = scale === undefined ? (s: Snapshot) => combineShards(s.shards, f) : (s: Snapshot) => Math.round(combineShards(s.shards, f) * scale);
        if (f.info.pair === undefined) {
          // A mean has no plain merge: it goes beside the keys it is weighted by (db0's avg_ttl by expires).
          if (f.merge !== 'sum') throw new Error(`figure ${f.name}: a ${f.merge} figure must be a pair of db0`);
          plain(f.info.section, f.info.field, f.merge, value, f.info.human);
          break;
        }
        let c = composite.get(f.info.field);
        if (c === undefined) {
          composite.set(f.info.field, (c = { section: f.info.section, pairs: [] }));
          const pairs = c.pairs;
          add(f.info.section, [f.info.field, 'keyspace', (s) => pairs.map(([k, v]) => `${k}=${v(s)}`).join(',')]);
        }
        c.pairs.push([f.info.pair, value]);
        break;
      }
      case 'command':
      case 'latency':
        break;
    }
  }
  return bySection;
}

const FIGURE_FIELDS = figureFields();
let commandFields: readonly Field[] | null = null;
let latencyFields: readonly Field[] | null = null;

/** A section's fields: its fixed ones with the figures in their place, or one line per command. */
function fieldsOf(section: (typeof SECTIONS)[number]): readonly Field[] {
  if (section.name === 'commandstats') {
    const figure = FIGURES.find((f) => f.shape === 'command')!;
    return (commandFields ??= clientOpcodesInOrder().map((opcode): Field => [`${figure.info.field}${commandName(opcode)}`, 'cmdstat', (s) => cmdstat(figure.get(s.proc), opcode)]));
  }
  if (section.name === 'errorstats') {
    return [...replyCounts.byCode.keys()].sort().map((code): Field => [`errorstat_${code}`, 'pairs', () => `count=${replyCounts.byCode.get(code)}`]);
  }
  if (section.name === 'latencystats') {
    const figure = FIGURES.find((f) => f.shape === 'latency')!;
    const opcodes = clientOpcodesInOrder().filter((opcode) => opcode !== 0);
    return (latencyFields ??= opcodes.map((opcode): Field => [`${figure.info.field}${commandName(opcode)}`, 'latency', (s) => latencyField(figure.get(s.proc), opcode)]));
  }
  const figures = FIGURE_FIELDS.get(section.name) ?? [];
  const fields = section.fields.flatMap((f) => (f === FIGURES_HERE ? figures : [f]));
  return section.fields.includes(FIGURES_HERE) ? fields : [...fields, ...figures];
}

const RULES = new Map<string, Rule>();
for (const section of SECTIONS) if (section.name !== 'commandstats' && section.name !== 'latencystats') for (const [name, rule] of fieldsOf(section)) RULES.set(name, rule);
/** How workers' values of an INFO field combine (mergeInfo). */
export const ruleOf = (name: string): Rule =>
  RULES.get(name) ?? (name.startsWith('cmdstat_') ? 'cmdstat' : name.startsWith('latency_percentiles_usec_') ? 'latency' : name.startsWith('errorstat_') ? 'pairs' : 'first');

/** INFO [section ...] on one worker: its own figures, for the router to merge. */
export function info(shards: ShardSet, args: Args, reply: ReplySink): void {
  const wanted = new Set<string>();
  for (let i = 1; i < args.count; i++) {
    const name = args.latin1(i).toLowerCase();
    if (name === 'all' || name === 'everything') for (const s of SECTIONS) wanted.add(s.name);
    else if (name === 'default') addDefault(wanted);
    else wanted.add(name);
  }
  if (args.count === 1) addDefault(wanted);
  const snapshot: Snapshot = { proc: shards.processStats?.() ?? noProcess(), shards, now: Date.now() };
  const sections: string[] = [];
  for (const section of SECTIONS) {
    if (!wanted.has(section.name)) continue;
    let text = `# ${section.title}\r\n`;
    for (const [name, , value] of fieldsOf(section)) text += `${name}:${value(snapshot)}\r\n`;
    sections.push(text);
  }
  reply.bulk(sections.join('\r\n'));
}

function addDefault(wanted: Set<string>): void {
  for (const s of SECTIONS) if (!s.extra) wanted.add(s.name);
}

/** What a worker without a router reports (a ShardSet on its own). */
const noProcess = (): ProcessStats => ({
  port: 0,
  limits: { maxmemory: 0, restarts: 0, maxclientsTotal: 0 },
  workers: 1,
  mapVersion: 0,
  commands: 0,
  local: 0,
  refused: 0,
  outputLimitClosed: 0,
  queryLimitClosed: 0,
  authFailures: 0,
  net: { input: 0, output: 0 },
  totalConnections: 0,
  conns: { size: 0 },
  commandStats: new CommandStats(),
  peers: { forwarded: 0, framesSent: () => 0, frameCommands: new Histogram(FRAME_BUCKETS) },
  node: { servedForPeers: 0, peerFrames: 0, arenaBytes: 0 },
  sampled: { opsPerSecond: () => 0, memoryPeak: () => 0 },
  scripts: { figures: { count: 0, bytes: 0, vmBytes: 0, evicted: 0 } },
  eventLoopDelay: () => ({ count: 0, min: 0, mean: 0, max: 0, p50: 0, p90: 0, p99: 0 }),
});

/**
 * `calls=N,usec=N,usec_per_call=N.NN,text_calls=N,resp_calls=N,rejected_calls=N,failed_calls=N` for
 * one command, both protocols together: Redis 7's fields, with ours before its last two.
 */
function cmdstat(stats: CommandSource, opcode: number): string {
  const text = statIndex(opcode, false);
  const resp = statIndex(opcode, true);
  const calls = stats.calls[text] + stats.calls[resp];
  const usec = Math.round((stats.seconds[text] + stats.seconds[resp]) * 1e6);
  const [rejected, failed] = [stats.rejected[text] + stats.rejected[resp], stats.failed[text] + stats.failed[resp]];
  return `calls=${calls},usec=${usec},usec_per_call=${perCall(usec, calls)},text_calls=${stats.calls[text]},resp_calls=${stats.calls[resp]},rejected_calls=${rejected},failed_calls=${failed}`;
}

