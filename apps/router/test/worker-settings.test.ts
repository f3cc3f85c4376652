import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, type Config } from '../src/config/config';
import { OPTION_NAMES, OPTIONS, SECRET_OPTIONS } from '../src/config/options';
import { readWorkerEnv, routerSettings, workerConfig, workerEnv } from '../src/config/worker-settings';
import { WORKER_ENV } from '../src/primary/messages';
import { initialMap } from '../src/primary/shard-map';
import { selfSignedCert } from './tls-fixture';

const MB = 1024 * 1024;
const start = { index: 2, map: initialMap(3), peerPath: '/run/kv/w2.1.sock', restarts: 1 };

/** The settings a worker forked for `config` reads back from its environment. */
const roundTrip = (config: Config) => readWorkerEnv(workerEnv(config, start));

const t = suite('router:worker settings');

t('the schema marks requirepass secret, and only it', () => {
  assert.equal(SECRET_OPTIONS, ['requirepass']);
  for (const key of OPTION_NAMES) assert.is(OPTIONS[key].secret === true, (SECRET_OPTIONS as string[]).includes(key), key);
});

t('every option of the schema but the secret ones reaches a worker, with its value', () => {
  // A distinct value for every option, whatever the schema holds (a new option is covered as it is added).
  const config = Object.fromEntries(OPTION_NAMES.map((key, i) => [key, OPTIONS[key].type === 'integer' ? 1000 + i : `value-of-${key}`])) as unknown as Config;
  const env = workerEnv(config, start);
  const { settings } = readWorkerEnv(env);
  for (const key of OPTION_NAMES) {
    if ((SECRET_OPTIONS as string[]).includes(key)) continue;
    assert.is((settings.config as Record<string, unknown>)[key], config[key], `${key} reaches the worker`);
  }
  assert.equal(Object.keys(settings.config).sort(), OPTION_NAMES.filter((k) => !(SECRET_OPTIONS as string[]).includes(k)).sort());
  // The secrets are nowhere in the environment (diagnostic reports copy it): they go by message.
  for (const key of SECRET_OPTIONS) {
    assert.not.ok(key in settings.config, `${key} is not in the settings`);
    for (const value of Object.values(env)) assert.not.ok(value.includes(String(config[key])), `${key}'s value is not in the environment`);
  }
});

t("a worker's environment: its index, map, peer socket, log level and restarts", () => {
  const { config } = loadConfig(['--workers', '3', '--maxclients', '100', '--log-level', 'warn', '--requirepass', 'hunter2'], {}) as { config: Config };
  const env = workerEnv(config, start);
  assert.is(env[WORKER_ENV.logLevel], 'warn');
  const read = readWorkerEnv(env);
  assert.equal({ index: read.index, map: read.map, peerPath: read.peerPath }, { index: 2, map: initialMap(3), peerPath: '/run/kv/w2.1.sock' });
  assert.is(read.settings.restarts, 1);
  assert.is(read.settings.config.maxclients, 100);
  assert.not.ok(JSON.stringify(env).includes('hunter2'));
  // workerConfig copies, leaving the primary's config as it was.
  assert.is(workerConfig(config).maxclients, 100);
  assert.is(config.requirepass, 'hunter2');
});

t("the router's limits come from the config, the worker's share and restarts; no password until the message", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-settings-'));
  try {
    const cert = selfSignedCert(dir);
    const argv = [
      ['--port', '7001'],
      ['--host', '127.0.0.2'],
      ['--workers', '3'],
      ['--maxmemory', '200mb'],
      ['--maxmemory-policy', 'volatile-lru'],
      ['--proto-max-bulk-len', '2mb'],
      ['--maxclients', '100'],
      ['--timeout', '30'],
      ['--tcp-keepalive', '60'],
      ['--client-output-limit', '3mb'],
      ['--client-query-buffer-limit', '4mb'],
      ['--text-max-line', '4096'],
      ['--client-output-buffer-limit', 'pubsub 2mb 1mb 5'],
      ['--notify-keyspace-events', 'Kx$'],
      ['--protected-mode', 'no'],
      ['--requirepass', 'hunter2'],
      ['--tls-port', '7002'],
      ['--tls-cert', cert.cert],
      ['--tls-key', cert.key],
    ].flat();
    const { config } = loadConfig(argv, {}) as { config: Config };
    const { settings } = roundTrip(config);
    assert.is(settings.config['maxmemory-policy'], 'volatile-lru');
    assert.is(settings.config['tls-cert'], cert.cert);
    assert.equal(routerSettings(settings), {
      restarts: 1,
      protectedMode: false,
      maxclientsTotal: 100,
      luaTimeLimit: 5000,
      timeout: 30,
      tcpKeepalive: 60,
      clientOutputLimit: 3 * MB,
      requirepass: '',
      protoMaxBulkLen: 2 * MB,
      clientQueryBufferLimit: 4 * MB,
      textMaxLine: 4096,
      outputLimits: {
        pubsub: { hard: 2 * MB, soft: MB, softSeconds: 5 },
        normal: { hard: 0, soft: 0, softSeconds: 0 },
        replica: { hard: 256 * MB, soft: 64 * MB, softSeconds: 60 },
      },
      notifyKeyspaceEvents: (1 << 0) | (1 << 8) | (1 << 3),
      maxmemory: 200 * MB,
      port: 7001,
      host: '127.0.0.2',
    });
    const defaults = routerSettings(roundTrip((loadConfig(['--workers', '1'], {}) as { config: Config }).config).settings);
    assert.is(defaults.protectedMode, true);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

t.run();
