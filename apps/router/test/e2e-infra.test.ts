import { execFile, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hasTool, suiteUnless } from '../../../test-support/skip';
import { readLogLines, startCluster, TextClient, type Cluster, type LogLine } from './harness';

// Checks the deployment files in infra/ without a Docker engine: the Dockerfile lint, the image's
// CMD and HEALTHCHECK run as they would in the container (WORKDIR = the repository root), and the
// Locust load test against the real server (skipped, with a note, when locust is not installed).

const ROOT = path.resolve(__dirname, '../../..');
const INFRA = path.join(ROOT, 'infra');
const DOCKERFILE = path.join(INFRA, 'Dockerfile');
const LINT = path.join(INFRA, 'lint-dockerfile.mjs');
const LOCUSTFILE = path.join(INFRA, 'locustfile.py');

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion (killed after timeoutMs), capturing its output. */
function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, timeout: opts.timeoutMs ?? 30_000, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string; signal?: NodeJS.Signals }) | null;
        resolve({
          code: e ? (typeof e.code === 'number' ? e.code : null) : 0,
          signal: e?.signal ?? null,
          stdout,
          stderr,
          ms: Date.now() - started,
        });
      },
    );
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

// ---- The runtime stage of infra/Dockerfile, as far as running it outside Docker needs ----------

interface Instruction {
  line: number;
  keyword: string;
  args: string;
}

interface RuntimeStage {
  workdir: string;
  env: Record<string, string>;
  cmd: string[];
  healthcheck: string[];
  copies: { from: string | null; sources: string[]; dest: string }[];
  /** WORKDIR of each named earlier stage. */
  stageWorkdirs: Map<string, string>;
}

function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const start = i;
    let joined = lines[i].trim();
    if (joined === '' || joined.startsWith('#')) continue;
    while (joined.endsWith('\\') && i + 1 < lines.length) joined = joined.slice(0, -1) + ' ' + lines[++i].trim();
    const sp = joined.search(/\s/);
    out.push({ line: start + 1, keyword: joined.slice(0, sp).toUpperCase(), args: joined.slice(sp + 1).trim() });
  }
  return out;
}

function parseRuntimeStage(text: string): RuntimeStage {
  const all = instructions(text);
  const froms = all.map((ins, i) => (ins.keyword === 'FROM' ? i : -1)).filter((i) => i >= 0);
  const stageWorkdirs = new Map<string, string>();
  for (let s = 0; s < froms.length - 1; s++) {
    const alias = /\sAS\s+(\S+)/i.exec(all[froms[s]].args)?.[1];
    const workdirs = all.slice(froms[s], froms[s + 1]).filter((ins) => ins.keyword === 'WORKDIR');
    if (alias) stageWorkdirs.set(alias, workdirs.length ? workdirs[workdirs.length - 1].args : '/');
  }
  const final = all.slice(froms[froms.length - 1] + 1);
  const stage: RuntimeStage = { workdir: '/', env: {}, cmd: [], healthcheck: [], copies: [], stageWorkdirs };
  for (const ins of final) {
    switch (ins.keyword) {
      case 'WORKDIR':
        stage.workdir = ins.args;
        break;
      case 'ENV':
        for (const m of ins.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|\S*)/g)) stage.env[m[1]] = m[3] ?? m[2];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(ins.args) as string[];
        break;
      case 'HEALTHCHECK': {
        const cmd = /\bCMD\s+(\[.*\])\s*$/.exec(ins.args);
        assert.ok(cmd, `HEALTHCHECK in exec form on line ${ins.line}`);
        stage.healthcheck = JSON.parse(cmd![1]) as string[];
        break;
      }
      case 'COPY': {
        const from = /--from=(\S+)/.exec(ins.args)?.[1] ?? null;
        const words = ins.args.split(/\s+/).filter((w) => !w.startsWith('--'));
        stage.copies.push({ from, sources: words.slice(0, -1), dest: words[words.length - 1] });
        break;
      }
    }
  }
  return stage;
}

function withoutKv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !name.startsWith('KV_')));
}

