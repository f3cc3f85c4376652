import { replyCounts } from '@kv/wire';
import { DURATION_BUCKETS } from './command-stats';
import { avgTtlSeconds } from './avg-ttl';
import { gcStats } from './gc';
import type { Figure, ShardFigure, ShardsState, StoreState } from './types';

/**
 * Every figure the server reports, declared once: what it is, where its value comes from, and its
 * name in each output. /metrics and /stats (the primary, admin.ts), STATS (the router) and INFO
 * (commands/info.ts) are loops over this table; e2e-figures.test.ts checks that each figure is in
 * all four. INFO keeps Redis's names for what Redis has. Within an INFO section, figures come in
 * table order.
 */
export const FIGURES: readonly Figure[] = [
  // Counted by the primary.
  { shape: 'primary', name: 'workers', kind: 'gauge', unit: 'workers', help: 'Worker processes running (a live resize changes it).', get: (c) => c.workers, prom: 'kv_workers', json: 'workers',
    worker: { get: (w) => w.workers, stats: 'workers', info: { section: 'server', field: 'kv_workers', merge: 'first' } } },
  { shape: 'primary', name: 'shard_map_version', kind: 'gauge', unit: 'version', help: 'Version of the shard map; each shard moved by a resize adds one.', get: (c) => c.resize.map_version, prom: 'kv_shard_map_version', json: 'resize.map_version',
    worker: { get: (w) => w.mapVersion, stats: 'shard_map_version', info: { section: 'server', field: 'kv_shard_map_version', merge: 'max' } } },
  { shape: 'primary', name: 'resizing', kind: 'gauge', unit: 'boolean', help: 'Whether a change of the worker count is running (1) or not (0).', get: (c) => (c.resize.resizing ? 1 : 0), prom: 'kv_resizing', json: 'resize.resizing' },
  { shape: 'primary', name: 'resizes', kind: 'counter', unit: 'times', help: 'Changes of the worker count that finished.', get: (c) => c.resize.resizes, prom: 'kv_resizes_total', json: 'resize.resizes' },
  { shape: 'primary', name: 'resizes_failed', kind: 'counter', unit: 'times', help: 'Changes of the worker count that stopped on an error.', get: (c) => c.resize.resizes_failed, prom: 'kv_resizes_failed_total', json: 'resize.resizes_failed' },
  { shape: 'primary', name: 'last_resize_seconds', kind: 'gauge', unit: 'seconds', help: 'How long the last finished change of the worker count took.', get: (c) => c.resize.last_resize_seconds, prom: 'kv_last_resize_duration_seconds', json: 'resize.last_resize_seconds' },
  { shape: 'slot', name: 'worker_up', kind: 'gauge', unit: 'boolean', help: 'Whether the worker answered this scrape (1) or not (0).', get: (s) => (s.up ? 1 : 0), prom: 'kv_worker_up', json: 'up' },
  { shape: 'slot', name: 'worker_ready', kind: 'gauge', unit: 'boolean', help: 'Whether the worker is up and answered a ping within the last second.', get: (s) => (s.ready ? 1 : 0), prom: 'kv_worker_ready', json: 'ready' },
  { shape: 'slot', name: 'worker_restarts', kind: 'counter', unit: 'times', help: 'Times the primary restarted the worker after it died.', get: (s) => s.restarts, prom: 'kv_worker_restarts_total', json: 'restarts',
    worker: { get: (w) => w.limits.restarts, stats: 'worker_restarts', info: { section: 'stats', field: 'kv_worker_restarts', merge: 'sum' } } },

  // Commands.
  { shape: 'command', name: 'command_calls', kind: 'counter', unit: 'commands', row: 'calls', get: (w) => w.commandStats, help: "Commands the worker's clients sent, by command and protocol (text or resp); command \"unknown\": a name or line no command matches.",
    prom: 'kv_commands_total', json: 'commandstats', stats: { suffix: '' }, info: { section: 'commandstats', field: 'cmdstat_', pair: 'calls' } },
  { shape: 'command', name: 'command_seconds', kind: 'counter', unit: 'seconds', row: 'seconds', get: (w) => w.commandStats, help: 'Time from the router starting each command to its reply being ready, summed by command and protocol.',
    prom: 'kv_commands_duration_seconds_total', json: 'commandstats', stats: { suffix: '_seconds' }, info: { section: 'commandstats', field: 'cmdstat_', pair: 'usec' } },
  { shape: 'histogram', name: 'command_duration', kind: 'histogram', unit: 'seconds', get: (w) => w.commandStats.duration, help: "Time from the router starting a command of the worker's clients to its reply being ready (a forwarded command: until the owner's reply is back).",
    prom: 'kv_command_duration_seconds', json: 'command_duration_seconds', stats: 'command_duration_seconds', info: { section: 'histograms', field: 'command_duration_usec', scale: 1e6 } },
  { shape: 'latency', name: 'command_latency', kind: 'histogram', unit: 'seconds', get: (w) => w.commandStats.latency, bounds: DURATION_BUCKETS,
    help: 'Time from the router starting a command to its reply being ready, by command (both protocols), while latency-tracking is on (INFO latencystats).',
    prom: 'kv_command_latency_seconds', json: 'latencystats', stats: 'latency_usec', info: { section: 'latencystats', field: 'latency_percentiles_usec_' } },
  { shape: 'worker', name: 'commands', kind: 'counter', unit: 'commands', merge: 'sum', get: (w) => w.commands, help: "Commands the worker's clients sent, every name together.",
    prom: 'kv_client_commands_total', json: 'commands', stats: 'commands', info: { section: 'stats', field: 'total_commands_processed' } },
  { shape: 'worker', name: 'instantaneous_ops_per_sec', kind: 'gauge', unit: 'commands per second', merge: 'sum', get: (w) => w.sampled.opsPerSecond(), help: "Commands a second of the worker's clients, the mean of 16 rates sampled every 100 ms (Redis's).",
    prom: 'kv_instantaneous_ops_per_second', json: 'instantaneous_ops_per_sec', stats: 'instantaneous_ops_per_sec', info: { section: 'stats', field: 'instantaneous_ops_per_sec' } },
  { shape: 'worker', name: 'commands_local', kind: 'counter', unit: 'commands', merge: 'sum', get: (w) => w.local, help: "Commands run on the worker's own shards for its clients.",
    prom: 'kv_commands_local_total', json: 'commands_local', stats: 'commands_local', info: { section: 'stats', field: 'kv_commands_local' } },
  { shape: 'worker', name: 'commands_forwarded', kind: 'counter', unit: 'commands', merge: 'sum', get: (w) => w.peers.forwarded, help: 'Commands forwarded to the worker that owns the key.',
    prom: 'kv_commands_forwarded_total', json: 'commands_forwarded', stats: 'commands_forwarded', info: { section: 'stats', field: 'kv_commands_forwarded' } },
  { shape: 'worker', name: 'frames_forwarded', kind: 'counter', unit: 'frames', merge: 'sum', get: (w) => w.peers.framesSent(), help: 'Request frames sent to peer workers.',
    prom: 'kv_frames_forwarded_total', json: 'frames_forwarded', stats: 'frames_forwarded', info: { section: 'stats', field: 'kv_frames_forwarded' } },
  { shape: 'histogram', name: 'ipc_frame_commands', kind: 'histogram', unit: 'commands', get: (w) => w.peers.frameCommands, help: 'Commands per request frame sent to peer workers (transaction steps included).',
    prom: 'kv_ipc_frame_commands', json: 'ipc_frame_commands', stats: 'ipc_frame_commands', info: { section: 'histograms', field: 'ipc_frame_commands', scale: 1 } },
  { shape: 'worker', name: 'commands_served_for_peers', kind: 'counter', unit: 'commands', merge: 'sum', get: (w) => w.node.servedForPeers, help: 'Commands run for peer workers.',
    prom: 'kv_commands_served_for_peers_total', json: 'commands_served_for_peers', stats: 'commands_served_for_peers', info: { section: 'stats', field: 'kv_commands_served_for_peers' } },
  { shape: 'worker', name: 'frames_served_for_peers', kind: 'counter', unit: 'frames', merge: 'sum', get: (w) => w.node.peerFrames, help: 'Request frames received from peer workers.',
    prom: 'kv_frames_served_for_peers_total', json: 'frames_served_for_peers', stats: 'frames_served_for_peers', info: { section: 'stats', field: 'kv_frames_served_for_peers' } },

  // Clients.
  { shape: 'worker', name: 'connected_clients', kind: 'gauge', unit: 'clients', merge: 'sum', get: (w) => w.conns.size, help: 'Client connections open now.',
    prom: 'kv_connected_clients', json: 'connected_clients', stats: 'connected_clients', info: { section: 'clients', field: 'connected_clients' } },
  { shape: 'worker', name: 'total_connections', kind: 'counter', unit: 'clients', merge: 'sum', get: (w) => w.totalConnections, help: 'Client connections accepted since the worker started.',
    prom: 'kv_connections_total', json: 'total_connections', stats: 'total_connections', info: { section: 'stats', field: 'total_connections_received' } },
  { shape: 'worker', name: 'rejected_connections', kind: 'counter', unit: 'clients', merge: 'sum', get: (w) => w.refused, help: 'Client connections turned away (maxclients, protected mode).',
    prom: 'kv_rejected_connections_total', json: 'rejected_connections', stats: 'rejected_connections', info: { section: 'stats', field: 'rejected_connections' } },
  { shape: 'worker', name: 'client_output_limit_closed', kind: 'counter', unit: 'clients', merge: 'sum', get: (w) => w.outputLimitClosed, help: 'Clients closed for leaving more than client-output-limit of replies unread.',
    prom: 'kv_client_output_limit_closed_total', json: 'client_output_limit_closed', stats: 'client_output_limit_closed', info: { section: 'stats', field: 'client_output_buffer_limit_disconnections' } },
  { shape: 'worker', name: 'client_query_buffer_limit_closed', kind: 'counter', unit: 'clients', merge: 'sum', get: (w) => w.queryLimitClosed, help: 'Clients closed for an unfinished command past client-query-buffer-limit.',
    prom: 'kv_client_query_buffer_limit_closed_total', json: 'client_query_buffer_limit_closed', stats: 'client_query_buffer_limit_closed', info: { section: 'stats', field: 'client_query_buffer_limit_disconnections' } },
  { shape: 'worker', name: 'auth_failures', kind: 'counter', unit: 'times', merge: 'sum', get: (w) => w.authFailures, help: 'AUTH attempts with a wrong password.',
    prom: 'kv_auth_failures_total', json: 'auth_failures', stats: 'auth_failures', info: { section: 'stats', field: 'acl_access_denied_auth' } },
  { shape: 'worker', name: 'net_input_bytes', kind: 'counter', unit: 'bytes', merge: 'sum', get: (w) => w.net.input, help: "Bytes read from the worker's clients.",
    prom: 'kv_net_input_bytes_total', json: 'net_input_bytes', stats: 'net_input_bytes', info: { section: 'stats', field: 'total_net_input_bytes' } },
  { shape: 'worker', name: 'net_output_bytes', kind: 'counter', unit: 'bytes', merge: 'sum', get: (w) => w.net.output, help: "Bytes written to the worker's clients.",
    prom: 'kv_net_output_bytes_total', json: 'net_output_bytes', stats: 'net_output_bytes', info: { section: 'stats', field: 'total_net_output_bytes' } },
  // Counted where the error is encoded for its client: for a forwarded command, on its owner.
  { shape: 'worker', name: 'error_replies', kind: 'counter', unit: 'times', merge: 'sum', get: () => replyCounts.errors, help: 'Error replies encoded in the worker for clients (a forwarded command\'s on its owner; an EXEC\'s or a script\'s calls\' each).',
    prom: 'kv_error_replies_total', json: 'error_replies', stats: 'error_replies', info: { section: 'stats', field: 'total_error_replies' } },

  // Memory. INFO's used_memory is what eviction compares with maxmemory, as in Redis.
  { shape: 'shard', name: 'bytes', kind: 'gauge', unit: 'bytes', merge: 'sum', get: (s) => s.bytes, help: "Bytes charged against maxmemory by the shard's entries (key + value + overhead).",
    prom: 'kv_data_bytes', json: 'bytes', stats: 'bytes', info: { section: 'memory', field: 'used_memory', human: true } },
  { shape: 'worker', name: 'rss', kind: 'gauge', unit: 'bytes', merge: 'sum', get: () => residentBytes(), help: 'Resident set size of the worker process.',
    prom: 'kv_resident_memory_bytes', json: 'rss_bytes', stats: 'rss', info: { section: 'memory', field: 'used_memory_rss', human: true } },
  // Per worker; INFO's sum is at least the server's peak (workers may peak at different times).
  { shape: 'worker', name: 'bytes_peak', kind: 'gauge', unit: 'bytes', merge: 'sum', get: (w) => w.sampled.memoryPeak(), help: "The most bytes the worker's shards were charged at since it started (sampled every 100 ms and when read).",
    prom: 'kv_data_bytes_peak', json: 'bytes_peak', stats: 'bytes_peak', info: { section: 'memory', field: 'used_memory_peak', human: true } },
  { shape: 'worker', name: 'heap_memory', kind: 'gauge', unit: 'bytes', merge: 'sum', get: () => heapAndExternal(), help: 'V8 heap and external memory of the worker process: where the entries live, with everything else of the process.',
    prom: 'kv_heap_memory_bytes', json: 'heap_memory_bytes', stats: 'heap_memory', info: { section: 'memory', field: 'kv_heap_memory', human: true } },

  // The store's own memory: the arena outside the V8 heap, and each shard's arrays.
  { shape: 'worker', name: 'store_arena', kind: 'gauge', unit: 'bytes', merge: 'sum', get: (w) => w.node.arenaBytes, help: "Bytes of the worker's store arena: the chunks keys and string values live in, outside the V8 heap (used and free).",
    prom: 'kv_store_arena_bytes', json: 'store_arena_bytes', stats: 'store_arena', info: { section: 'memory', field: 'kv_store_arena', human: true } },
  { shape: 'shard', name: 'store_arrays', kind: 'gauge', unit: 'bytes', merge: 'sum', get: (s) => s.arrayBytes, help: "Bytes of the shard's typed arrays: slots (address, hash, recency links, version and stamp), the index and the expiry arrays.",
    prom: 'kv_store_array_bytes', json: 'store_array_bytes', stats: 'store_arrays', info: { section: 'memory', field: 'kv_store_arrays', human: true } },
  { shape: 'worker', name: 'gc_runs', kind: 'counter', unit: 'collections', merge: 'sum', get: () => gcStats.runs, help: 'Garbage collections of the worker since it started (perf_hooks gc entries).',
    prom: 'kv_gc_runs_total', json: 'gc_runs', stats: 'gc_runs', info: { section: 'memory', field: 'kv_gc_runs' } },
  { shape: 'worker', name: 'gc_seconds', kind: 'counter', unit: 'seconds', merge: 'seconds', get: () => gcStats.seconds, help: 'Time the worker spent in garbage collection since it started.',
    prom: 'kv_gc_duration_seconds_total', json: 'gc_seconds', stats: 'gc_seconds', info: { section: 'memory', field: 'kv_gc_seconds' } },
  { shape: 'worker', name: 'gc_max_pause', kind: 'gauge', unit: 'seconds', merge: 'max', get: () => gcStats.maxPauseSeconds, help: "The worker's longest garbage-collection pause since it started.",
    prom: 'kv_gc_max_pause_seconds', json: 'gc_max_pause_seconds', stats: 'gc_max_pause_seconds', info: { section: 'memory', field: 'kv_gc_max_pause_seconds' } },
  { shape: 'histogram', name: 'gc_pause', kind: 'histogram', unit: 'seconds', get: () => gcStats.pauses, help: "The worker's garbage-collection pauses (1, 2.5, 5 per decade, 1 us to 10 s).",
    prom: 'kv_gc_pause_seconds', json: 'gc_pause_seconds', stats: 'gc_pause_seconds', info: { section: 'histograms', field: 'kv_gc_pause_usec', scale: 1e6 } },

  // The process.
  { shape: 'worker', name: 'cpu_system', kind: 'counter', unit: 'seconds', merge: 'seconds', get: () => process.cpuUsage().system / 1e6, help: 'CPU time the worker process spent in the kernel.',
    prom: 'kv_cpu_system_seconds_total', json: 'cpu_system_seconds', stats: 'cpu_system_seconds', info: { section: 'cpu', field: 'used_cpu_sys' } },
  { shape: 'worker', name: 'cpu_user', kind: 'counter', unit: 'seconds', merge: 'seconds', get: () => process.cpuUsage().user / 1e6, help: 'CPU time the worker process spent in user mode.',
    prom: 'kv_cpu_user_seconds_total', json: 'cpu_user_seconds', stats: 'cpu_user_seconds', info: { section: 'cpu', field: 'used_cpu_user' } },
  { shape: 'summary', name: 'event_loop_delay', kind: 'summary', unit: 'seconds', get: (w) => w.eventLoopDelay(), help: 'Event-loop delay of the worker since it started (perf_hooks.monitorEventLoopDelay).',
    prom: 'kv_event_loop_delay_seconds', json: 'event_loop_delay', stats: 'event_loop_delay', info: { section: 'stats', field: 'kv_event_loop_delay_p99_seconds' } },
  // The worst worker's: one slow event loop delays every command routed through it.
  { shape: 'worker', name: 'event_loop_delay_max', kind: 'gauge', unit: 'seconds', merge: 'max', get: (w) => w.eventLoopDelay().max, help: 'Longest event-loop delay of the worker since it started.',
    prom: 'kv_event_loop_delay_max_seconds', json: 'event_loop_delay_max_seconds', stats: 'event_loop_delay_max_seconds', info: { section: 'stats', field: 'kv_event_loop_delay_max_seconds' } },

  // Lua scripts: every worker keeps the same ones, each in its own engine.
  { shape: 'worker', name: 'cached_scripts', kind: 'gauge', unit: 'scripts', merge: 'max', get: (w) => w.scripts.figures.count, help: 'Lua scripts cached (SCRIPT LOAD ones, and at most 500 EVAL brought in); every worker keeps the same ones.',
    prom: 'kv_cached_scripts', json: 'cached_scripts', stats: 'cached_scripts', info: { section: 'memory', field: 'number_of_cached_scripts' } },
  { shape: 'worker', name: 'scripts_bytes', kind: 'gauge', unit: 'bytes', merge: 'sum', get: (w) => w.scripts.figures.bytes, help: "Bytes of the cached scripts' bodies and entries (each worker keeps a copy).",
    prom: 'kv_scripts_bytes', json: 'scripts_bytes', stats: 'scripts_bytes', info: { section: 'memory', field: 'used_memory_scripts_eval' } },
  { shape: 'worker', name: 'lua_vm_bytes', kind: 'gauge', unit: 'bytes', merge: 'sum', get: (w) => w.scripts.figures.vmBytes, help: "Bytes of the Lua engine's WebAssembly memory (it grows with what scripts allocate and is not given back).",
    prom: 'kv_lua_vm_bytes', json: 'lua_vm_bytes', stats: 'lua_vm_bytes', info: { section: 'memory', field: 'used_memory_vm_eval' } },
  { shape: 'worker', name: 'evicted_scripts', kind: 'counter', unit: 'scripts', merge: 'max', get: (w) => w.scripts.figures.evicted, help: 'EVAL scripts evicted past 500, least recently used first (every worker evicts the same ones).',
    prom: 'kv_evicted_scripts_total', json: 'evicted_scripts', stats: 'evicted_scripts', info: { section: 'stats', field: 'evicted_scripts' } },

  // The shards.
  { shape: 'shard', name: 'keys', kind: 'gauge', unit: 'keys', merge: 'sum', get: (s) => s.size, help: 'Keys held by the shard.',
    prom: 'kv_keys', json: 'keys', stats: 'keys', info: { section: 'keyspace', field: 'db0', pair: 'keys' } },
  { shape: 'shard', name: 'keys_with_expiry', kind: 'gauge', unit: 'keys', merge: 'sum', get: (s) => s.volatile, help: 'Keys of the shard that have a TTL.',
    prom: 'kv_keys_with_expiry', json: 'keys_with_expiry', stats: 'keys_with_expiry', info: { section: 'keyspace', field: 'db0', pair: 'expires' } },
  { shape: 'shard', name: 'avg_ttl', kind: 'gauge', unit: 'seconds', merge: 'ttl_mean', get: (s) => avgTtlSeconds(s), help: "Estimated average TTL of the shard's keys that have one (sampled every 100 ms, as Redis's avg_ttl).",
    prom: 'kv_keys_avg_ttl_seconds', json: 'avg_ttl_seconds', stats: 'avg_ttl_seconds', info: { section: 'keyspace', field: 'db0', pair: 'avg_ttl', scale: 1000 } },
  { shape: 'shard', name: 'expirations', kind: 'counter', unit: 'keys', merge: 'sum', get: (s) => s.expirations, help: 'Keys removed because their TTL passed.',
    prom: 'kv_expired_keys_total', json: 'expirations', stats: 'expirations', info: { section: 'stats', field: 'expired_keys' } },
  { shape: 'shard', name: 'evictions', kind: 'counter', unit: 'keys', merge: 'sum', get: (s) => s.evictions, help: 'Keys evicted to stay within maxmemory.',
    prom: 'kv_evicted_keys_total', json: 'evictions', stats: 'evictions', info: { section: 'stats', field: 'evicted_keys' } },
  { shape: 'shard', name: 'hits', kind: 'counter', unit: 'reads', merge: 'sum', get: (s) => s.hits, help: 'Reads that found their key.',
    prom: 'kv_keyspace_hits_total', json: 'hits', stats: 'hits', info: { section: 'stats', field: 'keyspace_hits' } },
  { shape: 'shard', name: 'misses', kind: 'counter', unit: 'reads', merge: 'sum', get: (s) => s.misses, help: 'Reads that did not find their key.',
    prom: 'kv_keyspace_misses_total', json: 'misses', stats: 'misses', info: { section: 'stats', field: 'keyspace_misses' } },
];

