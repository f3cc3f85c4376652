import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hidden, suiteUnless } from '../../../test-support/skip';
import { RespClient, sleep, startCluster, TextClient, type Cluster, type Resp } from './harness';

// infra/twemproxy/nutcracker.yml in front of two real instances on loopback: keys set through the
// proxy read back through it, spread over both instances, and sit on the instance that ketama over
// fnv1a_64 of the key and the node names predicts (a model of nutcracker's hashkit, below). Skipped,
// with a note, when nutcracker is not installed (Debian: apt-get install -y nutcracker).

const ROOT = path.resolve(__dirname, '../../..');
const EXAMPLE = path.join(ROOT, 'infra/twemproxy/nutcracker.yml');
const KEYS = 200;

/** nutcracker from PATH, else Debian's /usr/sbin (not on a non-root user's PATH). */
function findNutcracker(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) {
    if (!dir) continue;
    const file = path.join(dir, 'nutcracker');
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

// ---- The example pool, and the same pool pointed at this test's instances ----------------------

interface Pool {
  name: string;
  options: Map<string, string>;
  servers: { weight: number; name: string }[];
}

/** Reads the one pool of the example: its options (top-level keys) and `host:port:weight name` servers. */
function readPool(text: string): Pool {
  const lines = text.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const pools = lines.filter((l) => /^\S[^:]*:\s*$/.test(l));
  assert.is(pools.length, 1, 'the example has one pool');
  const pool: Pool = { name: pools[0].replace(/:\s*$/, ''), options: new Map(), servers: [] };
  for (const line of lines) {
    const option = /^ {2}(\w+):\s*(.*?)\s*$/.exec(line);
    if (option) pool.options.set(option[1], option[2]);
    const server = /^\s+-\s+([^\s:]+):(\d+):(\d+)(?:\s+(\S+))?\s*$/.exec(line);
    if (server) {
      assert.ok(server[4], `${line.trim()}: the example names its servers (ketama then hashes the names)`);
      pool.servers.push({ weight: Number(server[3]), name: server[4] });
    }
  }
  return pool;
}

/** The example with `listen` and the first ports.length server addresses rewritten, the rest dropped. */
function rewritePool(text: string, listenPort: number, ports: number[]): string {
  let index = 0;
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (/^ {2}listen:/.test(line)) {
      out.push(`  listen: 127.0.0.1:${listenPort}`);
      continue;
    }
    const server = /^(\s+-\s+)[^\s:]+:\d+(:\d+.*)$/.exec(line);
    if (server) {
      if (index < ports.length) out.push(`${server[1]}127.0.0.1:${ports[index]}${server[2]}`);
      index++;
      continue;
    }
    out.push(line);
  }
  assert.ok(index >= ports.length, `the example lists at least ${ports.length} servers`);
  return out.join('\n');
}

// ---- A model of nutcracker's placement (src/hashkit: nc_fnv.c, nc_ketama.c) --------------------

/** nutcracker's fnv1a_64: the 64-bit offset and prime cut to 32 bits, on a 32-bit hash. */
function fnv1a64(key: string): number {
  let hash = 0x84222325;
  for (let i = 0; i < key.length; i++) hash = Math.imul((hash ^ key.charCodeAt(i)) >>> 0, 0x1b3) >>> 0;
  return hash;
}

/** The continuum: 160 points per server at equal weight, 4 per md5 of `name-i`, sorted. */
function ketamaRing(servers: { weight: number; name: string }[]): { value: number; server: number }[] {
  const total = servers.reduce((sum, s) => sum + s.weight, 0);
  const points: { value: number; server: number }[] = [];
  servers.forEach((s, server) => {
    const pct = Math.fround(s.weight / total);
    const perServer = Math.floor(Math.fround(pct * 40 * servers.length + 1e-10)) * 4;
    for (let i = 0; i < perServer / 4; i++) {
      const digest = crypto.createHash('md5').update(`${s.name}-${i}`).digest();
      for (let x = 0; x < 4; x++) points.push({ value: digest.readUInt32LE(x * 4), server });
    }
  });
  return points.sort((a, b) => a.value - b.value);
}

