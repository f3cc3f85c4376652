import { OPTIONS, type Config, type OptionSchema } from './options';
import { keyspaceEventsText, parseKeyspaceEvents } from '@kv/node';
import { parseOutputLimits } from '../pubsub/output-limit';
import { parseOptionValue, parsePercentiles, redisInteger, redisMemory, showValue } from './redis-values';

/**
 * CONFIG GET and CONFIG SET's parameters, by Redis's names, over the option schema (options.ts):
 * what each shows, and for those that may change while running, how a CONFIG SET value becomes
 * options. A change is read here, on the client's worker (with Redis's replies for what is
 * wrong); the primary then applies it everywhere (primary/runtime-config.ts, worker/
 * live-settings.ts). Not here: secrets (requirepass is never shown), and options with no Redis
 * meaning to a client (admin-host, tls files).
 */

/** What CONFIG GET reads: the worker's copy of the settings, kept current by CONFIG SET and reloads. */
export type ParamValues = Omit<Config, 'requirepass'>;
/** Options a CONFIG SET changes, by name. */
export type OptionChange = Partial<Record<keyof Config, number | string>>;

export interface ConfigParam {
  /** Redis's name (lower case). */
  readonly name: string;
  /** Its other names, as Redis 7's aliases: a pattern lists each name it matches; CONFIG SET takes any. */
  readonly aliases?: readonly string[];
  get(values: ParamValues): string;
  /** The options `text` sets, or Redis's reason it is refused. Absent: fixed while running (`fixed` is the reason). */
  set?(text: string): OptionChange | { error: string };
  readonly fixed?: string;
}

/** Redis's reason for a parameter that cannot change while running (here: set by a flag, KV_ variable or the --config file at start). */
const IMMUTABLE = "can't set immutable config";
const NO_DISK = 'this server keeps nothing on disk';

/** A parameter that is one option of the schema, read and set by its type. */
function option(name: string, key: keyof Config, extra: { aliases?: readonly string[]; fixed?: string; schema?: OptionSchema } = {}): ConfigParam {
  const schema = extra.schema ?? OPTIONS[key];
  return {
    name,
    aliases: extra.aliases,
    fixed: extra.fixed,
    get: (values) => showValue(values[key as keyof ParamValues]),
    set:
      extra.fixed !== undefined
        ? undefined
        : (text) => {
            const parsed = parseOptionValue(schema, text);
            return 'error' in parsed ? parsed : { [key]: parsed.value };
          },
  };
}

/** A Redis parameter with one value this server has (no persistence, one database): it can be "set" to that value only. */
function constant(name: string, value: string, refusal: string): ConfigParam {
  const none: OptionChange = {};
  return { name, get: () => value, set: (text) => (text.toLowerCase() === value ? none : { error: refusal }) };
}

/** Redis's default of the class it has and this server does not (no replicas). */
const OTHER_CLASSES: Readonly<Record<string, string>> = { slave: '268435456 67108864 60' };

/** The pubsub class's `<hard> <soft> <soft seconds>`, from its option (--client-output-buffer-limit). */
function pubsubLimits(values: ParamValues): string {
  const parsed = parseOutputLimits(values['client-output-buffer-limit']);
  if (typeof parsed === 'string') return '33554432 8388608 60';
  return `${parsed.pubsub.hard} ${parsed.pubsub.soft} ${parsed.pubsub.softSeconds}`;
}

/**
 * client-output-buffer-limit: `<class> <hard> <soft> <soft seconds>` groups, read as Redis reads
 * them. The normal class has a hard limit only (--client-output-limit): its soft limit must stay
 * 0 0; the pubsub class is --client-output-buffer-limit's; replicas do not exist (Redis's default).
 */
function outputBufferLimit(): ConfigParam {
  return {
    name: 'client-output-buffer-limit',
    get: (values) => `normal ${values['client-output-limit']} 0 0 slave ${OTHER_CLASSES.slave} pubsub ${pubsubLimits(values)}`,
    set: (text) => {
      const words = text.split(' ').filter((w) => w !== '');
      if (words.length % 4 !== 0) return { error: 'Wrong number of arguments in buffer limit configuration.' };
      const change: OptionChange = {};
      for (let i = 0; i < words.length; i += 4) {
        const group = words.slice(i, i + 4);
        const klass = group[0].toLowerCase();
        if (!['normal', 'slave', 'replica', 'pubsub'].includes(klass)) return { error: 'Invalid client class specified in buffer limit configuration.' };
        const hard = redisMemory(group[1]);
        const soft = redisMemory(group[2]);
        const seconds = redisInteger(group[3]);
        if (hard === undefined || soft === undefined || seconds === undefined || seconds < 0n) {
          return { error: 'Error in hard, soft or soft_seconds setting in buffer limit configuration.' };
        }
        if (klass === 'pubsub') {
          change['client-output-buffer-limit'] = `pubsub ${hard} ${soft} ${seconds}`;
          continue;
        }
        if (klass !== 'normal') {
          if (`${hard} ${soft} ${seconds}` !== OTHER_CLASSES.slave) return { error: 'only the normal and pubsub classes can be set here (there are no replicas)' };
          continue;
        }
        if (soft !== 0n || seconds !== 0n) return { error: 'a soft limit is not supported here: set the hard limit alone (normal <hard> 0 0)' };
        const parsed = parseOptionValue(OPTIONS['client-output-limit'], String(hard));
        if ('error' in parsed) return parsed;
        change['client-output-limit'] = parsed.value;
      }
      return change;
    },
  };
}

