import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hidden } from '../../../../test-support/skip';

// A Docker daemon for the image test: the one already running, or one this test starts itself
// (`dockerd --iptables=false --bridge=none`, everything under its own temporary folder) and stops.

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command to completion (SIGKILLed after timeoutMs), capturing its output. */
export function run(file: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; input?: string } = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { cwd: opts.cwd, env: opts.env ?? process.env, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const e = err as (Error & { code?: number | string }) | null;
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : null) : 0, stdout, stderr: e && typeof e.code !== 'number' ? `${stderr}${e.message}` : stderr, ms: Date.now() - started });
      },
    );
    if (opts.input !== undefined) child.stdin!.end(opts.input);
  });
}

/** The executable `command` on PATH (then /usr/sbin, /sbin), or null (also when KV_TEST_WITHOUT names it). */
export function onPath(command: string): string | null {
  if (hidden(command)) return null;
  return allOnPath(command)[0] ?? null;
}

function allOnPath(command: string): string[] {
  const found: string[] = [];
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/sbin'])) {
    if (!dir) continue;
    const file = path.join(dir, command);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) found.push(file);
    } catch {
      // Not here.
    }
  }
  return found;
}

export interface Daemon {
  /** The docker client on PATH. */
  cli: string;
  /** Every distinct docker client here (PATH's first; Debian's /usr/bin/docker too), for builders one lacks. */
  clis: string[];
  /** The environment for `docker` commands (DOCKER_HOST set when this test started the daemon). */
  env: NodeJS.ProcessEnv;
  /** Whether this test started the daemon (and so may tag images freely and must stop it). */
  own: boolean;
  docker(args: string[], timeoutMs?: number, input?: string): Promise<Run>;
  /** Stops the daemon if this test started it and removes its folder; safe to call twice. */
  stop(): Promise<void>;
}

/** A running daemon, or the reason there can be none here. */
export async function dockerDaemon(tmp: string): Promise<Daemon | { skipped: string }> {
  const cli = onPath('docker');
  if (cli === null) return { skipped: 'no docker CLI on PATH (apt-get install docker.io)' };
  const clis = [...new Set([cli, ...allOnPath('docker'), '/usr/bin/docker'].filter((f) => fs.existsSync(f)).map((f) => fs.realpathSync(f)))];
  const make = (env: NodeJS.ProcessEnv, own: boolean, stop: () => Promise<void>): Daemon => ({
    cli,
    clis,
    env,
    own,
    docker: (args, timeoutMs = 60_000, input) => run(cli, args, { env, timeoutMs, input }),
    stop,
  });
  // DOCKER_BUILDKIT is chosen per build by the test; DOCKER_CONTEXT could point anywhere.
  const base = { ...process.env, DOCKER_CLI_HINTS: 'false' };
  const existing = await run(cli, ['info', '--format', '{{.ServerVersion}}'], { env: base, timeoutMs: 15_000 });
  if (existing.code === 0) return make(base, false, async () => {});

  if (process.getuid?.() !== 0) return { skipped: `no Docker daemon answers and this test is not root, so it cannot start one (${firstLine(existing.stderr)})` };
  const dockerd = onPath('dockerd');
  if (dockerd === null) return { skipped: 'no Docker daemon answers and dockerd is not installed (apt-get install docker.io)' };

  const dir = fs.mkdtempSync(path.join(tmp, 'dockerd-'));
  const socket = path.join(dir, 'docker.sock');
  const logFile = path.join(dir, 'dockerd.log');
  const log = fs.openSync(logFile, 'w');
  const child: ChildProcess = spawn(
    dockerd,
    ['--iptables=false', '--ip-masq=false', '--bridge=none', '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid'), '-H', `unix://${socket}`],
    { stdio: ['ignore', log, log] },
  );
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    // dockerd stops the containerd it started; if it was killed, stop that containerd by its pid.
    killByPidFile(path.join(dir, 'exec', 'containerd', 'containerd.pid'));
    unmountUnder(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  const env = { ...base, DOCKER_HOST: `unix://${socket}` };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const info = await run(cli, ['info', '--format', '{{.ServerVersion}}'], { env, timeoutMs: 5_000 });
    if (info.code === 0) return make(env, true, stop);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
  const how = child.exitCode !== null || child.signalCode !== null ? `dockerd exited (${child.exitCode ?? child.signalCode})` : 'dockerd did not answer in 30 s';
  await stop();
  return { skipped: `${how}: ${tail}` };
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}

function killByPidFile(file: string): void {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    if (pid > 0) process.kill(pid, 'SIGKILL');
  } catch {
    // No file, or the process is gone.
  }
}

/** Unmounts whatever the daemon left mounted under dir (deepest first), so the folder can go. */
function unmountUnder(dir: string): void {
  let mounts: string[];
  try {
    mounts = fs
      .readFileSync('/proc/self/mounts', 'utf8')
      .split('\n')
      .map((line) => line.split(' ')[1]?.replace(/\\040/g, ' '))
      .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(dir + '/')));
  } catch {
    return;
  }
  for (const mount of mounts.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore', timeout: 10_000 });
    } catch {
      // Best effort: rmSync below reports nothing either way.
    }
  }
}
