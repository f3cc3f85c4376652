import { MAX_LINE_BYTES, MAX_LINE_LIMIT } from '@kv/wire';
import { LEVELS, type Level } from '../log';

/** The validated options: what loadConfig returns. */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly workers: number;
  readonly maxmemory: number;
  readonly 'maxmemory-policy': 'allkeys-lru' | 'volatile-lru' | 'noeviction';
  readonly 'proto-max-bulk-len': number;
  readonly 'admin-port': number;
  readonly 'admin-host': string;
  readonly requirepass: string;
  readonly 'protected-mode': 'yes' | 'no';
  readonly maxclients: number;
  readonly timeout: number;
  readonly 'lua-time-limit': number;
  readonly 'tcp-keepalive': number;
  readonly 'warmup-ms': number;
  readonly 'client-output-limit': number;
  readonly 'tls-port': number;
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
  readonly 'log-level': Level;
  readonly 'client-query-buffer-limit': number;
  readonly 'text-max-line': number;
  readonly 'list-max-listpack-size': number;
  readonly 'set-max-intset-entries': number;
  readonly 'set-max-listpack-entries': number;
  readonly 'set-max-listpack-value': number;
  readonly 'zset-max-listpack-entries': number;
  readonly 'zset-max-listpack-value': number;
  readonly 'stream-node-max-entries': number;
  readonly 'stream-node-max-bytes': number;
  readonly 'list-compress-depth': number;
  readonly 'client-output-buffer-limit': string;
  readonly 'notify-keyspace-events': string;
  readonly 'slowlog-log-slower-than': number;
  readonly 'slowlog-max-len': number;
  readonly 'latency-monitor-threshold': number;
  readonly 'latency-tracking': 'yes' | 'no';
  readonly 'latency-tracking-info-percentiles': string;
  readonly 'hash-max-listpack-entries': number;
  readonly 'hash-max-listpack-value': number;
  readonly 'tracking-table-max-keys': number;
  readonly config?: string;
}

/** Where computed defaults come from (tests pass fakes). */
export interface Resources {
  cpus?: () => { count: number; source: string };
  memory?: () => { bytes: number; source: string };
}

/**
 * Options a worker's environment never holds (diagnostic reports copy it): the primary sends them
 * over the cluster channel. The schema marks each one `secret: true` (the type below checks both
 * agree); TLS material goes by message too, read from the tls-cert and tls-key files.
 */
export type SecretOption = 'requirepass';

export interface OptionSchema {
  type: 'integer' | 'string';
  description: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  enum?: readonly string[];
  /** Not JSON schema: the environment variable, when not KV_<NAME>. */
  env?: string;
  default?: number | string;
  /** A string option's form (JSON schema `pattern`), and what it is in words for an error (`patternHelp`). */
  pattern?: string;
  patternHelp?: string;
  /** Not JSON schema: also accept a string with Redis memory units, e.g. "100mb". */
  bytes?: boolean;
  /** Not JSON schema: a default that depends on the machine, used when no layer sets the option. */
  computedDefault?: (resources: Required<Resources>) => { value: number; source: string };
}

const MB = 1024 * 1024;

/** Not JSON schema: `secret: true` marks exactly the SecretOption options (never shown, never in a worker's environment). */
type Options = { [K in keyof Config]-?: OptionSchema & (K extends SecretOption ? { secret: true } : { secret?: never }) };

/** A collection's encoding threshold, as Redis's (an integer up to 1,000,000). */
const threshold = (value: number, description: string, minimum = 0): OptionSchema & { secret?: never } => ({ type: 'integer', minimum, maximum: 1_000_000, default: value, description });