/** The first point at or after the key's hash, wrapping to the first. */
function ketamaServer(ring: { value: number; server: number }[], key: string): number {
  const hash = fnv1a64(key);
  let left = 0;
  let right = ring.length;
  while (left < right) {
    const middle = (left + right) >>> 1;
    if (ring[middle].value < hash) left = middle + 1;
    else right = middle;
  }
  return ring[right === ring.length ? 0 : right].server;
}

// ---- nutcracker as a child process -------------------------------------------------------------

interface Proxy {
  port: number;
  statsPort: number;
  child: ChildProcess;
  logFile: string;
  stop(): Promise<void>;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Writes the pool for these instances and starts nutcracker on free loopback ports, once it accepts. */
async function startProxy(bin: string, dir: string, example: string, instancePorts: number[], extra = ''): Promise<Proxy> {
  let lastError: unknown = null;
  // A free port can be taken between the probe and nutcracker's bind: try again with new ones.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const statsPort = await freePort();
    const conf = path.join(dir, `nutcracker-${port}.yml`);
    const logFile = path.join(dir, `nutcracker-${port}.log`);
    fs.writeFileSync(conf, rewritePool(example, port, instancePorts) + extra);
    const child = spawn(bin, ['-c', conf, '-s', String(statsPort), '-a', '127.0.0.1', '-o', logFile], { stdio: 'ignore' });
    live.add(child);
    const exited = new Promise<void>((resolve) =>
      child.on('exit', () => {
        live.delete(child);
        resolve();
      }),
    );
    const proxy: Proxy = {
      port,
      statsPort,
      child,
      logFile,
      stop: async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        }
      },
    };
    try {
      await waitAccepting(port, child, 5_000);
      return proxy;
    } catch (err) {
      lastError = new Error(`${(err as Error).message}; nutcracker log: ${readLog(logFile)}`);
      await proxy.stop();
    }
  }
  throw lastError;
}

function readLog(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return '(none)';
  }
}