/** notify-keyspace-events: shown as Redis prints it (keyspaceEventsText), set by its letters. */
function keyspaceEvents(): ConfigParam {
  const base = option('notify-keyspace-events', 'notify-keyspace-events');
  return { ...base, get: (values) => keyspaceEventsText(parseKeyspaceEvents(values['notify-keyspace-events'])) };
}

/** Every parameter, in CONFIG GET's order (each settable one applied by worker/live-settings.ts). */
export const CONFIG_PARAMS: readonly ConfigParam[] = [
  // Any size while running, as Redis (0: no limit); at start at least 1mb (options.ts).
  option('maxmemory', 'maxmemory', { schema: { ...OPTIONS.maxmemory, minimum: 0, maximum: Number.MAX_SAFE_INTEGER } }),
  option('maxmemory-policy', 'maxmemory-policy'),
  option('maxclients', 'maxclients'),
  option('timeout', 'timeout'),
  option('busy-reply-threshold', 'lua-time-limit', { aliases: ['lua-time-limit'] }),
  outputBufferLimit(),
  option('client-output-limit', 'client-output-limit'),
  option('slowlog-log-slower-than', 'slowlog-log-slower-than'),
  option('slowlog-max-len', 'slowlog-max-len'),
  option('latency-monitor-threshold', 'latency-monitor-threshold'),
  option('latency-tracking', 'latency-tracking'),
  {
    name: 'latency-tracking-info-percentiles',
    get: (values) => values['latency-tracking-info-percentiles'],
    set: (text) => {
      const parsed = parsePercentiles(text);
      return 'error' in parsed ? parsed : { 'latency-tracking-info-percentiles': parsed.value };
    },
  },
  option('hash-max-listpack-entries', 'hash-max-listpack-entries', { aliases: ['hash-max-ziplist-entries'] }),
  option('hash-max-listpack-value', 'hash-max-listpack-value', { aliases: ['hash-max-ziplist-value'] }),
  option('list-max-listpack-size', 'list-max-listpack-size', { aliases: ['list-max-ziplist-size'] }),
  option('set-max-intset-entries', 'set-max-intset-entries'),
  option('set-max-listpack-entries', 'set-max-listpack-entries'),
  option('set-max-listpack-value', 'set-max-listpack-value'),
  option('zset-max-listpack-entries', 'zset-max-listpack-entries', { aliases: ['zset-max-ziplist-entries'] }),
  option('zset-max-listpack-value', 'zset-max-listpack-value', { aliases: ['zset-max-ziplist-value'] }),
  option('stream-node-max-entries', 'stream-node-max-entries'),
  option('stream-node-max-bytes', 'stream-node-max-bytes'),
  option('list-compress-depth', 'list-compress-depth'),
  keyspaceEvents(),
  option('tracking-table-max-keys', 'tracking-table-max-keys'),
  option('log-level', 'log-level'),
  constant('save', '', `${NO_DISK}: save can only be ""`),
  constant('appendonly', 'no', `${NO_DISK}: appendonly can only be no`),
  option('protected-mode', 'protected-mode'),
  option('tcp-keepalive', 'tcp-keepalive'),
  { name: 'databases', get: () => '1', fixed: IMMUTABLE },
  option('port', 'port', { fixed: IMMUTABLE }),
  { name: 'bind', get: (values) => values.host, fixed: IMMUTABLE },
  option('proto-max-bulk-len', 'proto-max-bulk-len', { fixed: IMMUTABLE }),
  option('client-query-buffer-limit', 'client-query-buffer-limit', { fixed: IMMUTABLE }),
  option('tls-port', 'tls-port', { fixed: IMMUTABLE }),
  option('text-max-line', 'text-max-line', { fixed: IMMUTABLE }),
  // Changed by POST /workers, or the config file and SIGUSR2 (README), not by CONFIG SET.
  option('workers', 'workers', { fixed: IMMUTABLE }),
];

const BY_NAME = new Map<string, ConfigParam>();
for (const param of CONFIG_PARAMS) for (const name of [param.name, ...(param.aliases ?? [])]) BY_NAME.set(name, param);

/** The parameter of a name or alias, any letter case (Redis's lookupConfig). */
export function paramNamed(name: string): ConfigParam | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Every name CONFIG GET can list, with its parameter, in order (aliases after their parameter). */
export const PARAM_NAMES: readonly (readonly [string, ConfigParam])[] = CONFIG_PARAMS.flatMap((p) => [p.name, ...(p.aliases ?? [])].map((n) => [n, p] as const));

/** The options of the schema a CONFIG SET may change (what a reload applies and CONFIG REWRITE writes). */
export const SETTABLE_OPTIONS: readonly (keyof Config)[] = [
  'maxmemory',
  'maxmemory-policy',
  'maxclients',
  'timeout',
  'lua-time-limit',
  'client-output-limit',
  'slowlog-log-slower-than',
  'slowlog-max-len',
  'latency-monitor-threshold',
  'latency-tracking',
  'latency-tracking-info-percentiles',
  'hash-max-listpack-entries',
  'hash-max-listpack-value',
  'list-max-listpack-size',
  'set-max-intset-entries',
  'set-max-listpack-entries',
  'set-max-listpack-value',
  'zset-max-listpack-entries',
  'zset-max-listpack-value',
  'stream-node-max-entries',
  'stream-node-max-bytes',
  'list-compress-depth',
  'client-output-buffer-limit',
  'notify-keyspace-events',
  'tracking-table-max-keys',
  'log-level',
  'protected-mode',
  'tcp-keepalive',
];
