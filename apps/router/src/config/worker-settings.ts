import { WORKER_ENV } from '../primary/messages';
import type { ShardMap } from '../primary/shard-map';
import type { RouterSettings } from '../worker/router';
import { SECRET_OPTIONS, type Config, type SecretOption } from './options';
import { parseOutputLimits } from '../pubsub/output-limit';
import { parseKeyspaceEvents } from '@kv/node';

/** The options a worker finds in its environment: every option of the schema but the secret ones. */
export type WorkerConfig = Omit<Config, SecretOption>;

/** What the primary puts in a worker's environment (WORKER_ENV.config), as JSON. */
export interface WorkerSettings {
  config: WorkerConfig;
  /** Times the primary restarted this worker index before forking this process. */
  restarts: number;
}

/** One forked worker's start: its index, the map and peer socket path it starts with, and its settings. */
export interface WorkerStart {
  index: number;
  map: ShardMap;
  peerPath: string;
  settings: WorkerSettings;
}

/** The config without its secrets (the password goes by the 'password' message, TLS material by 'tls'). */
export function workerConfig(config: Config): WorkerConfig {
  const copy: Record<string, unknown> = { ...config };
  for (const key of SECRET_OPTIONS) delete copy[key];
  return copy as WorkerConfig;
}

/** The environment of a worker the primary forks: nothing secret, everything else the schema holds. */
export function workerEnv(config: Config, start: Omit<WorkerStart, 'settings'> & Omit<WorkerSettings, 'config'>): Record<string, string> {
  const settings: WorkerSettings = { config: workerConfig(config), restarts: start.restarts };
  return {
    [WORKER_ENV.index]: String(start.index),
    [WORKER_ENV.map]: JSON.stringify(start.map),
    [WORKER_ENV.peerPath]: start.peerPath,
    [WORKER_ENV.logLevel]: config['log-level'],
    [WORKER_ENV.config]: JSON.stringify(settings),
    ...mallocEnv(),
  };
}

/**
 * glibc's malloc for the workers: allocations of 128 KiB and more are mapped on their own, so
 * the store's arrays, which grow by doubling, give the old copy back to the system when they are
 * freed rather than leaving it in malloc's heap (measured: 109 -> 98 bytes of RSS per key for 1M
 * keys of 32-byte values, whose arrays hold 96.5). A fixed threshold also stops glibc raising it
 * after such a free. The operator's own setting wins.
 */
export function mallocEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  return env.MALLOC_MMAP_THRESHOLD_ === undefined ? { MALLOC_MMAP_THRESHOLD_: '131072' } : {};
}

/** What workerEnv put in the environment, read back in the worker. */
export function readWorkerEnv(env: NodeJS.ProcessEnv): WorkerStart {
  return {
    index: Number(env[WORKER_ENV.index]),
    map: JSON.parse(env[WORKER_ENV.map]!) as ShardMap,
    peerPath: env[WORKER_ENV.peerPath]!,
    settings: JSON.parse(env[WORKER_ENV.config]!) as WorkerSettings,
  };
}

/** The router's limits, from the worker's settings; no password yet (the 'password' message sets it). */
export function routerSettings(settings: WorkerSettings): RouterSettings {
  const { config } = settings;
  return {
    restarts: settings.restarts,
    protectedMode: config['protected-mode'] === 'yes',
    maxclientsTotal: config.maxclients,
    timeout: config.timeout,
    luaTimeLimit: config['lua-time-limit'],
    tcpKeepalive: config['tcp-keepalive'],
    clientOutputLimit: config['client-output-limit'],
    requirepass: '',
    protoMaxBulkLen: config['proto-max-bulk-len'],
    clientQueryBufferLimit: config['client-query-buffer-limit'],
    textMaxLine: config['text-max-line'],
    outputLimits: outputLimitsOf(config['client-output-buffer-limit']),
    notifyKeyspaceEvents: parseKeyspaceEvents(config['notify-keyspace-events']),
    maxmemory: config.maxmemory,
    port: config.port,
    host: config.host,
  };
}

/** client-output-buffer-limit as the router keeps it (the primary checked it parses). */
function outputLimitsOf(text: string): RouterSettings['outputLimits'] {
  const parsed = parseOutputLimits(text);
  if (typeof parsed === 'string') throw new Error(`client-output-buffer-limit: ${parsed}`);
  return parsed;
}
