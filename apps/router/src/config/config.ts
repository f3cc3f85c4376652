import * as fs from 'node:fs';
import Ajv, { type ErrorObject } from 'ajv';
import { ConfigError } from '../errors';
import { readTlsFiles } from '../client/tls';
import { envName, OPTION_NAMES as KEYS, OPTIONS, type Config, type OptionSchema, type Resources } from './options';
import { parseOutputLimits } from '../pubsub/output-limit';
import { availableCpus, memoryLimit } from './resources';

export type { Config, Resources } from './options';

/** Where the effective workers/maxmemory came from: "flag", "env", "file", or the resource source for defaults. */
export interface ConfigSources {
  workers: string;
  maxmemory: string;
}

export type LoadResult = { kind: 'help'; text: string } | { kind: 'config'; config: Config; sources: ConfigSources };

const validate = new Ajv({ coerceTypes: true, useDefaults: true }).compile({
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(
    Object.entries(OPTIONS).map(([key, { bytes, computedDefault, env, secret, patternHelp, ...jsonSchema }]) => [key, jsonSchema]),
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
  if (typeof parseOutputLimits((values as unknown as Config)['client-output-buffer-limit']) === 'string') throw badValue(settings['client-output-buffer-limit']!, OPTIONS['client-output-buffer-limit']);
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
  if (option.patternHelp) return option.patternHelp;
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
  lines.push('  -h, --help', '      print this help and exit', '', ...SIZING);
  return lines.join('\n');
}

/** How to size a server, with the memory an idle worker costs (measured: BENCHMARKS.md, "Accepting clients"). */
const SIZING = [
  'Sizing for a machine or a container:',
  '  --workers: one per CPU the server may use (the default counts the cgroup CPU quota, the affinity',
  '    mask and the machine). Give fewer when other busy processes share those CPUs (an application',
  '    server, a load generator): a worker is one event loop, and more workers than free CPUs add',
  '    forwarding between workers, not throughput. Each worker costs about 50 MB of memory idle (30 MB',
  '    with --warmup-ms 0; it takes the rest on with its first burst of clients), the primary about',
  '    75 MB (PSS without the warm-up: 1 worker 107 MB in all, 2 workers 135 MB, 4 workers 193 MB).',
  '  --maxmemory: the bytes cached data may take (each entry is charged its block plus 40 bytes).',
  "    The server's resident memory is about maxmemory x 1.1 + 80 MB + 50 MB per worker + 7 KB per",
  '    idle client + what clients leave unread (up to --client-output-limit each). In a container',
  '    with memory limit L, the default, L / 2, leaves room for that; with many clients or workers',
  '    keep maxmemory <= (L - 80 MB - 50 MB x workers - 7 KB x maxclients) / 1.1.',
  '',
];
