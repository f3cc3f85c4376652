import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Skips } from '../../../test-support/skip';
import { onPath } from './docker/daemon';
import { MAIN, processAlive, readLogLines, sleep, TextClient, type LogLine } from './harness';

// Signals from outside, as an operator's tools send them: SIGHUP (a closed terminal, an ssh logout)
// to the server's whole process group, and SIGTERM to the PID of `npm start` (a service manager).
// Each server runs in a process group of its own, so the test can signal and clean up all of it.

const ROOT = path.resolve(__dirname, '../../..');

interface Started {
  child: ChildProcess;
  logs: LogLine[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  waitForLog(match: (line: LogLine) => boolean, timeoutMs: number): Promise<LogLine>;
}

function start(file: string, args: string[]): Started {
  const child = spawn(file, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const logs: LogLine[] = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  readLogLines(child.stdout!, (line) => logs.push(line));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  const waitForLog = async (match: (line: LogLine) => boolean, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = logs.find(match);
      if (line) return line;
      if (Date.now() > deadline) throw new Error(`no such log line in ${timeoutMs} ms; stderr: ${stderr}; logs: ${JSON.stringify(logs.slice(-5))}`);
      await sleep(50);
    }
  };
  return { child, logs, exited, waitForLog };
}

/** Whether any process of the group is left. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every process under pid, from each process's parent in /proc/<pid>/stat (turbo, for one, starts
 * its tasks from other threads and in process groups of their own).
 */
function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(parent, [...(children.get(parent) ?? []), Number(entry)]);
    } catch {
      // Gone meanwhile.
    }
  }
  const out: number[] = [];
  const walk = (at: number) => {
    for (const child of children.get(at) ?? []) {
      out.push(child);
      walk(child);
    }
  };
  walk(pid);
  return out;
}

/** SIGKILLs what is left of a group this test started, and of the processes it saw under it. */
function killGroup(pgid: number | undefined, seen: readonly number[] = []): void {
  if (pgid !== undefined && groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  for (const pid of seen) if (processAlive(pid)) process.kill(pid, 'SIGKILL');
}

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function portFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

// ---- SIGHUP ---------------------------------------------------------------------------------------

const hup = suite('signals: SIGHUP is ignored, as in Redis');
let hupServer: Started | null = null;

hup.after(() => killGroup(hupServer?.child.pid));

hup('SIGHUP to the whole process group: it keeps serving; then SIGTERM drains, exits 0 and removes its /tmp folder', async () => {
  hupServer = start(process.execPath, [MAIN, '--port', '0', '--host', '127.0.0.1', '--workers', '2', '--admin-port', '-1']);
  const server = hupServer;
  const pid = server.child.pid!;
  const ready = await server.waitForLog((l) => l.message === 'ready', 20_000);
  const runDir = String(server.logs.find((l) => l.message === 'primary started')!.run_dir);
  assert.ok(fs.existsSync(runDir), `${runDir} exists while it runs`);
  const workers = server.logs.filter((l) => l.message === 'worker started').map((l) => l.pid as number);
  assert.is(workers.length, 2);

  const client = await TextClient.connect(ready.port as number);
  try {
    assert.equal(await client.request(['PUT hup:a before', 'PUT hup:b before']), ['OK', 'OK']);
    // What a closed terminal does: SIGHUP to every process of the foreground group.
    process.kill(-pid, 'SIGHUP');
    await server.waitForLog((l) => l.message === 'SIGHUP ignored', 5_000);
    await sleep(300);
    assert.ok(processAlive(pid), 'the primary runs');
    for (const worker of workers) assert.ok(processAlive(worker), `worker ${worker} runs`);
    assert.not.ok(server.logs.some((l) => l.message === 'worker restarted' || l.message === 'shutting down'), 'nothing restarted or stopped');
    // The same connection and a new one are served, with the data from before.
    assert.equal(await client.request(['GET hup:a', 'PUT hup:c after']), ['before', 'OK']);
  } finally {
    client.close();
  }
  const again = await TextClient.connect(ready.port as number);
  try {
    assert.equal(await again.request(['GET hup:b', 'GET hup:c']), ['before', 'after']);
  } finally {
    again.close();
  }

  process.kill(pid, 'SIGTERM');
  const exit = await within(server.exited, 15_000, 'exit after SIGTERM');
  assert.equal(exit, { code: 0, signal: null });
  assert.ok(server.logs.some((l) => l.message === 'stopped' && l.exit_code === 0), 'logs stopped');
  assert.not.ok(fs.existsSync(runDir), `${runDir} is removed on a normal exit`);
  await sleep(200);
  assert.not.ok(groupAlive(pid), 'no process of the server is left');
});

hup.run();

// ---- npm start ------------------------------------------------------------------------------------

const npmStart = suite('signals: SIGTERM to the PID of `npm start`');
const npmSkips = new Skips('signals: SIGTERM to the PID of `npm start`');
const npm = onPath('npm');
let npmServer: Started | null = null;
let npmTree: number[] = [];

npmStart.after(() => killGroup(npmServer?.child.pid, npmTree));

npmSkips.test(npmStart, 'stops the server: npm exits 0 once it has drained, and nothing holds its ports', npm === null ? 'npm is not on PATH' : null, async () => {
  const port = await freePort();
  const adminPort = await freePort();
  npmServer = start(npm!, ['start', '--', '--port', String(port), '--admin-port', String(adminPort), '--host', '127.0.0.1', '--workers', '2']);
  const server = npmServer;
  const npmPid = server.child.pid!;
  const ready = await server.waitForLog((l) => l.message === 'ready', 120_000);
  assert.is(ready.port, port);
  await server.waitForLog((l) => l.message === 'admin listening', 10_000);
  const primary = ready.pid as number;
  npmTree = descendants(npmPid);
  assert.ok(npmTree.includes(primary), 'npm runs the server under it');
  const client = await TextClient.connect(port);
  try {
    assert.equal(await client.request(['PUT npm:start ok', 'GET npm:start']), ['OK', 'ok']);
  } finally {
    client.close();
  }

  // Only npm's PID, as a service manager that started `npm start` would.
  process.kill(npmPid, 'SIGTERM');
  const exit = await within(server.exited, 20_000, 'npm exits after SIGTERM');
  assert.equal(exit, { code: 0, signal: null }, 'npm exits 0: the server drained and exited 0');
  assert.ok(server.logs.some((l) => l.message === 'stopped' && l.exit_code === 0 && l.pid === primary), 'the server logged stopped');
  // npm waited for it: by the time npm is gone, so is every process it started.
  assert.not.ok(processAlive(primary), 'the primary has exited');
  assert.not.ok(groupAlive(npmPid), 'no process of npm start is left');
  assert.ok(await portFree(port), `port ${port} is free`);
  assert.ok(await portFree(adminPort), `admin port ${adminPort} is free`);
});

npmStart.run();