/** The argv to run an exec-form command of the image here: `node` is this Node, paths are under ROOT. */
function localArgv(argv: string[]): [string, string[]] {
  assert.is(argv[0], 'node', `${JSON.stringify(argv)} runs node`);
  return [process.execPath, argv.slice(1)];
}

// ---- (a) the Dockerfile lint --------------------------------------------------------------------

const lint = suite('infra: Dockerfile lint');
let badDir = '';

lint.before(() => {
  badDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-dockerfile-'));
});

lint.after(() => {
  if (badDir) fs.rmSync(badDir, { recursive: true, force: true });
});

lint('infra/Dockerfile passes', async () => {
  const result = await run(process.execPath, [LINT, DOCKERFILE]);
  assert.is(result.code, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /ok/);
});

lint('a Dockerfile breaking every rule fails, one message per rule', async () => {
  const bad = path.join(badDir, 'Dockerfile');
  fs.writeFileSync(
    bad,
    [
      'FROM node:latest',
      'WORKDIR /app',
      'ADD https://example.com/tool.tar.gz /opt/',
      'COPY . .',
      'RUN npm install && \\',
      '    npx tsc -b',
      'EXPOSE 8080',
      'CMD node apps/router/dist/main.js',
      '',
    ].join('\n'),
  );
  const result = await run(process.execPath, [LINT, bad]);
  assert.is(result.code, 1, result.stdout + result.stderr);
  for (const rule of ['multi-stage', 'no-latest', 'no-add-url', 'npm-ci', 'non-root-user', 'expose', 'healthcheck', 'exec-form-cmd']) {
    assert.match(result.stdout, `[${rule}]`, `reports ${rule}:\n${result.stdout}`);
  }
  assert.match(result.stdout, /Dockerfile:5: \[npm-ci\]/, 'names the line');
});

lint('an untagged base, a root USER and HEALTHCHECK NONE fail', async () => {
  const bad = path.join(badDir, 'Dockerfile.2');
  fs.writeFileSync(
    bad,
    [
      'FROM node:24-bookworm-slim AS build',
      'RUN npm ci',
      'FROM node',
      'COPY --from=build /src/dist dist',
      'USER root',
      'EXPOSE 7171',
      'HEALTHCHECK NONE',
      'CMD ["node", "dist/main.js"]',
      '',
    ].join('\n'),
  );
  const result = await run(process.execPath, [LINT, bad]);
  assert.is(result.code, 1, result.stdout);
  for (const rule of ['pinned-base', 'non-root-user', 'healthcheck']) assert.match(result.stdout, `[${rule}]`, result.stdout);
  assert.not.match(result.stdout, '[multi-stage]');
  assert.not.match(result.stdout, '[exec-form-cmd]');
});

lint('a missing file is a usage error (exit 2), not a pass', async () => {
  const result = await run(process.execPath, [LINT, path.join(badDir, 'nope')]);
  assert.is(result.code, 2);
});

/** The workspaces of the repository, as lint-dockerfile's workspaces rule reads them. */
function workspaceDirs(): string[] {
  const patterns = (JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] }).workspaces;
  return patterns.flatMap((pattern) => {
    const group = pattern.replace(/\/\*$/, '');
    return fs.readdirSync(path.join(ROOT, group)).map((name) => `${group}/${name}`).filter((dir) => fs.existsSync(path.join(ROOT, dir, 'package.json')));
  });
}