async function waitAccepting(port: number, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`nutcracker exited (${child.exitCode ?? child.signalCode})`);
    const ok = await new Promise<boolean>((resolve) => {
      const socket = net.createConnection({ port, host: '127.0.0.1' });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nutcracker did not accept on ${port} in ${timeoutMs} ms`);
    await sleep(50);
  }
}

function testConf(bin: string, file: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(bin, ['-t', '-c', file], { timeout: 10_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? -1) : 0, output: stdout + stderr });
    });
  });
}

// ---- The suites --------------------------------------------------------------------------------

const nutcracker = hidden('nutcracker') ? null : findNutcracker();
const noProxy = nutcracker === null ? 'nutcracker is not installed (apt-get install -y nutcracker)' : null;
// Without nutcracker each test is reported skipped, by name, and counted (test-support/skip.ts).
const T_NAME = 'twemproxy: infra/twemproxy/nutcracker.yml over two instances';
const AUTH_NAME = 'twemproxy: redis_auth with --requirepass';
const t = suiteUnless(suite(T_NAME), T_NAME, noProxy);
const auth = suiteUnless(suite(AUTH_NAME), AUTH_NAME, noProxy);

{
  const bin = nutcracker ?? '';
  const example = fs.readFileSync(EXAMPLE, 'utf8');
  let pool: Pool;
  const token = crypto.randomBytes(4).toString('hex');
  const keyOf = (i: number) => `twem:${i}`;
  const valueOf = (i: number) => `v${i}-${token}`;
  let dir = '';
  let instances: Cluster[] = [];
  let proxy: Proxy | null = null;
  let setup: unknown = null;
  const started = () => {
    if (setup !== null) throw setup;
  };

  t.before(async () => {
    try {
      pool = readPool(example);
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-twem-'));
      // One instance with one worker, one with two: nutcracker must not care how an instance shards inside.
      instances = await Promise.all([startCluster({ workers: 1 }), startCluster({ workers: 2 })]);
      proxy = await startProxy(bin, dir, example, instances.map((c) => c.port));
    } catch (err) {
      setup = err;
    }
  });

  t.after(async () => {
    if (proxy) await proxy.stop();
    await Promise.all(instances.map((c) => c.stop()));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  t('the example pool is what the test relies on, and nutcracker -t accepts it', async () => {
    const declared = readPool(example);
    assert.is(declared.options.get('redis'), 'true');
    assert.is(declared.options.get('hash'), 'fnv1a_64', 'the ketama model below hashes with fnv1a_64');
    assert.is(declared.options.get('distribution'), 'ketama');
    assert.ok(declared.servers.length >= 2, 'at least two servers');
    const result = await testConf(bin, EXAMPLE);
    assert.is(result.code, 0, result.output);
    assert.match(result.output, /syntax is ok/);
  });

  t(`SET ${KEYS} keys through the proxy, GET them back through it`, async () => {
    started();
    const c = await RespClient.connect(proxy!.port);
    const keys = Array.from({ length: KEYS }, (_, i) => i);
    const sets = await c.pipeline(keys.map((i) => ['SET', keyOf(i), valueOf(i)]));
    assert.equal(sets, new Array(KEYS).fill('OK'));
    const gets = await c.pipeline(keys.map((i) => ['GET', keyOf(i)]));
    assert.equal(gets, keys.map(valueOf));
    assert.is(await c.call('GET', 'twem:never-set'), null);
    c.close();
  });

  t('keys spread over both instances, each key on the instance ketama puts it, no copies', async () => {
    started();
    const ring = ketamaRing(pool.servers.slice(0, instances.length));
    const direct = await Promise.all(instances.map((c) => RespClient.connect(c.port)));
    const sizes = (await Promise.all(direct.map((c) => c.call('DBSIZE')))) as number[];
    const predicted = instances.map(() => 0);
    for (let i = 0; i < KEYS; i++) predicted[ketamaServer(ring, keyOf(i))]++;
    console.log(`  twemproxy: ${KEYS} keys -> ${pool.servers.slice(0, instances.length).map((s, n) => `${s.name} ${sizes[n]}`).join(', ')} (ketama model: ${predicted.join(', ')})`);
    assert.is(sizes.reduce((a, b) => a + b, 0), KEYS, 'every key is on exactly one instance');
    for (const [n, size] of sizes.entries()) assert.ok(size > KEYS * 0.2, `instance ${n} holds a fair share: ${size} of ${KEYS}`);
    // Read each key straight from the instance the model picks, and check the other has none of it.
    for (const [n, c] of direct.entries()) {
      const values = (await c.pipeline(Array.from({ length: KEYS }, (_, i) => ['GET', keyOf(i)]))) as Resp[];
      for (let i = 0; i < KEYS; i++) {
        const expected = ketamaServer(ring, keyOf(i)) === n ? valueOf(i) : null;
        assert.is(values[i], expected, `${keyOf(i)} on instance ${n}`);
      }
    }
    assert.equal(sizes, predicted);
    for (const c of direct) c.close();
  });

  t('MGET and MSET across instances are split by the proxy and answered in key order', async () => {
    started();
    const ring = ketamaRing(pool.servers.slice(0, instances.length));
    const batch = Array.from({ length: 50 }, (_, i) => i * 3);
    const owners = new Set(batch.map((i) => ketamaServer(ring, keyOf(i))));
    assert.is(owners.size, instances.length, 'the batch spans every instance');
    const c = await RespClient.connect(proxy!.port);
    const mget = await c.call('MGET', ...batch.map(keyOf), 'twem:never-set');
    assert.equal(mget, [...batch.map(valueOf), null]);
    const pairs = batch.flatMap((i) => [`twem:m${i}`, `m${i}-${token}`]);
    assert.is(await c.call('MSET', ...pairs), 'OK');
    assert.equal(await c.call('MGET', ...batch.map((i) => `twem:m${i}`)), batch.map((i) => `m${i}-${token}`));
    // The MSET's keys went where single-key commands for them go.
    const direct = await Promise.all(instances.map((i) => RespClient.connect(i.port)));
    for (const i of batch) {
      const key = `twem:m${i}`;
      assert.is(await direct[ketamaServer(ring, key)].call('GET', key), `m${i}-${token}`, `${key} on its ketama instance`);
    }
    assert.is(await c.call('DEL', ...batch.map((i) => `twem:m${i}`)), batch.length);
    for (const d of direct) d.close();
    c.close();
  });

  t('DEL across instances through the proxy counts and removes on each instance', async () => {
    started();
    const ring = ketamaRing(pool.servers.slice(0, instances.length));
    const doomed = Array.from({ length: 30 }, (_, i) => i * 5 + 1);
    const c = await RespClient.connect(proxy!.port);
    assert.is(await c.call('DEL', ...doomed.map(keyOf), 'twem:never-set'), doomed.length);
    assert.equal(await c.call('MGET', ...doomed.map(keyOf)), doomed.map(() => null));
    c.close();
    const direct = await Promise.all(instances.map((i) => RespClient.connect(i.port)));
    const sizes = (await Promise.all(direct.map((d) => d.call('DBSIZE')))) as number[];
    const expected = instances.map(() => 0);
    const gone = new Set(doomed);
    for (let i = 0; i < KEYS; i++) if (!gone.has(i)) expected[ketamaServer(ring, keyOf(i))]++;
    assert.equal(sizes, expected, 'each instance lost exactly its own deleted keys');
    assert.is(sizes.reduce((a, b) => a + b, 0), KEYS - doomed.length);
    for (const d of direct) d.close();
  });

  t('the text protocol does not go through the proxy: nutcracker closes the connection', async () => {
    started();
    const c = await TextClient.connect(proxy!.port);
    c.send('PUT twem:text v\n');
    const deadline = Date.now() + 5_000;
    while (!c.closed && Date.now() < deadline) await sleep(20);
    assert.ok(c.closed, 'closed');
    c.close();
    const direct = await RespClient.connect(instances[0].port);
    assert.is(await direct.call('EXISTS', 'twem:text'), 0);
    direct.close();
  });

  // ---- With a password: nutcracker AUTHs to each instance on connect, clients AUTH to nutcracker --

  const PASSWORD = `twem-${token}`;
  let authDir = '';
  let authInstances: Cluster[] = [];
  let authProxy: Proxy | null = null;
  let authSetup: unknown = null;

  auth.before(async () => {
    try {
      authDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-twem-auth-'));
      authInstances = await Promise.all([1, 1].map((workers) => startCluster({ workers, env: { KV_PASSWORD: PASSWORD } })));
      const withAuth = example.replace(/^ {2}# redis_auth: .*$/m, `  redis_auth: ${PASSWORD}`);
      assert.is.not(withAuth, example, 'the example shows redis_auth, commented out');
      authProxy = await startProxy(bin, authDir, withAuth, authInstances.map((c) => c.port));
    } catch (err) {
      authSetup = err;
    }
  });

  auth.after(async () => {
    if (authProxy) await authProxy.stop();
    await Promise.all(authInstances.map((c) => c.stop()));
    if (authDir) fs.rmSync(authDir, { recursive: true, force: true });
  });

  auth('clients AUTH to nutcracker; nutcracker AUTHs to both instances', async () => {
    if (authSetup !== null) throw authSetup;
    const c = await RespClient.connect(authProxy!.port);
    const refused = await c.call('GET', 'twem:a');
    assert.ok(typeof refused === 'object' && refused !== null && 'error' in refused && /^NOAUTH/.test(refused.error), JSON.stringify(refused));
    const wrong = await c.call('AUTH', 'wrong');
    assert.ok(typeof wrong === 'object' && wrong !== null && 'error' in wrong, `a wrong password is refused: ${JSON.stringify(wrong)}`);
    assert.is(await c.call('AUTH', PASSWORD), 'OK');
    const keys = Array.from({ length: 40 }, (_, i) => keyOf(i));
    assert.equal(await c.pipeline(keys.map((k) => ['SET', k, k])), keys.map(() => 'OK'));
    assert.equal(await c.call('MGET', ...keys), keys);
    c.close();
    // Both instances hold their share, so nutcracker's AUTH worked on its connection to each.
    const ring = ketamaRing(readPool(example).servers.slice(0, authInstances.length));
    const predicted = authInstances.map(() => 0);
    for (const key of keys) predicted[ketamaServer(ring, key)]++;
    assert.ok(predicted.every((n) => n > 0), `the keys span both instances: ${predicted.join(', ')}`);
    const sizes: number[] = [];
    for (const instance of authInstances) {
      const d = await RespClient.connect(instance.port);
      assert.is(await d.call('AUTH', PASSWORD), 'OK');
      sizes.push((await d.call('DBSIZE')) as number);
      d.close();
    }
    assert.equal(sizes, predicted);
  });
}

t.run();
auth.run();