/** Every option; its flag is --<key> and its environment variable KV_<KEY>. Help, parsing and validation all come from here. */
export const OPTIONS: Options = {
  port: {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 7171,
    description: 'TCP port to listen on; 0 picks a free port',
  },
  host: { type: 'string', minLength: 1, default: '0.0.0.0', description: 'address to listen on' },
  workers: {
    type: 'integer',
    minimum: 1,
    maximum: 16,
    description: 'worker processes; defaults to the CPUs this process may use',
    computedDefault: (r) => {
      const cpus = r.cpus();
      return { value: cpus.count, source: cpus.source };
    },
  },
  maxmemory: {
    type: 'integer',
    // At start; CONFIG SET takes any size, as Redis (0: no limit; maxmemory 1 is how Redis's own tests make every write OOM).
    minimum: MB,
    bytes: true,
    description: 'memory for cached data; defaults to half the memory limit of the container or machine (CONFIG SET takes any size, 0 for no limit, as Redis)',
    computedDefault: (r) => {
      const memory = r.memory();
      return { value: Math.floor(memory.bytes / 2), source: memory.source };
    },
  },
  'maxmemory-policy': {
    type: 'string',
    enum: ['allkeys-lru', 'volatile-lru', 'noeviction'],
    default: 'allkeys-lru',
    description: 'when the memory limit is reached: evict the least recently used key, the least recently used key with a TTL, or refuse writes (as Redis)',
  },
  maxclients: {
    type: 'integer',
    minimum: 1,
    maximum: 1_000_000,
    default: 10_000,
    description: 'clients connected at once, over the whole server (not a share per worker); one more gets an error (ERROR, or -ERR max number of clients reached) and is closed',
  },
  timeout: {
    type: 'integer',
    minimum: 0,
    maximum: 31_536_000,
    default: 0,
    description: 'seconds a client may stay idle before it is closed; 0: never (as Redis)',
  },
  'lua-time-limit': {
    type: 'integer',
    minimum: 1,
    maximum: 3_600_000,
    default: 5000,
    description: 'milliseconds a Lua script may run, counted from its start (waits on other workers included), before it is stopped with an error (its worker goes on serving; writes it made stay)',
  },
  'tcp-keepalive': {
    type: 'integer',
    minimum: 0,
    maximum: 86_400,
    default: 300,
    description: 'seconds between TCP keepalive probes on client connections; 0: off (as Redis)',
  },
  'warmup-ms': {
    type: 'integer',
    minimum: 0,
    maximum: 10_000,
    default: 400,
    description: 'milliseconds each worker spends at start, before its first client, running the per-client path over clients and a store of its own (compiling it), so a burst of clients on a fresh server costs what it costs on a warm one; 0: none',
  },
  'client-output-limit': {
    type: 'integer',
    minimum: MB,
    bytes: true,
    default: 64 * MB,
    description: 'replies a client may leave unread; past it the client is closed (reading from it already pauses at 1mb)',
  },
  'client-query-buffer-limit': {
    type: 'integer',
    minimum: MB,
    // Parsed commands are addressed with Int32 offsets; 1gb is also Redis's default.
    maximum: 1024 * MB,
    bytes: true,
    // As the output limit: one client holds at most this much of a worker's memory unparsed.
    default: 64 * MB,
    description: "bytes one unfinished RESP command may hold (Redis's client-query-buffer-limit); past it the client gets -ERR Protocol error after the replies it is owed and is closed, so no bulk can be larger either",
  },
  'text-max-line': {
    type: 'integer',
    minimum: MAX_LINE_BYTES,
    maximum: MAX_LINE_LIMIT,
    bytes: true,
    default: MAX_LINE_BYTES,
    description: 'longest text-protocol line before its newline (the seed: 518, the longest PUT); a longer line is answered ERROR once and skipped, never buffered. Raise it only for AUTH with a longer password',
  },
  'list-max-listpack-size': threshold(-2, "where a list stops being packed in one block (as Redis's): a positive count of elements, or -1 to -5 for 4, 8, 16, 32 or 64 KiB of packed bytes", -5),
  'set-max-intset-entries': threshold(512, "a set of integers stays packed as sorted integers up to this many members (as Redis's)"),
  'set-max-listpack-entries': threshold(128, "a set of strings stays packed in one block up to this many members (as Redis 7.2's)"),
  'set-max-listpack-value': threshold(64, "a set of strings stays packed while no member is longer than this many bytes (as Redis 7.2's)"),
  'zset-max-listpack-entries': threshold(128, "a sorted set stays packed in one block up to this many members (as Redis's)"),
  'zset-max-listpack-value': threshold(64, "a sorted set stays packed while no member is longer than this many bytes (as Redis's)"),
  'stream-node-max-entries': threshold(100, "a stream's block takes at most this many entries, deleted ones included (as Redis's node; 0: no bound); MAXLEN ~ trims whole blocks"),
  'list-compress-depth': threshold(0, "accepted as Redis's (its configs and tests set it) and shown by CONFIG GET; lists are not compressed here, which changes no reply"),
  'stream-node-max-bytes': threshold(4096, "a stream's block stops taking entries once Redis's listpack of it would reach this many bytes (as Redis's node; 0: no bound)"),
  'client-output-buffer-limit': {
    type: 'string',
    default: 'pubsub 32mb 8mb 60',
    pattern: '^\\s*((normal|slave|replica|pubsub)\\s+\\d+[a-zA-Z]*\\s+\\d+[a-zA-Z]*\\s+\\d+\\s*)+$',
    patternHelp: "Redis's `<class> <hard> <soft> <soft seconds>` groups, e.g. \"pubsub 32mb 8mb 60\"",
    description:
      "as Redis: a client subscribed to a channel (class pubsub) that leaves more than <hard> bytes unread, or more than <soft> for <soft seconds> in a row, is closed, so no subscriber slows a publisher or grows the server (0: no limit). Normal clients are bounded by client-output-limit; there are no replicas",
  },
  'notify-keyspace-events': {
    type: 'string',
    default: '',
    pattern: '^[KEg$lshzxetmndA]*$',
    patternHelp: "Redis's letters: K, E, g, $, l, s, h, z, x, e, t, m, n, d, A (e.g. \"KEA\")",
    description:
      'keyspace notifications, as Redis: K publishes __keyspace@0__:<key> channels, E __keyevent@0__:<event> ones, for the classes given: g generic (del, expire, persist, rename, copy), $ strings, l lists, s sets, h hashes, z sorted sets, t streams, x expired, e evicted, m key misses, n new keys, A all but m and n (d, module events: accepted and never fired). Empty: off',
  },
  'protected-mode': {
    type: 'string',
    enum: ['yes', 'no'],
    default: 'yes',
    description: 'with no password and a --host other than loopback, serve only clients from loopback (as Redis); the Docker image sets no',
  },
  requirepass: {
    type: 'string',
    default: '',
    env: 'KV_PASSWORD',
    secret: true,
    description: 'password clients must give with AUTH before any other command (RESP AUTH, or the text command AUTH <password>); empty: none',
  },
  'proto-max-bulk-len': {
    type: 'integer',
    minimum: MB,
    // V8's longest string is 2^29 - 24 characters; values are kept as strings.
    maximum: 2 ** 29 - 24,
    bytes: true,
    default: 500 * MB,
    description: "largest RESP bulk argument a client may send (Redis's proto-max-bulk-len; at most V8's longest string, just under 512mb)",
  },
  'admin-port': {
    type: 'integer',
    minimum: -1,
    maximum: 65535,
    default: 7172,
    description: 'HTTP port of the admin endpoint (/healthz, /readyz, /stats, /metrics); 0 picks a free port, -1 disables it',
  },
  'admin-host': { type: 'string', minLength: 1, default: '127.0.0.1', description: 'address the admin endpoint listens on' },
  'tls-port': {
    type: 'integer',
    minimum: 0,
    maximum: 65535,
    default: 0,
    description: 'TLS port serving both protocols, on --host beside --port (which stays open); needs --tls-cert and --tls-key; 0: off (as Redis)',
  },
  'tls-cert': { type: 'string', minLength: 1, description: 'PEM certificate (chain) file for --tls-port, read at start' },
  'tls-key': { type: 'string', minLength: 1, description: 'PEM private key file of --tls-cert, unencrypted, read at start' },
  'log-level': {
    type: 'string',
    enum: LEVELS,
    default: 'info',
    description: 'log lines below this level are dropped, in the primary and every worker',
  },
  'slowlog-log-slower-than': {
    type: 'integer',
    minimum: -1,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 10_000,
    description: 'microseconds a command runs (where it runs: its client\'s worker, or the owner of its key) from which SLOWLOG keeps it; -1: none, 0: every command (as Redis)',
  },
  'slowlog-max-len': {
    type: 'integer',
    minimum: 0,
    // An entry keeps at most 32 arguments of 128 bytes: this bounds a worker's slow log to about 400 MB at worst.
    maximum: 100_000,
    default: 128,
    description: 'entries SLOWLOG keeps on each worker (SLOWLOG GET merges the workers\', newest first)',
  },
  'latency-monitor-threshold': {
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 0,
    description: 'milliseconds from which LATENCY records an event (a command, a forwarded command\'s wait, an event-loop stall, an expiry pass); 0: off (as Redis)',
  },
  'latency-tracking': { type: 'string', enum: ['yes', 'no'], default: 'yes', description: 'keep a latency histogram per command for INFO latencystats and /metrics (as Redis 7)' },
  'latency-tracking-info-percentiles': {
    type: 'string',
    default: '50 99 99.9',
    pattern: '^$|^(100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?)( (100(\\.0+)?|[0-9]{1,2}(\\.[0-9]+)?))*$',
    patternHelp: 'percentiles from 0 to 100 separated by single spaces (e.g. "50 99 99.9"), or empty',
    description: 'the percentiles INFO latencystats shows for each command (as Redis 7)',
  },
  // Redis's small-encoding thresholds that change what a client sees here (commands/encodings.ts in @kv/node).
  'hash-max-listpack-entries': {
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 128,
    description: "a hash of at most this many fields (and no field or value longer than hash-max-listpack-value) is packed in its key's block and answers HSCAN whole, as Redis's listpack",
  },
  'hash-max-listpack-value': {
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 64,
    description: 'longest field or value, in bytes, of a packed hash (see hash-max-listpack-entries)',
  },
  'tracking-table-max-keys': {
    type: 'integer',
    minimum: 0,
    maximum: Number.MAX_SAFE_INTEGER,
    default: 1_000_000,
    description: "client-side caching: keys the server's tracking tables remember readers of, as Redis's (each worker keeps its shards' share, at least 1); past it a key is forgotten and its readers get an invalidation. 0: no limit",
  },
  config: { type: 'string', minLength: 1, description: 'JSON config file setting any other option by its name' },
};

/** Every option's name, in the schema's order. */
export const OPTION_NAMES = Object.keys(OPTIONS) as (keyof Config)[];
export const SECRET_OPTIONS = OPTION_NAMES.filter((key) => OPTIONS[key].secret) as SecretOption[];
export const envName = (key: string) => (OPTIONS as Record<string, OptionSchema>)[key]?.env ?? `KV_${key.toUpperCase().replace(/-/g, '_')}`;