/** A Dockerfile in the style that names each workspace, as infra/Dockerfile did before: a line per workspace in three lists. */
function listedDockerfile(workspaces: string[]): string {
  const manifests = workspaces.map((dir) => `COPY ${dir}/package.json ${dir}/`);
  return [
    'FROM node:24-bookworm-slim AS build',
    'WORKDIR /src',
    'COPY package.json package-lock.json ./',
    ...manifests,
    'RUN npm ci',
    'COPY libs/ libs/',
    'COPY apps/ apps/',
    'RUN npx tsc -b',
    'FROM node:24-bookworm-slim AS deps',
    'WORKDIR /app',
    'COPY package.json package-lock.json ./',
    ...manifests,
    'RUN npm ci --omit=dev',
    'FROM node:24-bookworm-slim',
    'WORKDIR /app',
    'COPY --from=deps /app/node_modules ./node_modules',
    'COPY package.json package-lock.json ./',
    ...manifests,
    ...workspaces.map((dir) => `COPY --from=build /src/${dir}/dist ${dir}/dist`),
    'USER node',
    'EXPOSE 7171',
    'HEALTHCHECK CMD ["node", "infra/healthcheck.mjs"]',
    'CMD ["node", "apps/router/dist/main.js"]',
    '',
  ].join('\n');
}

lint('workspaces: a Dockerfile that lists the workspaces passes only with all of them (libs/lua missing fails, as infra/Dockerfile did)', async () => {
  const all = workspaceDirs();
  assert.ok(all.includes('libs/lua') && all.length >= 6, all.join(' '));
  const complete = path.join(badDir, 'Dockerfile.listed');
  fs.writeFileSync(complete, listedDockerfile(all));
  const ok = await run(process.execPath, [LINT, complete, '--context', ROOT]);
  assert.is(ok.code, 0, ok.stdout + ok.stderr);

  const withoutLua = path.join(badDir, 'Dockerfile.without-lua');
  fs.writeFileSync(withoutLua, listedDockerfile(all.filter((dir) => dir !== 'libs/lua')));
  const result = await run(process.execPath, [LINT, withoutLua, '--context', ROOT]);
  assert.is(result.code, 1, result.stdout + result.stderr);
  const problems = result.stdout.split('\n').filter((line) => line.includes('[workspaces]'));
  assert.is(problems.length, 3, result.stdout);
  assert.match(problems[0], /npm ci runs without libs\/lua\/package\.json/);
  assert.match(problems[1], /npm ci runs without libs\/lua\/package\.json/);
  assert.match(problems[2], /final stage lacks libs\/lua\/package\.json, libs\/lua\/dist\/index\.js/);
});

lint('workspaces: a new workspace reaches infra/Dockerfile with no edit to it', async () => {
  // A copy of the context's manifests with one more workspace group, which the server depends on.
  const context = fs.mkdtempSync(path.join(badDir, 'context-'));
  const root = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
  fs.writeFileSync(path.join(context, 'package.json'), JSON.stringify({ ...root, workspaces: [...root.workspaces, 'tools/*'] }));
  fs.copyFileSync(path.join(ROOT, 'package-lock.json'), path.join(context, 'package-lock.json'));
  for (const dir of [...workspaceDirs(), 'tools/extra']) {
    fs.mkdirSync(path.join(context, dir, 'src'), { recursive: true });
    const manifest = dir === 'tools/extra' ? { name: '@kv/extra', main: 'dist/index.js' } : (JSON.parse(fs.readFileSync(path.join(ROOT, dir, 'package.json'), 'utf8')) as Record<string, unknown>);
    if (dir === 'apps/router') manifest.dependencies = { ...(manifest.dependencies as object), '@kv/extra': '0.1.0' };
    fs.writeFileSync(path.join(context, dir, 'package.json'), JSON.stringify(manifest));
    fs.writeFileSync(path.join(context, dir, 'tsconfig.json'), '{}');
  }
  const derived = await run(process.execPath, [LINT, DOCKERFILE, '--context', context]);
  assert.is(derived.code, 0, derived.stdout + derived.stderr);
  // The listing style would have needed three edits.
  const listed = path.join(badDir, 'Dockerfile.listed-old');
  fs.writeFileSync(listed, listedDockerfile(workspaceDirs()));
  const stale = await run(process.execPath, [LINT, listed, '--context', context]);
  assert.is(stale.code, 1, stale.stdout);
  assert.match(stale.stdout, /npm ci runs without tools\/extra\/package\.json/);
  assert.match(stale.stdout, /final stage lacks tools\/extra\/package\.json, tools\/extra\/dist\/index\.js/);
});

