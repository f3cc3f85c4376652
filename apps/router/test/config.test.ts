import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, parseBytes, type Config, type ConfigSources } from '../src/config/config';
import { ConfigError, ERROR_CODES, KvError } from '../src/errors';

const MB = 1024 * 1024;
const GB = 1024 * MB;
const resources = {
  cpus: () => ({ count: 3, source: 'test cpus' }),
  memory: () => ({ bytes: 8 * GB, source: 'test memory' }),
};

let dir = '';
const writeFile = (name: string, text: string) => {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
};
const setUp = () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-config-'));
};
const tearDown = () => fs.rmSync(dir, { recursive: true, force: true });

const COMPARED = ['port', 'host', 'workers', 'maxmemory', 'maxmemory-policy', 'proto-max-bulk-len', 'config'] as const;

/** The config with only the options these tests compare (more options may be added later). */
function load(argv: string[], env: NodeJS.ProcessEnv = {}): { config: Config; sources: ConfigSources; full: Config } {
  const result = loadConfig(argv, env, resources);
  if (result.kind !== 'config') throw new Error(`expected a config, got ${result.kind}`);
  const picked: Record<string, unknown> = {};
  for (const key of COMPARED) if (result.config[key] !== undefined) picked[key] = result.config[key];
  return { config: picked as unknown as Config, sources: result.sources, full: result.config };
}

function assertConfigError(argv: string[], env: NodeJS.ProcessEnv, code: string, ...mentions: string[]): string {
  try {
    loadConfig(argv, env, resources);
  } catch (err) {
    assert.instance(err, ConfigError);
    assert.instance(err, KvError);
    const { code: actual, message } = err as ConfigError;
    assert.is(actual, code, message);
    assert.ok(actual in ERROR_CODES, `${actual} is listed in ERROR_CODES`);
    for (const text of mentions) assert.ok(message.includes(text), `"${message}" mentions ${text}`);
    return message;
  }
  assert.unreachable('expected a ConfigError');
  return '';
}

const precedence = suite('loadConfig precedence');
precedence.before(setUp);
precedence.after(tearDown);

precedence('uses the defaults, computing workers and maxmemory from the injected resources', () => {
  const { config, sources, full } = load([]);
  assert.equal(config, { port: 7171, host: '0.0.0.0', workers: 3, maxmemory: 4 * GB, 'maxmemory-policy': 'allkeys-lru', 'proto-max-bulk-len': 500 * MB });
  assert.equal(sources, { workers: 'test cpus', maxmemory: 'test memory' });
  assert.ok(Object.isFrozen(full));
  assert.is(full.requirepass, '', 'no password by default');
});

precedence('takes a dashed option as --name and KV_NAME with underscores', () => {
  assert.is(load(['--proto-max-bulk-len', '2mb']).config['proto-max-bulk-len'], 2 * MB);
  assert.is(load([], { KV_PROTO_MAX_BULK_LEN: '3mb' }).config['proto-max-bulk-len'], 3 * MB);
});

precedence('lets the file override defaults, env override the file and flags override env', () => {
  const file = writeFile('layers.json', JSON.stringify({ port: 1001, host: 'file-host', workers: 4, maxmemory: '10mb' }));
  const env = { KV_CONFIG: file, KV_PORT: '2002', KV_HOST: 'env-host', KV_WORKERS: '5' };
  const { config, sources } = load(['--port', '3003'], env);
  assert.equal(config, { port: 3003, host: 'env-host', workers: 5, maxmemory: 10 * MB, 'maxmemory-policy': 'allkeys-lru', 'proto-max-bulk-len': 500 * MB, config: file });
  assert.equal(sources, { workers: 'env', maxmemory: 'file' });

  const flagged = load(['--workers=6', '--maxmemory', '1GB'], env);
  assert.equal(flagged.config, { port: 2002, host: 'env-host', workers: 6, maxmemory: GB, 'maxmemory-policy': 'allkeys-lru', 'proto-max-bulk-len': 500 * MB, config: file });
  assert.equal(flagged.sources, { workers: 'flag', maxmemory: 'flag' });

  const fromFile = load([], { KV_CONFIG: file });
  assert.equal(fromFile.sources, { workers: 'file', maxmemory: 'file' });
});

precedence('reads the --config flag instead of KV_CONFIG', () => {
  const file = writeFile('flag.json', '{"workers": 2}');
  const { config } = load([`--config=${file}`], { KV_CONFIG: path.join(dir, 'missing.json') });
  assert.is(config.workers, 2);
  assert.is(config.config, file);
});

precedence('treats an empty environment variable as unset', () => {
  assert.is(load([], { KV_PORT: '' }).config.port, 7171);
});

precedence('accepts port 0 and the last of repeated flags', () => {
  assert.is(load(['--port', '9', '--port=0']).config.port, 0);
});

precedence.run();

const bytes = suite('parseBytes');

