import * as fs from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import { MAX_LINE_BYTES, MAX_LINE_LIMIT } from '@kv/wire';
import { ConfigError } from './errors';
import { LEVELS, type Level } from './log';
import { availableCpus, memoryLimit } from './resources';
import { readTlsFiles } from './tls';

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
  readonly 'tcp-keepalive': number;
  readonly 'client-output-limit': number;
  readonly 'tls-port': number;
  readonly 'tls-cert'?: string;
  readonly 'tls-key'?: string;
  readonly 'log-level': Level;
  readonly 'client-query-buffer-limit': number;
  readonly 'text-max-line': number;
  readonly config?: string;
}

/** Where the effective workers/maxmemory came from: "flag", "env", "file", or the resource source for defaults. */
export interface ConfigSources {
  workers: string;
  maxmemory: string;
}

export type LoadResult = { kind: 'help'; text: string } | { kind: 'config'; config: Config; sources: ConfigSources };

export interface Resources {
  cpus?: () => { count: number; source: string };
  memory?: () => { bytes: number; source: string };
}

interface OptionSchema {
  type: 'integer' | 'string';
  description: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  enum?: readonly string[];
  /** Not JSON schema: the environment variable, when not KV_<NAME>. */
  env?: string;
  /** Not JSON schema: never shown (help prints whether it is set, not the value). */
  secret?: boolean;
  default?: number | string;
  /** Not JSON schema: also accept a string with Redis memory units, e.g. "100mb". */
  bytes?: boolean;
  /** Not JSON schema: a default that depends on the machine, used when no layer sets the option. */
  computedDefault?: (resources: Required<Resources>) => { value: number; source: string };
}

const MB = 1024 * 1024;

/** Every option; its flag is --<key> and its environment variable KV_<KEY>. Help, parsing and validation all come from here. */
const OPTIONS: Record<keyof Config, OptionSchema> = {
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
    minimum: MB,
    bytes: true,
    description: 'memory for cached data; defaults to half the memory limit of the container or machine',
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
    description: 'clients connected at once; one more gets an error (ERROR, or -ERR max number of clients reached) and is closed. Split evenly over the workers',
  },
  timeout: {
    type: 'integer',
    minimum: 0,
    maximum: 31_536_000,
    default: 0,
    description: 'seconds a client may stay idle before it is closed; 0: never (as Redis)',
  },
  'tcp-keepalive': {
    type: 'integer',
    minimum: 0,
    maximum: 86_400,
    default: 300,
    description: 'seconds between TCP keepalive probes on client connections; 0: off (as Redis)',
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
  config: { type: 'string', minLength: 1, description: 'JSON config file setting any other option by its name' },
};

const KEYS = Object.keys(OPTIONS) as (keyof Config)[];
const envName = (key: string) => (OPTIONS as Record<string, OptionSchema>)[key]?.env ?? `KV_${key.toUpperCase().replace(/-/g, '_')}`;

const validate = new Ajv({ coerceTypes: true, useDefaults: true }).compile({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    Object.entries(OPTIONS).map(([key, { bytes, computedDefault, env, secret, ...jsonSchema }]) => [key, jsonSchema]),
  ),
});

/** One option's value and where it came from. */
interface Setting {
  value: unknown;
  /** Reported in ConfigSources. */
  source: string;
  /** Names the option in error messages, e.g. "--port" or "KV_PORT". */
  name: string;
}
type Settings = Partial<Record<keyof Config, Setting>>;

/** Reads options from defaults < config file < env < flags. Throws ConfigError on anything invalid. */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv, resources: Resources = {}): LoadResult {
  const r = { cpus: resources.cpus ?? (() => availableCpus()), memory: resources.memory ?? (() => memoryLimit()) };
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help', text: helpText(r) };

  const fromFlags = parseFlags(argv);
  const fromEnv: Settings = {};
  for (const key of KEYS) {
    const value = env[envName(key)];
    // An empty variable counts as unset, as in most shells' ${VAR:-default}.
    if (value) fromEnv[key] = { value, source: 'env', name: envName(key) };
  }
  const configFile = fromFlags.config ?? fromEnv.config;
  const settings: Settings = { ...(configFile && readConfigFile(configFile)), ...fromEnv, ...fromFlags };

  const values: Record<string, unknown> = {};
  for (const key of KEYS) {
    const computed = settings[key] ? undefined : OPTIONS[key].computedDefault?.(r);
    if (computed) settings[key] = { ...computed, name: `default ${key} (${computed.source})` };
    const value = settings[key]?.value;
    if (value !== undefined) values[key] = OPTIONS[key].bytes && typeof value === 'string' ? parseBytes(value) ?? value : value;
  }
  if (!validate(values)) throw invalidValue(validate.errors?.[0], settings);
  checkTls(values as unknown as Config, settings);
  return {
    kind: 'config',
    config: Object.freeze(values as unknown as Config),
    sources: { workers: settings.workers!.source, maxmemory: settings.maxmemory!.source },
  };
}

const UNITS = { b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };

