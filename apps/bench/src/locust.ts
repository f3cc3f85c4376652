import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchOptions } from './cli';
import { decimal, integer } from './format';
import { cpuSecondsOf, prepareProcStat, processTree } from './procstat';
import { ensureSeedBinary, startSeedServer } from './seedServer';
import { findOnPath, startKvServer, type StartedServer } from './servers';

const LOCUSTFILE = path.resolve(__dirname, '..', '..', '..', 'infra', 'locustfile.py');

/** The Aggregated row of Locust's stats CSV: counts, rate, and response-time percentiles in ms. */
export interface LocustStats {
  requests: number;
  failures: number;
  perSecond: number;
  p50: number;
  p95: number;
  p99: number;
  p999: number;
  max: number;
}

export interface LocustRow {
  load: string;
  server: string;
  stats: LocustStats | null;
  /** Locust's own CPU (master and workers) over the run, in cores (1.0 = one core busy throughout). */
  locustCores: number;
  serverCores: number;
  seconds: number;
  problem: string | null;
}

/** Parses `<prefix>_stats.csv`; null without an Aggregated row. */
export function parseLocustCsv(text: string): LocustStats | null {
  const lines = text.trim().split('\n');
  const head = lines[0].split(',').map((h) => h.replace(/"/g, ''));
  const row = lines.slice(1).map((l) => l.split(',').map((c) => c.replace(/"/g, ''))).find((cells) => cells[head.indexOf('Name')] === 'Aggregated');
  if (row === undefined) return null;
  const num = (name: string) => Number(row[head.indexOf(name)]);
  return { requests: num('Request Count'), failures: num('Failure Count'), perSecond: num('Requests/s'), p50: num('50%'), p95: num('95%'), p99: num('99%'), p999: num('99.9%'), max: num('Max Response Time') };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject).listen(0, '127.0.0.1', () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(port));
    });
  });
}

/** CPU seconds of a set of processes that may exit at any time: the last reading of each counts. */
class CpuWatch {
  private readonly last = new Map<number, number>();
  private readonly timer: NodeJS.Timeout;
  constructor(private readonly pids: () => number[]) {
    this.timer = setInterval(() => this.sample(), 500);
  }
  sample(): void {
    for (const pid of this.pids()) {
      const s = cpuSecondsOf([pid]);
      if (s > 0) this.last.set(pid, s);
    }
  }
  stop(): number {
    this.sample();
    clearInterval(this.timer);
    let total = 0;
    for (const s of this.last.values()) total += s;
    return total;
  }
}

/**
 * infra/locustfile.py for a distributed run: Debian's python3-locust reports an empty version,
 * and its master refuses a worker whose version is empty ("an old (pre 2.0) worker"), so every
 * worker was turned away and nothing ran. The copy gives workers a version first.
 */
function distributedLocustfile(dir: string): string {
  const file = path.join(dir, 'locustfile.py');
  if (!fs.existsSync(file)) {
    const patch = ['import locust.runners', "if not locust.runners.__version__:", "    locust.runners.__version__ = '2.0.0'", ''].join('\n');
    fs.writeFileSync(file, patch + fs.readFileSync(LOCUSTFILE, 'latin1'));
  }
  return file;
}

/** One distributed Locust run: a master and `workers` workers, headless, for `seconds`. */
async function locustRun(bin: string, host: string, users: number, spawnRate: number, seconds: number, workers: number, dir: string): Promise<{ stats: LocustStats | null; cpu: number; problem: string | null }> {
  const port = await freePort();
  const prefix = path.join(dir, `run-${Date.now()}`);
  // The seed's own Locust file waits 0-5 ms between a user's requests and mixes PUT and GET 1:1, 10-byte values.
  const env = { ...process.env, KV_WAIT: '0.005', KV_PUT_WEIGHT: '1', KV_GET_WEIGHT: '1', KV_VALUE_SIZE: '10' };
  const common = ['-f', distributedLocustfile(dir), '--loglevel', 'WARNING'];
  const children: ChildProcess[] = [];
  const master = spawn(bin, [...common, '--master', '--master-bind-host', '127.0.0.1', '--master-bind-port', String(port), '--expect-workers', String(workers), '--headless', '-u', String(users), '-r', String(spawnRate), '-t', `${seconds}s`, '--host', host, '--csv', prefix, '--only-summary'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(master);
  let stderr = '';
  master.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  for (let i = 0; i < workers; i++) children.push(spawn(bin, [...common, '--worker', '--master-host', '127.0.0.1', '--master-port', String(port)], { env, stdio: 'ignore' }));
  const watch = new CpuWatch(() => children.flatMap((c) => (c.pid === undefined ? [] : processTree(c.pid))));
  const exited = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), (seconds + 90) * 1000);
    master.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
  const cpu = watch.stop();
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  let stats: LocustStats | null = null;
  try {
    stats = parseLocustCsv(fs.readFileSync(`${prefix}_stats.csv`, 'latin1'));
  } catch {
    // No CSV: said below.
  }
  const problem = !exited ? 'locust did not finish in time' : stats === null ? `no stats CSV (${stderr.split('\n').slice(-3).join(' | ')})` : null;
  return { stats, cpu, problem };
}