bytes('reads Redis memory units, case-insensitively', () => {
  const table: [string, number | undefined][] = [
    ['100', 100],
    ['100b', 100],
    ['1k', 1000],
    ['1kb', 1024],
    ['1K', 1000],
    ['1KB', 1024],
    ['1m', 1000000],
    ['1mb', 1048576],
    ['5Mb', 5 * MB],
    ['1g', 1000000000],
    ['1gb', GB],
    ['2GB', 2 * GB],
    ['0', 0],
  ];
  for (const [text, expected] of table) assert.is(parseBytes(text), expected, text);
});

bytes('rejects what Redis rejects', () => {
  for (const text of ['', 'mb', '1.5gb', '-1', '1 mb', ' 1mb', '1tb', '1kbb', '0x10', '1e3', '99999999999999gb']) {
    assert.is(parseBytes(text), undefined, JSON.stringify(text));
  }
});

bytes.run();

const errors = suite('loadConfig errors');
errors.before(setUp);
errors.after(tearDown);

errors('rejects an unknown flag or argument', () => {
  assertConfigError(['--bogus', '1'], {}, 'KV_ERR_UNKNOWN_OPTION', '--bogus', '--workers');
  assertConfigError(['--bogus=1'], {}, 'KV_ERR_UNKNOWN_OPTION', '--bogus');
  assertConfigError(['-p', '1'], {}, 'KV_ERR_UNKNOWN_OPTION', '-p');
  assertConfigError(['serve'], {}, 'KV_ERR_UNKNOWN_OPTION', 'serve');
});

errors('rejects a flag without a value', () => {
  assertConfigError(['--port'], {}, 'KV_ERR_MISSING_VALUE', '--port', 'an integer from 0 to 65535');
  assertConfigError(['--host', '--port', '1'], {}, 'KV_ERR_MISSING_VALUE', '--host');
});

errors('names the flag or variable and what it allows for a bad value', () => {
  const message = assertConfigError(['--workers', '20'], {}, 'KV_ERR_CONFIG');
  assert.is(message, '--workers: must be an integer from 1 to 16 (got "20")');
  assertConfigError(['--workers=0'], {}, 'KV_ERR_CONFIG', '--workers', '(got "0")');
  assertConfigError(['--port', '65536'], {}, 'KV_ERR_CONFIG', '--port', 'from 0 to 65535');
  assertConfigError(['--port', '7.5'], {}, 'KV_ERR_CONFIG', '--port');
  assertConfigError([], { KV_PORT: 'http' }, 'KV_ERR_CONFIG', 'KV_PORT', 'from 0 to 65535');
  assertConfigError(['--host='], {}, 'KV_ERR_CONFIG', '--host', 'non-empty string');
  assertConfigError([], { KV_MAXMEMORY: '512kb' }, 'KV_ERR_CONFIG', 'KV_MAXMEMORY', 'at least 1mb', '"512kb"');
  assertConfigError(['--maxmemory', '1tb'], {}, 'KV_ERR_CONFIG', '--maxmemory', 'kb, m, mb');
});

errors('names the default when a computed default is out of range', () => {
  const tiny = { ...resources, memory: () => ({ bytes: MB, source: 'tiny box' }) };
  assert.throws(() => loadConfig([], {}, tiny), (err: ConfigError) => err.code === 'KV_ERR_CONFIG' && /maxmemory.*tiny box/.test(err.message));
});

errors('rejects an unreadable or non-JSON config file', () => {
  const missing = path.join(dir, 'missing.json');
  assertConfigError(['--config', missing], {}, 'KV_ERR_CONFIG_FILE', '--config', missing);
  assertConfigError([], { KV_CONFIG: missing }, 'KV_ERR_CONFIG_FILE', 'KV_CONFIG', missing);
  const broken = writeFile('broken.json', '{"port": 1,');
  assertConfigError(['--config', broken], {}, 'KV_ERR_CONFIG_FILE', broken, 'not valid JSON');
  const list = writeFile('list.json', '[1, 2]');
  assertConfigError(['--config', list], {}, 'KV_ERR_CONFIG_FILE', list, 'JSON object');
});

errors('rejects an unknown key in the config file, including config itself', () => {
  const file = writeFile('unknown.json', '{"port": 1, "prot": 2}');
  assertConfigError(['--config', file], {}, 'KV_ERR_UNKNOWN_OPTION', file, '"prot"', 'port, host');
  const nested = writeFile('nested.json', '{"config": "other.json"}');
  assertConfigError(['--config', nested], {}, 'KV_ERR_UNKNOWN_OPTION', '"config"');
});

errors('rejects a config file value of the wrong JSON type or range', () => {
  const file = writeFile('values.json', '{"workers": 99}');
  assertConfigError(['--config', file], {}, 'KV_ERR_CONFIG', `${file}: workers`, 'from 1 to 16', '(got 99)');
  const typed = writeFile('typed.json', '{"port": true}');
  assertConfigError(['--config', typed], {}, 'KV_ERR_CONFIG', 'port', '(got true)');
  const nulled = writeFile('nulled.json', '{"port": null}');
  assertConfigError(['--config', nulled], {}, 'KV_ERR_CONFIG', 'port', '(got null)');
});