/** Parses a byte count the way Redis does: "100", "1k" = 1000, "1kb" = 1024, ... "1gb", any case. */
export function parseBytes(text: string): number | undefined {
  const match = /^(\d+)(b|kb?|mb?|gb?)?$/i.exec(text);
  if (!match) return undefined;
  const bytes = Number(match[1]) * (match[2] ? UNITS[match[2].toLowerCase() as keyof typeof UNITS] : 1);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

function parseFlags(argv: string[]): Settings {
  const settings: Settings = {};
  for (let i = 0; i < argv.length; i++) {
    const [, name, inline] = /^--([^=]+)(?:=(.*))?$/s.exec(argv[i]) ?? [];
    if (name === undefined || !Object.hasOwn(OPTIONS, name)) {
      const options = [...KEYS.map((key) => `--${key}`), '--help'].join(', ');
      throw new ConfigError('KV_ERR_UNKNOWN_OPTION', `${name ? `--${name}` : argv[i]}: unknown option (options are ${options})`);
    }
    const key = name as keyof Config;
    const value = inline ?? argv[++i];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) {
      throw new ConfigError('KV_ERR_MISSING_VALUE', `--${key}: missing value, which must be ${describe(OPTIONS[key])}`);
    }
    settings[key] = { value, source: 'flag', name: `--${key}` };
  }
  return settings;
}

function readConfigFile({ value, name }: Setting): Settings {
  const file = String(value);
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('KV_ERR_CONFIG_FILE', `${name}: cannot read ${file} (${(err as Error).message})`);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError('KV_ERR_CONFIG_FILE', `${name}: ${file} is not valid JSON (${(err as Error).message})`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError('KV_ERR_CONFIG_FILE', `${name}: ${file} must hold a JSON object of options`);
  }
  const settings: Settings = {};
  for (const [key, v] of Object.entries(data)) {
    if (key === 'config' || !Object.hasOwn(OPTIONS, key)) {
      const allowed = KEYS.filter((k) => k !== 'config').join(', ');
      throw new ConfigError('KV_ERR_UNKNOWN_OPTION', `${file}: unknown option "${key}" (options are ${allowed})`);
    }
    const option = OPTIONS[key as keyof Config];
    const setting = { value: v, source: 'file', name: `${file}: ${key}` };
    // ajv coercion would turn true or null into a number, so JSON types must match before it runs.
    const jsType = option.type === 'integer' ? 'number' : option.type;
    if (typeof v !== jsType && !(option.bytes && typeof v === 'string')) throw badValue(setting, option);
    settings[key as keyof Config] = setting;
  }
  return settings;
}

/** A TLS port needs both files, readable and a matching pair: checked here so a mistake exits 2 naming the option, not in every worker. */
function checkTls(config: Config, settings: Settings): void {
  if (config['tls-port'] === 0) return;
  const { 'tls-cert': cert, 'tls-key': key } = config;
  if (cert === undefined || key === undefined) {
    const missing = cert === undefined ? 'tls-cert' : 'tls-key';
    throw new ConfigError('KV_ERR_CONFIG', `--${missing} (or ${envName(missing)}): required with ${settings['tls-port']!.name}, must be a PEM file`);
  }
  readTlsFiles(cert, key, (option) => settings[option]!.name);
}

function invalidValue(error: ErrorObject | undefined, settings: Settings): ConfigError {
  const key = error?.instancePath.slice(1) as keyof Config;
  const setting = settings[key];
  if (!setting || !Object.hasOwn(OPTIONS, key)) return new ConfigError('KV_ERR_CONFIG', `invalid config: ${error?.message}`);
  return badValue(setting, OPTIONS[key]);
}

function badValue(setting: Setting, option: OptionSchema): ConfigError {
  return new ConfigError('KV_ERR_CONFIG', `${setting.name}: must be ${describe(option)} (got ${JSON.stringify(setting.value)})`);
}

/** What an option allows, in words, e.g. "an integer from 1 to 16". */
function describe(option: OptionSchema): string {
  const { type, minimum: min, maximum: max } = option;
  if (option.bytes) {
    const most = max !== undefined ? ` and at most ${formatBytes(max)}` : '';
    return `a size of at least ${formatBytes(min ?? 0)}${most}, in bytes or with a unit (k, kb, m, mb, g, gb)`;
  }
  if (option.enum) return `one of ${option.enum.join(', ')}`;
  if (type === 'string') return option.minLength ? 'a non-empty string' : 'a string';
  if (min !== undefined && max !== undefined) return `an integer from ${min} to ${max}`;
  if (min !== undefined) return `an integer of at least ${min}`;
  return max !== undefined ? `an integer of at most ${max}` : 'an integer';
}

function formatBytes(bytes: number): string {
  for (const unit of ['gb', 'mb', 'kb'] as const) if (bytes > 0 && bytes % UNITS[unit] === 0) return `${bytes / UNITS[unit]}${unit}`;
  return String(bytes);
}

function helpText(resources: Required<Resources>): string {
  const lines = [
    'Usage: kv-cache [options]',
    '',
    'Set each option by flag (--name value or --name=value), environment variable, or by name in the --config file.',
    'Flags override the environment, which overrides the config file, which overrides the defaults.',
    '',
  ];
  for (const key of KEYS) {
    const option = OPTIONS[key];
    const computed = option.computedDefault?.(resources);
    const fallback = computed ? `${computed.value} (from ${computed.source})` : JSON.stringify(option.default) ?? 'none';
    lines.push(`  --${key} <value> `.padEnd(32) + `env ${envName(key)}`, `      ${option.description}`, `      ${describe(option)}; default ${fallback}`);
  }
  lines.push('  -h, --help', '      print this help and exit', '');
  return lines.join('\n');
}