let rss = 0;
let rssAt = -Infinity;

/**
 * The process's RSS, read at most once per 5 ms: the figures of one INFO or STATS (RSS beside the
 * fragmentation ratio made from it) read one value.
 */
export function residentBytes(): number {
  const now = performance.now();
  if (now - rssAt > 5) {
    rss = process.memoryUsage.rss();
    rssAt = now;
  }
  return rss;
}

function heapAndExternal(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** A shard figure summed over a worker's shards (what STATS and INFO report). */
export function sumShards(shards: ShardsState, get: (store: StoreState) => number): number {
  let sum = 0;
  for (const s of shards.owned) {
    const store = shards.store(s);
    if (store !== undefined) sum += get(store);
  }
  return sum;
}

/** A shard figure over a worker's shards by its merge: summed, or averaged by keys with a TTL. */
export function combineShards(shards: ShardsState, f: ShardFigure): number {
  if (f.merge === 'sum') return sumShards(shards, f.get);
  return ttlMean(shards.owned.flatMap((s) => {
    const store = shards.store(s);
    return store === undefined ? [] : [[f.get(store), store.volatile] as const];
  }));
}

/** The mean of values weighted by their shards' keys with a TTL (0 when there is none). */
export function ttlMean(values: readonly (readonly [value: number, keysWithTtl: number])[]): number {
  let weight = 0;
  let sum = 0;
  for (const [value, keys] of values) {
    sum += value * keys;
    weight += keys;
  }
  return weight > 0 ? sum / weight : 0;
}