errors.run();

const help = suite('loadConfig help');

help('returns usage for --help and -h, even beside other flags', () => {
  for (const argv of [['--help'], ['-h'], ['--bogus', '--help'], ['--config', '/nonexistent.json', '-h']]) {
    const result = loadConfig(argv, {}, resources);
    assert.is(result.kind, 'help', argv.join(' '));
  }
});

help('lists every option with its flag, env name, allowed values and default', () => {
  const result = loadConfig(['--help'], {}, resources);
  assert.is(result.kind, 'help');
  const text = result.kind === 'help' ? result.text : '';
  for (const key of ['port', 'host', 'workers', 'maxmemory', 'config']) {
    assert.match(text, `--${key} `);
    assert.match(text, `KV_${key.toUpperCase()}`);
  }
  assert.match(text, 'an integer from 1 to 16; default 3 (from test cpus)');
  assert.match(text, `default ${4 * GB} (from test memory)`);
  assert.match(text, 'an integer from 0 to 65535; default 7171');
  assert.match(text, '-h, --help');
});

help.run();

const admin = suite('loadConfig admin endpoint');
admin.before(setUp);
admin.after(tearDown);

admin('admin-port defaults to 7172 on 127.0.0.1; flag and KV_ADMIN_PORT set it; 0 picks a port, -1 disables', () => {
  assert.is(load([]).full['admin-port'], 7172);
  assert.is(load([]).full['admin-host'], '127.0.0.1');
  assert.is(load(['--admin-port', '0']).full['admin-port'], 0);
  assert.is(load(['--admin-port', '-1']).full['admin-port'], -1);
  assert.is(load([], { KV_ADMIN_PORT: '9000', KV_ADMIN_HOST: '0.0.0.0' }).full['admin-port'], 9000);
  assert.is(load([], { KV_ADMIN_HOST: '0.0.0.0' }).full['admin-host'], '0.0.0.0');
  assertConfigError(['--admin-port', '65536'], {}, 'KV_ERR_CONFIG', '--admin-port', 'from -1 to 65535');
  assertConfigError(['--admin-port', '-2'], {}, 'KV_ERR_CONFIG', '--admin-port');
});

admin.run();

const logLevel = suite('loadConfig log level');
logLevel.before(setUp);
logLevel.after(tearDown);

logLevel('log-level defaults to info; the file, KV_LOG_LEVEL and the flag set it in that order; other values are refused', () => {
  assert.is(load([]).full['log-level'], 'info');
  const file = writeFile('log.json', JSON.stringify({ 'log-level': 'error' }));
  assert.is(load(['--config', file]).full['log-level'], 'error');
  assert.is(load(['--config', file], { KV_LOG_LEVEL: 'warn' }).full['log-level'], 'warn');
  assert.is(load(['--config', file, '--log-level', 'debug'], { KV_LOG_LEVEL: 'warn' }).full['log-level'], 'debug');
  assertConfigError(['--log-level', 'verbose'], {}, 'KV_ERR_CONFIG', '--log-level', 'one of debug, info, warn, error');
  assertConfigError([], { KV_LOG_LEVEL: 'INFO' }, 'KV_ERR_CONFIG', 'KV_LOG_LEVEL');
});

logLevel.run();

const inputLimits = suite('loadConfig input limits');
inputLimits.before(setUp);
inputLimits.after(tearDown);

inputLimits('text-max-line defaults to the seed\'s 518 bytes and may be raised to 64kb, never lowered', () => {
  assert.is(load([]).full['text-max-line'], 518);
  assert.is(load(['--text-max-line', '4kb']).full['text-max-line'], 4096);
  assert.is(load([], { KV_TEXT_MAX_LINE: '64kb' }).full['text-max-line'], 65536);
  assertConfigError(['--text-max-line', '517'], {}, 'KV_ERR_CONFIG', '--text-max-line', 'at least 518 and at most 64kb');
  assertConfigError(['--text-max-line', '65537'], {}, 'KV_ERR_CONFIG', '--text-max-line');
});

inputLimits('client-query-buffer-limit defaults to 64mb, from 1mb to 1gb', () => {
  assert.is(load([]).full['client-query-buffer-limit'], 64 * MB);
  assert.is(load(['--client-query-buffer-limit', '1gb']).full['client-query-buffer-limit'], GB);
  assert.is(load([], { KV_CLIENT_QUERY_BUFFER_LIMIT: '2mb' }).full['client-query-buffer-limit'], 2 * MB);
  assertConfigError(['--client-query-buffer-limit', '512kb'], {}, 'KV_ERR_CONFIG', 'at least 1mb and at most 1gb');
  assertConfigError(['--client-query-buffer-limit', '2gb'], {}, 'KV_ERR_CONFIG', '--client-query-buffer-limit');
});

inputLimits.run();
