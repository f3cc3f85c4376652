import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { findOnPath, ManagedServer, ServerStartError, sleep, type StartedServer } from './servers';

/** The seed (the Go server this project replaces) has its port compiled in: it always listens on :7171. */
export const SEED_PORT = 7171;
const SEED_READY_TIMEOUT_MS = 10_000;
const SEED_BUILD_TIMEOUT_MS = 300_000;
/** On a shared machine someone else's seed may hold :7171 for a while: wait this long for it to go. */
const SEED_PORT_WAIT_MS = 90_000;

/** /work/shared/reference/build-seed.sh, seen from apps/bench/dist (the shared folder sits next to the worktree). */
export function defaultSeedBuildScript(): string {
  return path.resolve(__dirname, '..', '..', '..', '..', 'shared', 'reference', 'build-seed.sh');
}

/** Where the seed is built once and then reused by later runs. */
export function defaultSeedBinary(): string {
  return path.join(os.tmpdir(), 'kv-bench-seed', 'seed-server');
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export type SeedBinary = { path: string; note: string } | { path: null; skipped: string };

/**
 * The seed binary: `given` if set (--seed-bin), else the one built earlier in the temp dir, else
 * built now with build-seed.sh. Without Go (and nothing built) the seed is skipped, not an error.
 */
export function ensureSeedBinary(given: string | null, log: (line: string) => void): SeedBinary {
  if (given !== null) {
    return isExecutable(given) ? { path: given, note: `seed: using ${given}` } : { path: null, skipped: `--seed-bin ${given} is not an executable file` };
  }
  const out = defaultSeedBinary();
  if (isExecutable(out)) return { path: out, note: `seed: reusing ${out}` };
  if (findOnPath('go') === null) return { path: null, skipped: 'go is not installed (apt-get install golang-go)' };
  const script = defaultSeedBuildScript();
  if (!fs.existsSync(script)) return { path: null, skipped: `build script not found: ${script}` };
  log(`seed: building with ${script} into ${out}`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  try {
    execFileSync('bash', [script, out], { stdio: ['ignore', 'pipe', 'pipe'], timeout: SEED_BUILD_TIMEOUT_MS });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim() ?? '';
    return { path: null, skipped: `build failed: ${(err as Error).message.split('\n')[0]}${stderr ? ` (${stderr.split('\n').slice(-3).join(' | ')})` : ''}` };
  }
  return isExecutable(out) ? { path: out, note: `seed: built ${out}` } : { path: null, skipped: `build-seed.sh made no ${out}` };
}

/** True if nothing listens on the seed's port (it binds every address, so probe the wildcard). */
function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, () => probe.close(() => resolve(true)));
  });
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => done(true));
  });
}

/** Starts the seed on 127.0.0.1:7171; refuses if something else already holds the port (it would be measured instead). */
export async function startSeedServer(binary: string, log: (line: string) => void = () => {}): Promise<StartedServer> {
  const waitUntil = Date.now() + SEED_PORT_WAIT_MS;
  let warned = false;
  while (!(await portIsFree(SEED_PORT))) {
    if (Date.now() > waitUntil) throw new ServerStartError(`port ${SEED_PORT} stayed in use for ${SEED_PORT_WAIT_MS / 1000} s, and the seed can listen on no other`);
    if (!warned) log(`seed: port ${SEED_PORT} is in use (another process), waiting up to ${SEED_PORT_WAIT_MS / 1000} s for it`);
    warned = true;
    await sleep(200);
  }
  const child = spawn(binary, [], { stdio: ['ignore', 'pipe', 'pipe'] });
  const server = new ManagedServer('seed (Go)', child);
  server.endpoint = { host: '127.0.0.1', port: SEED_PORT };
  const deadline = Date.now() + SEED_READY_TIMEOUT_MS;
  while (!server.hasExited && Date.now() < deadline) {
    if (await connects(SEED_PORT)) {
      // A connect that raced a failed bind would be someone else's server: make sure ours still runs.
      await sleep(50);
      if (!server.hasExited) {
        server.rememberTree();
        return server;
      }
      break;
    }
    await sleep(25);
  }
  const reason = server.describeExit();
  await server.stop();
  throw new ServerStartError(`seed did not listen on :${SEED_PORT}: ${reason}`);
}
