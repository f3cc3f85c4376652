import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as readline from 'node:readline';
import type { Endpoint } from './cli';
import type { BurstSpec } from './burst';
import type { BurstFigures } from './burstThread';
import { readListenCounters } from './netstat';
import { cpuSecondsOf, prepareProcStat } from './procstat';
import { findOnPath } from './servers';

const SOURCE = path.resolve(__dirname, '..', 'burst-go', 'main.go');

let built: string | null | undefined;

/**
 * The Go burst generator (apps/bench/burst-go), built once into the temp dir; null without Go
 * (the bench then opens bursts from a Node thread, and says so).
 */
export function goBurstBinary(log: (line: string) => void): string | null {
  if (built !== undefined) return built;
  built = null;
  if (findOnPath('go') === null || !fs.existsSync(SOURCE)) return null;
  const out = path.join(os.tmpdir(), 'kv-bench-burst', 'burst');
  try {
    if (!fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(SOURCE).mtimeMs) {
      fs.mkdirSync(path.dirname(out), { recursive: true });
      log(`burst: building the Go generator into ${out}`);
      execFileSync('go', ['build', '-o', out, SOURCE], { stdio: ['ignore', 'ignore', 'pipe'], timeout: 300_000, env: { ...process.env, GO111MODULE: 'off' } });
    }
    built = out;
  } catch (err) {
    log(`burst: could not build the Go generator (${(err as Error).message.split('\n')[0]}); bursts come from a Node thread`);
  }
  return built;
}

/** Runs a burst with the Go generator; `whileHeld` runs while its connections are all open. */
export function burstInGo<T>(binary: string, endpoint: Endpoint, spec: BurstSpec, whileHeld: () => Promise<T>): Promise<{ burst: BurstFigures; held: T }> {
  return new Promise((resolve, reject) => {
    let caFile: string | null = null;
    if (endpoint.ca !== undefined) {
      caFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kv-bench-ca-')), 'ca.pem');
      fs.writeFileSync(caFile, endpoint.ca);
    }
    const args = ['-addr', `${endpoint.host}:${endpoint.port}`, '-n', String(spec.count), '-spread', `${spec.spreadMs}ms`, '-proto', spec.proto, '-timeout', `${spec.timeoutMs}ms`, '-tag', spec.tag, ...(caFile ? ['-ca', caFile] : []), ...(spec.resume ? ['-resume'] : [])];
    const before = readListenCounters();
    prepareProcStat();
    const child = spawn(binary, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    let figures: BurstFigures | null = null;
    let held: T;
    const cleanup = () => {
      if (caFile) fs.rmSync(path.dirname(caFile), { recursive: true, force: true });
    };
    readline.createInterface({ input: child.stdout! }).once('line', (line) => {
      const after = readListenCounters();
      const parsed = JSON.parse(line) as Omit<BurstFigures, 'spec' | 'listen'>;
      const generatorCpuSeconds = child.pid === undefined ? undefined : cpuSecondsOf([child.pid]);
      figures = { ...parsed, generatorCpuSeconds, spec, listen: before === null || after === null ? null : { overflows: after.overflows - before.overflows, drops: after.drops - before.drops } };
      whileHeld().then(
        (value) => {
          held = value;
          child.stdin!.end('close\n');
        },
        (err: unknown) => {
          child.stdin!.end('close\n');
          reject(err as Error);
        },
      );
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      cleanup();
      if (figures === null) reject(new Error(`burst generator exited ${code}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`));
      else resolve({ burst: figures, held });
    });
  });
}