/**
 * Locust with infra/locustfile.py against the seed and kv (2 workers), distributed so that it is
 * less the bottleneck (a master and one worker per CPU; its CPU is reported beside the figures):
 * the seed's settings, 10,000 users spawned 100 a second, and a burst, spawned 2,000 a second.
 */
export async function runLocust(options: BenchOptions, log: (line: string) => void): Promise<number> {
  const bin = findOnPath('locust');
  if (bin === null) {
    log('bench: locust is not installed (apt-get install -y --no-install-recommends python3-locust)');
    return 2;
  }
  prepareProcStat();
  const seconds = options.given.has('duration') ? options.duration : 120;
  const workers = Math.max(1, os.availableParallelism());
  const seed = ensureSeedBinary(options.seedBin, log);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-bench-locust-'));
  const rows: LocustRow[] = [];
  const loads = [
    { name: "seed's settings: 10,000 users, spawn 100/s", users: 10_000, spawnRate: 100 },
    { name: 'burst: 10,000 users, spawn 2,000/s', users: 10_000, spawnRate: 2000 },
  ];
  try {
    for (const l of loads) {
      for (const kind of ['seed', 'kv'] as const) {
        if (kind === 'seed' && seed.path === null) continue;
        let server: StartedServer | null = null;
        try {
          server = kind === 'seed' ? await startSeedServer(seed.path!, log) : await startKvServer(options.kvMain, options.workers, options.maxmemory);
          const label = kind === 'seed' ? 'seed (Go)' : `kv ${options.workers} workers`;
          log(`locust: ${l.name} against ${label} for ${seconds} s ...`);
          const serverCpu = cpuSecondsOf(processTree(server.pid));
          const started = Date.now();
          const r = await locustRun(bin, `tcp://127.0.0.1:${server.endpoint.port}`, l.users, l.spawnRate, seconds, workers, dir);
          const wall = (Date.now() - started) / 1000;
          rows.push({ load: l.name, server: label, stats: r.stats, locustCores: r.cpu / wall, serverCores: (cpuSecondsOf(processTree(server.pid)) - serverCpu) / wall, seconds: wall, problem: r.problem });
        } finally {
          await server?.stop();
        }
      }
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const lines = [
    `Locust (infra/locustfile.py, the seed's wait of 0-5 ms and PUT:GET 1:1), distributed: a master and ${workers} workers, ${seconds} s each, on this machine's ${os.availableParallelism()} CPUs with the server.`,
    '',
    '| load | server | requests | failures | req/s | p50 ms | p95 ms | p99 ms | p99.9 ms | max ms | Locust CPU (cores) | server CPU (cores) |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const r of rows) {
    const s = r.stats;
    lines.push(`| ${r.load} | ${r.server} | ${s ? integer(s.requests) : 'n/a'} | ${s ? integer(s.failures) : 'n/a'} | ${s ? integer(s.perSecond) : 'n/a'} | ${s?.p50 ?? 'n/a'} | ${s?.p95 ?? 'n/a'} | ${s?.p99 ?? 'n/a'} | ${s?.p999 ?? 'n/a'} | ${s ? integer(s.max) : 'n/a'} | ${decimal(r.locustCores, 2)} | ${decimal(r.serverCores, 2)} |`);
    if (r.problem !== null) lines.push(`| | problem: ${r.problem} | | | | | | | | | | |`);
  }
  if (seed.path === null) lines.push('', `seed skipped: ${seed.skipped}`);
  console.log(lines.join('\n'));
  return rows.every((r) => r.problem === null && (r.stats?.failures ?? 1) === 0) ? 0 : 1;
}
