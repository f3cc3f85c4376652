import { createHash } from 'node:crypto';
import * as os from 'node:os';
import type { Args } from '@kv/wire';
// Used only inside functions: command-stats reads the command table, which imports this file.
import { clientOpcodesInOrder, commandName, CommandStats, FRAME_BUCKETS, Histogram, statIndex } from '../command-stats';
import type { ReplySink } from '../reply';
import type { WorkerShards as ShardSet } from '../types';

/**
 * INFO [section ...]. Every worker formats its own figures in Redis's format (`# Section` headers,
 * `name:value` lines, CRLF, a blank line between sections), and the router merges the workers'
 * texts with `mergeInfo`: counters are summed, times take the largest, settings the first worker's.
 * Each field's rule sits beside it below, so the two sides cannot drift apart.
 */

/** The Redis version whose behaviour the server follows, reported by HELLO and INFO. */
export const REDIS_VERSION = '7.0.0';

/** What a worker process knows beyond its shards; the worker registers it on its ShardSet. */
export interface ProcessStats {
  /** The client port and settings. */
  port: number;
  maxmemory: number;
  workers: number;
  /** This worker's client connections now, and since it started. */
  connectedClients: number;
  totalConnections: number;
  /** Commands this worker's clients sent. */
  commands: number;
  /** Of those, run on this worker's shards, and sent to the worker owning the key. */
  commandsLocal: number;
  commandsForwarded: number;
  /** Request frames sent to other workers; commands and frames run for them. */
  framesForwarded: number;
  commandsServedForPeers: number;
  framesServedForPeers: number;
  /** AUTH attempts with a wrong password. */
  authFailures: number;
  /** Clients turned away (maxclients, protected mode). */
  rejectedConnections: number;
  /** Clients closed for leaving more than client-output-limit of replies unread. */
  outputLimitClosed: number;
  /** Times the primary restarted this worker index (a crash) before this process. */
  restarts: number;
  /** Event-loop delay since the worker started, in seconds. */
  loopDelay: { p99: number; max: number };
  /** Calls and latency by command and protocol. */
  commandStats: CommandStats;
  /** Commands per request frame sent to other workers. */
  frameCommands: Histogram;
}

export type StatsProvider = () => ProcessStats;

/**
 * How workers' values of a field combine. `human`: bytesToHuman of the merged field it names;
 * `pairs`: a `name=value,...` list summed name by name; `cmdstat`: the same, with usec_per_call
 * worked out again from the sums (and the line dropped when nothing was called).
 */
type Rule = 'sum' | 'max' | 'first' | 'seconds' | 'keyspace' | 'pairs' | 'cmdstat' | { human: string };

interface Snapshot {
  proc: ProcessStats;
  keys: number;
  expires: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  policy: string;
  mem: NodeJS.MemoryUsage;
  cpu: NodeJS.CpuUsage;
  now: number;
}

type Field = readonly [name: string, rule: Rule, value: (s: Snapshot) => string | number];

/** The server's identity, alike in every worker: the primary (the server's process) is their parent. */
const SERVER_PID = process.ppid;
const RUN_ID = createHash('sha1').update(`kv-cache run ${SERVER_PID}`).digest('hex');
const REPL_ID = createHash('sha1').update(`kv-cache repl ${SERVER_PID}`).digest('hex');
const usedMemory = (s: Snapshot) => s.mem.heapUsed + s.mem.external;

/**
 * Sections in Redis's order; `INFO` and `INFO default` give all but the `extra` ones, `all` and
 * `everything` give all of them, as Redis does with commandstats.
 */