lint('the root .dockerignore (legacy builder) and infra/Dockerfile.dockerignore (BuildKit) exclude the same paths', () => {
  const patterns = (file: string) =>
    fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
  const legacy = patterns(path.join(ROOT, '.dockerignore'));
  assert.ok(legacy.includes('**/node_modules') && legacy.includes('**/dist'), legacy.join(' '));
  assert.equal(patterns(path.join(INFRA, 'Dockerfile.dockerignore')), legacy);
});

lint.run();

// ---- (b) the image's CMD and HEALTHCHECK, run outside Docker -------------------------------------

const image = suite('infra: the image CMD outside Docker');
const stage = parseRuntimeStage(fs.readFileSync(DOCKERFILE, 'utf8'));
let server: ChildProcess | null = null;
let serverPort = 0;
const serverLogs: LogLine[] = [];
let serverStderr = '';
let serverExit: Promise<{ code: number | null; signal: NodeJS.Signals | null }> | null = null;
// uvu swallows an error thrown by a before hook (its tests just do not run), so keep it for them.
let serverSetup: unknown = null;
const serverStarted = () => {
  if (serverSetup !== null) throw serverSetup;
};

image.before(async () => {
  try {
    await startServer();
  } catch (err) {
    serverSetup = err;
  }
});

async function startServer(): Promise<void> {
  serverPort = await freePort();
  const [file, args] = localArgv(stage.cmd);
  const child = spawn(file, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    // As in the container: the image's ENV and the -e settings, no KV_* from this shell.
    env: { ...withoutKv(process.env), ...stage.env, KV_PORT: String(serverPort), KV_HOST: '127.0.0.1', KV_WORKERS: '2' },
  });
  server = child;
  serverExit = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stderr!.on('data', (chunk: Buffer) => (serverStderr += chunk.toString()));
  const ready = new Promise<LogLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ready line in 20 s; stderr: ${serverStderr}`)), 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before ready; stderr: ${serverStderr}`));
    });
    readLogLines(child.stdout!, (line) => {
      serverLogs.push(line);
      if (line.message === 'ready') {
        clearTimeout(timer);
        resolve(line);
      }
    });
  });
  await ready;
}

image.after(async () => {
  // Only the process this suite started, and only if a test left it running.
  const child = server;
  if (child && child.exitCode === null && child.signalCode === null) {
    child.kill('SIGKILL');
    await serverExit;
  }
});

image('the runtime stage runs `node apps/router/dist/main.js` from the repository root as a non-root user', () => {
  assert.equal(stage.cmd, ['node', 'apps/router/dist/main.js']);
  assert.is(stage.env.NODE_ENV, 'production');
  assert.is(stage.env.TURBO_TELEMETRY_DISABLED, '1');
  assert.ok(path.isAbsolute(stage.workdir), 'absolute WORKDIR');
});

image('every path the runtime stage copies exists in the built repository', () => {
  for (const copy of stage.copies) {
    if (copy.from === 'deps') continue; // node_modules from `npm ci --omit=dev`, checked by starting the server
    for (const source of copy.sources) {
      let relative = source;
      if (copy.from !== null) {
        const workdir = stage.stageWorkdirs.get(copy.from);
        assert.ok(workdir, `stage ${copy.from} is defined`);
        assert.ok(source.startsWith(workdir + '/'), `${source} is under ${copy.from}'s WORKDIR ${workdir}`);
        relative = source.slice(workdir!.length + 1);
      }
      assert.ok(fs.existsSync(path.join(ROOT, relative)), `${relative} (COPY ${copy.from ? `--from=${copy.from} ` : ''}${source}) exists`);
    }
  }
  // Copies land under WORKDIR; `./` (the whole of an earlier stage) is the WORKDIR itself.
  const shipped = stage.copies.map((c) => path.posix.relative(stage.workdir, path.posix.resolve(stage.workdir, c.dest)));
  const check = stage.healthcheck[1];
  assert.ok(shipped.includes(check), `the HEALTHCHECK script ${check} is copied`);
  // Which workspaces' dist folders reach the image is the lint's workspaces rule (above) and e2e-docker.
  assert.ok(shipped.includes(''), `an earlier stage's output is copied into ${stage.workdir}`);
});

