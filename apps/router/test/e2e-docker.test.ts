import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { dockerDaemon, onPath, run, type Daemon } from './docker/daemon';
import { appFiles, buildImage, importStandIns, ROOT, type Build, type Created } from './docker/image';
import { missingTool, Skips } from '../../../test-support/skip';
import { sleep, TextClient, type LogLine } from './harness';

// The image for real: a Docker daemon (the running one, or one this suite starts and stops), a
// stand-in for the FROM image made from this machine's Node, `docker build -f infra/Dockerfile`
// with the legacy builder and with BuildKit, then `docker run --cpus=2 --memory=2g --network host`
// of it: PUT/GET and redis-cli, the HEALTHCHECK, the sizing from the container's limits, and
// `docker stop`. (Not SIGHUP: as PID 1 in its container the kernel drops any signal the server has
// no handler for, so that is tested outside Docker, in e2e-signals.test.ts.) Where no daemon can run, each test is reported
// skipped, by name, with the reason (test-support/skip.ts), and counted as skipped, not passed.

const NAME = 'infra: the Docker image, built and run';
const test = suite(NAME);
const skips = new Skips(NAME);
const created: Created = { images: [] };
let tmp = '';
let daemon: Daemon | null = null;
let skipped: string | null = null;
let setupError: unknown = null;
let builds: Build[] = [];
let started: Promise<void> = Promise.resolve();
let startError: unknown = null;
let image = '';
let container = '';
let port = 0;
let adminPort = 0;

const tag = `kv-cache-test:${process.pid}`;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** False when no daemon can run here (test `name` is reported skipped and returns); throws what the setup threw. */
function ready(name: string): boolean {
  if (skipped !== null) {
    skips.now(name, skipped);
    return false;
  }
  if (setupError !== null) throw setupError;
  return true;
}

/** A test of the image: reported skipped where no daemon can run; `container`: it needs the container started. */
function imageTest(name: string, container: boolean, body: () => Promise<void>): void {
  test(name, async () => {
    if (!(container ? await running(name) : ready(name))) return;
    await body();
  });
}