const SECTIONS: readonly { name: string; title: string; extra?: boolean; fields: readonly Field[] | (() => readonly Field[]) }[] = [
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
      ['kv_workers', 'first', (s) => s.proc.workers],
    ],
  },
  {
    name: 'clients',
    title: 'Clients',
    fields: [
      ['connected_clients', 'sum', (s) => s.proc.connectedClients],
      ['cluster_connections', 'first', () => 0],
      ['blocked_clients', 'first', () => 0],
    ],
  },
  {
    name: 'memory',
    title: 'Memory',
    fields: [
      // V8 heap and external memory of the workers: where the entries live.
      ['used_memory', 'sum', usedMemory],
      ['used_memory_human', { human: 'used_memory' }, (s) => bytesToHuman(usedMemory(s))],
      ['used_memory_rss', 'sum', (s) => s.mem.rss],
      ['used_memory_rss_human', { human: 'used_memory_rss' }, (s) => bytesToHuman(s.mem.rss)],
      // What the entries are charged against maxmemory: key + value + per-entry overhead.
      ['used_memory_dataset', 'sum', (s) => s.bytes],
      ['maxmemory', 'first', (s) => s.proc.maxmemory],
      ['maxmemory_human', { human: 'maxmemory' }, (s) => bytesToHuman(s.proc.maxmemory)],
      ['maxmemory_policy', 'first', (s) => s.policy],
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
      ['total_connections_received', 'sum', (s) => s.proc.totalConnections],
      ['total_commands_processed', 'sum', (s) => s.proc.commands],
      ['rejected_connections', 'sum', (s) => s.proc.rejectedConnections],
      ['expired_keys', 'sum', (s) => s.expirations],
      ['evicted_keys', 'sum', (s) => s.evictions],
      ['keyspace_hits', 'sum', (s) => s.hits],
      ['keyspace_misses', 'sum', (s) => s.misses],
      ['pubsub_channels', 'first', () => 0],
      ['pubsub_patterns', 'first', () => 0],
      ['client_output_buffer_limit_disconnections', 'sum', (s) => s.proc.outputLimitClosed],
      ['acl_access_denied_auth', 'sum', (s) => s.proc.authFailures],
      // The cluster's own: where commands ran, and the frames between workers.
      ['kv_commands_local', 'sum', (s) => s.proc.commandsLocal],
      ['kv_commands_forwarded', 'sum', (s) => s.proc.commandsForwarded],
      ['kv_frames_forwarded', 'sum', (s) => s.proc.framesForwarded],
      ['kv_commands_served_for_peers', 'sum', (s) => s.proc.commandsServedForPeers],
      ['kv_frames_served_for_peers', 'sum', (s) => s.proc.framesServedForPeers],
      ['kv_worker_restarts', 'sum', (s) => s.proc.restarts],
      // The worst worker's: one slow event loop delays every command routed through it.
      ['kv_event_loop_delay_p99_seconds', 'max', (s) => s.proc.loopDelay.p99],
      ['kv_event_loop_delay_max_seconds', 'max', (s) => s.proc.loopDelay.max],
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
  {
    name: 'cpu',
    title: 'CPU',
    fields: [
      ['used_cpu_sys', 'seconds', (s) => (s.cpu.system / 1e6).toFixed(6)],
      ['used_cpu_user', 'seconds', (s) => (s.cpu.user / 1e6).toFixed(6)],
    ],
  },
  {
    // Redis 6.0's format (7 adds rejected_calls and failed_calls, not counted here), then the
    // calls over each protocol; usec runs until the reply is ready, round trip to a peer included.
    // One line per command (the merge drops those never called), made on first use: the command
    // table imports this file.
    name: 'commandstats',
    title: 'Commandstats',
    extra: true,
    fields: () => (commandFields ??= clientOpcodesInOrder().map((opcode): Field => [`cmdstat_${commandName(opcode)}`, 'cmdstat', (s) => cmdstat(s.proc.commandStats, opcode)])),
  },
  {
    // Not Redis's: the histograms /metrics has, cumulative counts by upper bound (`le_`).
    name: 'histograms',
    title: 'Histograms',
    extra: true,
    fields: [
      ['command_duration_usec', 'pairs', (s) => histogramPairs(s.proc.commandStats.duration, 1e6)],
      ['ipc_frame_commands', 'pairs', (s) => histogramPairs(s.proc.frameCommands, 1)],
    ],
  },
  {
    name: 'cluster',
    title: 'Cluster',
    fields: [['cluster_enabled', 'first', () => 0]],
  },
  {
    name: 'keyspace',
    title: 'Keyspace',
    // Always sent by a worker; the merge drops it when the server holds no key, as Redis does.
    fields: [['db0', 'keyspace', (s) => `keys=${s.keys},expires=${s.expires},avg_ttl=0`]],
  },
];

let commandFields: readonly Field[] | null = null;

const RULES = new Map<string, Rule>();
for (const section of SECTIONS) if (typeof section.fields !== 'function') for (const [name, rule] of section.fields) RULES.set(name, rule);
const ruleOf = (name: string): Rule => RULES.get(name) ?? (name.startsWith('cmdstat_') ? 'cmdstat' : 'first');

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
  const t = shards.totals();
  const snapshot: Snapshot = {
    proc: shards.processStats?.() ?? noProcess(),
    keys: t.keys,
    expires: t.volatile,
    bytes: t.bytes,
    hits: t.hits,
    misses: t.misses,
    evictions: t.evictions,
    expirations: t.expirations,
    policy: shards.policy,
    mem: process.memoryUsage(),
    cpu: process.cpuUsage(),
    now: Date.now(),
  };
  const sections: string[] = [];
  for (const section of SECTIONS) {
    if (!wanted.has(section.name)) continue;
    let text = `# ${section.title}\r\n`;
    for (const [name, , value] of typeof section.fields === 'function' ? section.fields() : section.fields) text += `${name}:${value(snapshot)}\r\n`;
    sections.push(text);
  }
  reply.bulk(sections.join('\r\n'));
}

function addDefault(wanted: Set<string>): void {
  for (const s of SECTIONS) if (!s.extra) wanted.add(s.name);
}