image('starts from the environment alone and logs ready with its port and 2 workers', () => {
  serverStarted();
  const ready = serverLogs.find((l) => l.message === 'ready')!;
  assert.is(ready.port, serverPort);
  assert.is(ready.host, '127.0.0.1');
  assert.is(ready.workers, 2);
  assert.is(ready.workers_source, 'env');
});

image('answers PUT and GET', async () => {
  serverStarted();
  const client = await TextClient.connect(serverPort);
  try {
    const keys = Array.from({ length: 32 }, (_, i) => `infra:${i}`);
    const puts = await client.request(keys.map((k) => `PUT ${k} value of ${k}`));
    assert.equal(puts, keys.map(() => 'OK'));
    const gets = await client.request([...keys.map((k) => `GET ${k}`), 'GET infra:absent', 'NOPE']);
    assert.equal(gets, [...keys.map((k) => `value of ${k}`), 'NOTFOUND', 'ERROR']);
  } finally {
    client.close();
  }
});

image('the HEALTHCHECK command passes against the server and fails with nothing listening', async () => {
  serverStarted();
  const [file, args] = localArgv(stage.healthcheck);
  const healthy = await run(file, args, { env: { ...stage.env, KV_PORT: String(serverPort), KV_HOST: '127.0.0.1' }, timeoutMs: 10_000 });
  assert.is(healthy.code, 0, healthy.stderr);
  // A wildcard KV_HOST (the image default) is probed through loopback.
  const wildcard = await run(file, args, { env: { ...stage.env, KV_PORT: String(serverPort), KV_HOST: '0.0.0.0' }, timeoutMs: 10_000 });
  assert.is(wildcard.code, 0, wildcard.stderr);
  const closed = await freePort();
  const down = await run(file, args, { env: { ...stage.env, KV_PORT: String(closed), KV_HOST: '127.0.0.1' }, timeoutMs: 10_000 });
  assert.is(down.code, 1);
  assert.match(down.stderr, /healthcheck/);
});

image('SIGTERM drains and exits 0', async () => {
  serverStarted();
  const child = server!;
  const client = await TextClient.connect(serverPort);
  try {
    assert.equal(await client.request(['PUT last one']), ['OK']);
  } finally {
    client.close();
  }
  child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 15_000).unref());
  const exit = await Promise.race([serverExit!, timeout]);
  assert.ok(exit !== 'timeout', 'exits within 15 s of SIGTERM');
  assert.equal(exit, { code: 0, signal: null }, serverStderr);
  assert.ok(
    serverLogs.some((l) => l.message === 'stopped'),
    'logs stopped',
  );
});

image.run();

// ---- (c) the Locust load test ------------------------------------------------------------------

function onPath(command: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // Not here.
    }
  }
  return null;
}

interface LocustSummary {
  requests: number;
  failures: number;
  byType: Map<string, { requests: number; failures: number }>;
}

/** Reads the request table that `locust --headless --only-summary` prints at the end. */
function parseLocustSummary(output: string): LocustSummary | null {
  const cut = output.indexOf('Response time percentiles');
  const table = cut >= 0 ? output.slice(0, cut) : output;
  // `GET      kv      55427     0(0.00%) | ...` and `         Aggregated      69351     0(0.00%) | ...`
  const rows = [...table.matchAll(/^(\S*)[ \t]+(\S+)[ \t]+(\d+)[ \t]+(\d+)\([ \t]*[\d.]+%\)/gm)];
  const aggregated = rows.find((r) => r[2] === 'Aggregated');
  if (!aggregated) return null;
  const byType = new Map<string, { requests: number; failures: number }>();
  for (const r of rows) if (r[1]) byType.set(r[1], { requests: Number(r[3]), failures: Number(r[4]) });
  return { requests: Number(aggregated[3]), failures: Number(aggregated[4]), byType };
}