async function docker(args: string[], timeoutMs = 60_000): Promise<string> {
  const result = await daemon!.docker(args, timeoutMs);
  if (result.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
  return result.stdout.trim();
}

async function logLines(): Promise<LogLine[]> {
  const logs = await daemon!.docker(['logs', container], 15_000);
  return logs.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

async function setup(): Promise<void> {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-docker-'));
  const found = await dockerDaemon(tmp);
  if ('skipped' in found) {
    skipped = found.skipped;
    return;
  }
  daemon = found;
  const cannot = await importStandIns(daemon, tmp, created);
  if (cannot !== null) {
    skipped = cannot;
    return;
  }
  for (const builder of ['legacy', 'BuildKit'] as const) {
    const build = await buildImage(daemon, builder, `${tag}-${builder.toLowerCase()}`, created);
    if (build.result.code !== 0 && build.unavailable === null) {
      throw new Error(`docker build (${builder}) failed in ${build.result.ms} ms:\n${(build.result.stdout + build.result.stderr).slice(-4000)}`);
    }
    console.log(`  docker build with ${builder}: ${build.unavailable ?? `built in ${build.result.ms} ms`}`);
    builds.push(build);
  }
  const built = builds.filter((b) => b.unavailable === null);
  if (built.length === 0) throw new Error(`no builder could build the image: ${builds.map((b) => b.unavailable).join('; ')}`);
  image = built[0].tag;
  // Kept apart from the build, so a container that does not start fails its own tests only.
  started = startContainer().catch((err: unknown) => {
    startError = err;
  });
}

async function startContainer(): Promise<void> {
  port = await freePort();
  adminPort = await freePort();
  container = await docker(
    ['run', '-d', '--cpus=2', '--memory=2g', '--network', 'host', '--health-interval', '1s',
      '-e', `KV_PORT=${port}`, '-e', 'KV_HOST=127.0.0.1', '-e', `KV_ADMIN_PORT=${adminPort}`, image],
  );
  await waitFor(
    'the ready line in docker logs',
    async () => {
      const line = (await logLines()).find((l) => l.message === 'ready');
      if (line === undefined && (await docker(['inspect', '--format', '{{.State.Running}}', container])) !== 'true') {
        const logs = await daemon!.docker(['logs', container], 15_000);
        throw new Error(`the container exited before it was ready:\n${(logs.stdout + logs.stderr).slice(-3000)}`);
      }
      return line;
    },
    30_000,
  );
}

/** False when no daemon can run here (reported); throws why the container did not start. */
async function running(name: string): Promise<boolean> {
  if (!ready(name)) return false;
  await started;
  if (startError !== null) throw startError;
  return true;
}

test.before(async () => {
  try {
    await setup();
  } catch (err) {
    setupError = err;
  }
});

test.after(async () => {
  await started;
  if (daemon !== null) {
    if (container) await daemon.docker(['rm', '-f', container], 30_000);
    for (const name of created.images.reverse()) await daemon.docker(['rmi', '-f', name], 60_000);
    await daemon.stop();
  }
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

imageTest('the legacy builder and BuildKit build the same /app, with every workspace the server loads', false, async () => {
  const built = builds.filter((b) => b.unavailable === null);
  const files = await appFiles(daemon!, built[0].tag);
  // The router's @kv/* dependencies, and theirs, each with its package.json and dist/index.js.
  const byName = new Map<string, string>();
  for (const group of ['libs', 'apps']) {
    for (const dir of fs.readdirSync(path.join(ROOT, group))) {
      const manifest = path.join(ROOT, group, dir, 'package.json');
      if (fs.existsSync(manifest)) byName.set((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name: string }).name, `${group}/${dir}`);
    }
  }
  const needed = new Set<string>();
  const visit = (name: string) => {
    const dir = byName.get(name)!;
    if (needed.has(dir)) return;
    needed.add(dir);
    const deps = (JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> }).dependencies ?? {};
    for (const dep of Object.keys(deps)) if (byName.has(dep)) visit(dep);
  };
  visit('@kv/router');
  assert.ok(needed.has('libs/lua'), 'the server loads @kv/lua');
  for (const dir of needed) {
    assert.ok(files.includes(`/app/${dir}/package.json`), `${dir}/package.json is in the image`);
    assert.ok(files.includes(`/app/${dir}/dist/index.js`), `${dir}/dist/index.js is in the image`);
  }
  assert.not.ok(files.some((f) => f.includes('/src/') || f.endsWith('.ts') && !f.endsWith('.d.ts')), 'no TypeScript sources in the image');
  if (built.length === 2) assert.equal(await appFiles(daemon!, built[1].tag), files, 'both builders give the same files');
  else console.log(`  note: only ${built[0].builder} could build here, so the builders were not compared`);
});

imageTest('the server in the container sized itself from --cpus=2 and --memory=2g', true, async () => {
  const readyLine = (await logLines()).find((l) => l.message === 'ready')!;
  assert.is(readyLine.port, port);
  assert.is(readyLine.workers, 2);
  assert.match(String(readyLine.workers_source), /^cgroup/);
  assert.is(readyLine.maxmemory, 1024 * 1024 * 1024);
  assert.match(String(readyLine.maxmemory_source), /^cgroup .* 2147483648$/);
});

imageTest('answers PUT and GET over the text protocol', true, async () => {
  const client = await TextClient.connect(port);
  try {
    const keys = Array.from({ length: 16 }, (_, i) => `docker:${i}`);
    assert.equal(await client.request(keys.map((k) => `PUT ${k} value of ${k}`)), keys.map(() => 'OK'));
    assert.equal(await client.request([...keys.map((k) => `GET ${k}`), 'GET docker:absent']), [...keys.map((k) => `value of ${k}`), 'NOTFOUND']);
  } finally {
    client.close();
  }
});

const REDIS_CLI_TEST = 'answers redis-cli, and /readyz on its admin port';
if (missingTool('redis-cli') !== null) skips.all([REDIS_CLI_TEST], 'redis-cli is not installed (apt-get install redis-tools)');
else imageTest(REDIS_CLI_TEST, true, async () => {
  const cli = onPath('redis-cli')!;
  const set = await run(cli, ['-p', String(port), 'SET', 'docker:cli', 'from redis-cli'], { timeoutMs: 10_000 });
  assert.is(set.stdout.trim(), 'OK', set.stderr);
  const get = await run(cli, ['-p', String(port), 'GET', 'docker:0'], { timeoutMs: 10_000 });
  assert.is(get.stdout.trim(), 'value of docker:0', get.stderr);
  const readyz = await fetch(`http://127.0.0.1:${adminPort}/readyz`);
  assert.is(readyz.status, 200, await readyz.text());
});

imageTest('the HEALTHCHECK reports healthy', true, async () => {
  const status = await waitFor(
    'health status healthy',
    async () => {
      const s = await docker(['inspect', '--format', '{{.State.Health.Status}}', container]);
      return s === 'healthy' ? s : undefined;
    },
    30_000,
  );
  assert.is(status, 'healthy');
});

imageTest('docker stop drains it: every command read is answered, then it exits 0', true, async () => {
  // A client with a pipelined batch in flight: each command the server read before the stop is
  // answered whole, then the connection closes.
  const socket = net.createConnection({ port, host: '127.0.0.1' });
  socket.on('error', () => {});
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(Array.from({ length: 5000 }, (_, i) => `PUT drain:${i} ${i}\n`).join(''));
  await waitFor('the first reply', async () => (received.length > 0 ? true : undefined), 10_000);
  await docker(['stop', '-t', '15', container], 30_000);
  await Promise.race([closed, sleep(5_000)]);
  socket.destroy();
  assert.ok(received.endsWith('\n'), 'whole replies only');
  const lines = received.slice(0, -1).split('\n');
  assert.ok(lines.every((line) => line === 'OK'), `every reply is OK (${lines.length})`);
  assert.is(await docker(['inspect', '--format', '{{.State.ExitCode}}', container]), '0');
  const logs = await logLines();
  assert.ok(logs.some((l) => l.message === 'shutting down'), 'logs shutting down');
  const stopped = logs.find((l) => l.message === 'stopped');
  assert.ok(stopped, 'logs stopped');
  assert.is(stopped!.exit_code, 0);
});

test.run();