/** Combines the workers' INFO texts (same sections, each from its own worker) into the server's. */
export function mergeInfo(parts: readonly string[]): string {
  if (parts.length === 0) return '';
  const values = parts.map(fieldsOf);
  const merged = new Map<string, string>();
  const lines = parts[0].split('\r\n');
  // Plain rules first, so `human` fields can read the merged figure they describe.
  for (const pass of [0, 1]) {
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0 || line[0] === '#') continue;
      const name = line.slice(0, colon);
      const rule = ruleOf(name);
      if ((typeof rule === 'object') !== (pass === 1)) continue;
      merged.set(name, mergeField(name, rule, values, merged));
    }
  }
  const out: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === '#') {
      out.push(line);
      continue;
    }
    const name = line.slice(0, colon);
    if (ruleOf(name) === 'keyspace' && merged.get(name)!.startsWith('keys=0,')) continue;
    if (ruleOf(name) === 'cmdstat' && merged.get(name)!.startsWith('calls=0,')) continue;
    out.push(`${name}:${merged.get(name)}`);
  }
  return out.join('\r\n');
}

function fieldsOf(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line[0] !== '#') fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function mergeField(name: string, rule: Rule, values: readonly Map<string, string>[], merged: Map<string, string>): string {
  const all = values.map((v) => v.get(name)).filter((v): v is string => v !== undefined);
  if (typeof rule === 'object') return bytesToHuman(Number(merged.get(rule.human) ?? 0));
  switch (rule) {
    case 'sum':
      return String(all.reduce((sum, v) => sum + Number(v), 0));
    case 'seconds':
      return all.reduce((sum, v) => sum + Number(v), 0).toFixed(6);
    case 'max':
      return String(all.reduce((max, v) => Math.max(max, Number(v)), 0));
    case 'pairs':
    case 'cmdstat': {
      const sums = sumPairs(all);
      const perCallNow = perCall(sums.get('usec') ?? 0, sums.get('calls') ?? 0);
      return [...sums].map(([k, v]) => `${k}=${rule === 'cmdstat' && k === 'usec_per_call' ? perCallNow : v}`).join(',');
    }
    case 'keyspace': {
      let keys = 0, expires = 0;
      for (const v of all) {
        keys += Number(/keys=(\d+)/.exec(v)?.[1] ?? 0);
        expires += Number(/expires=(\d+)/.exec(v)?.[1] ?? 0);
      }
      return `keys=${keys},expires=${expires},avg_ttl=0`;
    }
    default:
      return all[0] ?? '';
  }
}

/** What a worker without a router reports (a ShardSet on its own). */
const noProcess = (): ProcessStats => ({
  port: 0,
  maxmemory: 0,
  workers: 1,
  connectedClients: 0,
  totalConnections: 0,
  commands: 0,
  commandsLocal: 0,
  commandsForwarded: 0,
  framesForwarded: 0,
  commandsServedForPeers: 0,
  framesServedForPeers: 0,
  authFailures: 0,
  rejectedConnections: 0,
  outputLimitClosed: 0,
  restarts: 0,
  loopDelay: { p99: 0, max: 0 },
  commandStats: new CommandStats(),
  frameCommands: new Histogram(FRAME_BUCKETS),
});

/** `calls=N,usec=N,usec_per_call=N.NN,text_calls=N,resp_calls=N` for one command, both protocols together. */
function cmdstat(stats: CommandStats, opcode: number): string {
  const text = statIndex(opcode, false);
  const resp = statIndex(opcode, true);
  const calls = stats.calls[text] + stats.calls[resp];
  const usec = Math.round((stats.seconds[text] + stats.seconds[resp]) * 1e6);
  return `calls=${calls},usec=${usec},usec_per_call=${perCall(usec, calls)},text_calls=${stats.calls[text]},resp_calls=${stats.calls[resp]}`;
}

/** Redis's usec_per_call: two decimals. */
function perCall(usec: number, calls: number): string {
  return (calls > 0 ? usec / calls : 0).toFixed(2);
}

/**
 * `le_1=N,...,le_inf=N,sum=N,count=N`: cumulative counts by upper bound, bounds and sum times
 * `scale` (1e6: microseconds, as INFO counts time).
 */
function histogramPairs(h: Histogram, scale: number): string {
  let text = '';
  let cumulative = 0;
  for (let i = 0; i < h.bounds.length; i++) {
    cumulative += h.counts[i];
    text += `le_${Math.round(h.bounds[i] * scale * 10) / 10}=${cumulative},`;
  }
  return `${text}le_inf=${h.count},sum=${Math.round(h.sum * scale)},count=${h.count}`;
}

/** Sums `name=value,...` lists name by name, in the first list's order. */
function sumPairs(lists: readonly string[]): Map<string, number> {
  const sums = new Map<string, number>();
  for (const list of lists) {
    for (const pair of list.split(',')) {
      const eq = pair.indexOf('=');
      sums.set(pair.slice(0, eq), (sums.get(pair.slice(0, eq)) ?? 0) + Number(pair.slice(eq + 1)));
    }
  }
  return sums;
}

/** Redis's bytesToHuman: `123B`, `1.21K`, `3.50M`, `2.00G` ... */
export function bytesToHuman(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ['K', 'M', 'G', 'T', 'P'];
  let d = n / 1024;
  let unit = 0;
  while (d >= 1024 && unit < units.length - 1) {
    d /= 1024;
    unit++;
  }
  return `${d.toFixed(2)}${units[unit]}`;
}