const locustBin = hasTool('locust') ? onPath('locust') : null;
const LOAD_NAME = 'infra: Locust load test (infra/locustfile.py)';
// Without locust each test is reported skipped, by name, and counted (test-support/skip.ts).
const load = suiteUnless(suite(LOAD_NAME), LOAD_NAME, locustBin === null ? 'locust is not on PATH (apt-get install -y --no-install-recommends python3-locust)' : null);

{
  let cluster: Cluster | null = null;
  let fake: net.Server | null = null;
  let fakePort = 0;
  let setup: unknown = null;
  const started = () => {
    if (setup !== null) throw setup;
  };

  load.before(async () => {
    try {
      await startLoadTargets();
    } catch (err) {
      setup = err;
    }
  });

  const startLoadTargets = async () => {
    cluster = await startCluster({ workers: 2 });
    // A server that answers every PUT with ERROR and every GET with an empty line (malformed).
    fake = net.createServer((socket) => {
      socket.on('error', () => socket.destroy());
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        let reply = '';
        let nl: number;
        while ((nl = pending.indexOf('\n')) >= 0) {
          reply += pending.startsWith('PUT ') ? 'ERROR\n' : '\n';
          pending = pending.slice(nl + 1);
        }
        if (reply) socket.write(reply);
      });
    });
    await new Promise<void>((resolve) => fake!.listen(0, '127.0.0.1', resolve));
    fakePort = (fake.address() as net.AddressInfo).port;
  };

  load.after(async () => {
    if (cluster) await cluster.stop();
    if (fake) await new Promise<void>((resolve) => fake!.close(() => resolve()));
  });

  const locust = (host: string, users: number, seconds: number, spawnRate = users, env: Record<string, string> = {}) =>
    run(
      locustBin ?? '',
      ['-f', LOCUSTFILE, '--headless', '-u', String(users), '-r', String(spawnRate), '-t', `${seconds}s`, '--host', host, '--only-summary', '--loglevel', 'WARNING'],
      // Locust runs for `seconds` plus start-up (~1 s); anything near the limit is a hang.
      { timeoutMs: (seconds + 40) * 1000, env: { KV_KEYS: '2000', KV_VALUE_SIZE: '64', KV_PUT_WEIGHT: '1', KV_GET_WEIGHT: '3', ...env } },
    );

  // The seed's Locust settings cut short (10,000 users spawned 100/s for minutes, with its 0-5 ms
  // wait: `npm run bench -- --locust`): 1,000 users spawned 200/s for 20 s.
  load('locust -u 1000 -r 200 -t 20s against the server: requests > 0, 0 failures', async () => {
    started();
    const result = await locust(`127.0.0.1:${cluster!.port}`, 1000, 20, 200, { KV_WAIT: '0.005' });
    const output = result.stdout + result.stderr;
    const summary = parseLocustSummary(output);
    assert.ok(summary, `a summary table in the output:\n${output}`);
    console.log(`  locust: ${summary!.requests} requests, ${summary!.failures} failures in ${result.ms} ms`);
    assert.ok(summary!.requests > 0, 'requests were made');
    assert.is(summary!.failures, 0, output);
    assert.ok((summary!.byType.get('PUT')?.requests ?? 0) > 0, 'PUTs were made');
    assert.ok((summary!.byType.get('GET')?.requests ?? 0) > 0, 'GETs were made');
    assert.is(result.code, 0, output);
    assert.ok(result.ms < 50_000, `finished in ${result.ms} ms`);
  });

  load('ERROR and malformed replies are counted as failures', async () => {
    started();
    const result = await locust(`tcp://127.0.0.1:${fakePort}`, 4, 2);
    const output = result.stdout + result.stderr;
    const summary = parseLocustSummary(output);
    assert.ok(summary, `a summary table in the output:\n${output}`);
    assert.ok(summary!.requests > 0, 'requests were made');
    assert.is(summary!.failures, summary!.requests, 'every request failed');
    assert.match(output, /ERROR reply to PUT/);
    assert.match(output, /malformed reply to GET/);
    assert.is.not(result.code, 0, 'locust exits non-zero when requests failed');
  });
}

load.run();
