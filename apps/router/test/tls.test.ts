import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig } from '../src/config/config';
import { ConfigError } from '../src/errors';
import { readTlsFiles } from '../src/client/tls';
import { selfSignedCert, type CertFiles } from './tls-fixture';

const resources = { cpus: () => ({ count: 2, source: 'test' }), memory: () => ({ bytes: 2 ** 30, source: 'test' }) };
let dir = '';
let files: CertFiles;

function configError(argv: string[], env: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    loadConfig(argv, env, resources);
  } catch (err) {
    assert.instance(err, ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a ConfigError for ${argv.join(' ')}`);
}

const t = suite('tls: certificate and key at start-up');

t.before(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-tls-unit-'));
  files = selfSignedCert(dir);
});
t.after(() => fs.rmSync(dir, { recursive: true, force: true }));

t('reads a matching pair once, as text to send to the workers', () => {
  const pem = readTlsFiles(files.cert, files.key, (option) => `--${option}`);
  assert.is(pem.cert, files.certPem);
  assert.match(pem.key, /-----BEGIN PRIVATE KEY-----/);
});

t('TLS is off by default and with --tls-port 0, whatever the files say', () => {
  const result = loadConfig(['--tls-cert', path.join(dir, 'none')], {}, resources);
  assert.is(result.kind === 'config' && result.config['tls-port'], 0);
});

t('takes the port and files from flags, the environment or the config file', () => {
  const file = path.join(dir, 'kv.json');
  fs.writeFileSync(file, JSON.stringify({ 'tls-port': 6380, 'tls-cert': files.cert, 'tls-key': files.key }));
  for (const [argv, env] of [
    [['--tls-port', '6380', '--tls-cert', files.cert, '--tls-key', files.key], {}],
    [[], { KV_TLS_PORT: '6380', KV_TLS_CERT: files.cert, KV_TLS_KEY: files.key }],
    [['--config', file], {}],
  ] as [string[], NodeJS.ProcessEnv][]) {
    const result = loadConfig(argv, env, resources);
    assert.ok(result.kind === 'config');
    if (result.kind !== 'config') continue;
    assert.equal([result.config['tls-port'], result.config['tls-cert'], result.config['tls-key']], [6380, files.cert, files.key]);
  }
});

t('a TLS port needs both files, named by flag and variable', () => {
  let err = configError(['--tls-port', '6380', '--tls-key', files.key]);
  assert.is(err.code, 'KV_ERR_CONFIG');
  assert.is(err.message, '--tls-cert (or KV_TLS_CERT): required with --tls-port, must be a PEM file');
  err = configError([], { KV_TLS_PORT: '6380', KV_TLS_CERT: files.cert });
  assert.is(err.message, '--tls-key (or KV_TLS_KEY): required with KV_TLS_PORT, must be a PEM file');
});

t('an unreadable or unusable file is named by the option that gave it', () => {
  const missing = path.join(dir, 'missing.pem');
  const garbage = path.join(dir, 'garbage.pem');
  fs.writeFileSync(garbage, 'not a certificate\n');
  const otherKey = path.join(dir, 'other.key');
  fs.writeFileSync(otherKey, generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
    [['--tls-cert', missing, '--tls-key', files.key], {}, new RegExp(`^--tls-cert: cannot read ${missing} \\(ENOENT`)],
    [['--tls-cert', files.cert], { KV_TLS_KEY: missing }, new RegExp(`^KV_TLS_KEY: cannot read ${missing} \\(ENOENT`)],
    [['--tls-cert', garbage, '--tls-key', files.key], {}, new RegExp(`^--tls-cert: ${garbage} is not a PEM certificate \\(`)],
    [['--tls-cert', files.cert, '--tls-key', garbage], {}, /^--tls-key: .* is not an unencrypted PEM private key matching/],
    [['--tls-cert', files.cert, '--tls-key', otherKey], {}, /^--tls-key: .* matching .*key values mismatch/],
  ];
  for (const [argv, env, message] of cases) {
    const err = configError(['--tls-port', '6380', ...argv], env);
    assert.is(err.code, 'KV_ERR_TLS_FILE');
    assert.match(err.message, message);
  }
});

t.run();
