import Bull from 'bull';
import { Queue, Worker } from 'bullmq';
import type { BenchOptions } from './cli';
import { loadAverage } from './closedLoop';
import { decimal, integer } from './format';
import { cpuSecondsOf, prepareProcStat, processTree } from './procstat';
import { findRedisServer, startKvServer, startRedisServer, type StartedServer } from './servers';

/**
 * --queues (issue 22): job queue throughput beside redis-server, both started with
 * maxmemory-policy noeviction (BullMQ's requirement). BullMQ, then Bull 4: 1,000 jobs added with
 * addBulk and with add one at a time (each awaited), then 1,000 jobs (added in bulk first)
 * processed by one consumer with concurrency 1 and 8 and an empty handler. Each phase has a queue
 * of its own; keys take a hash-tag prefix as the client suites do. Each phase runs ROUNDS times:
 * the median jobs per second over its wall time, and the server's CPU (its whole process tree)
 * per job over all rounds.
 */
const JOBS = 1000;
const PHASE_TIMEOUT_MS = 60_000;
/** Each phase's runs (a redis-server phase lasts well under a second: one run is mostly noise). */
const ROUNDS = 3;

function withTimeout<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not done in ${PHASE_TIMEOUT_MS / 1000} s`)), PHASE_TIMEOUT_MS)));
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

const jobsData = (): { name: string; data: { i: number } }[] => Array.from({ length: JOBS }, (_, i) => ({ name: `job${i}`, data: { i } }));

function bullmqConnection(host: string, port: number): { host: string; port: number; maxRetriesPerRequest: null } {
  return { host, port, maxRetriesPerRequest: null };
}

async function bullmqQueue<T>(host: string, port: number, name: string, use: (q: Queue) => Promise<T>): Promise<T> {
  const queue = new Queue(name, { connection: bullmqConnection(host, port), prefix: '{bullmq}' });
  queue.on('error', () => {});
  try {
    await queue.waitUntilReady();
    return await use(queue);
  } finally {
    await queue.close();
  }
}

async function bullmqProcess(host: string, port: number, name: string, concurrency: number, start: () => void): Promise<void> {
  await bullmqQueue(host, port, name, (q) => q.addBulk(jobsData()));
  let done = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  start();
  const worker = new Worker(name, async () => 'ok', { connection: bullmqConnection(host, port), prefix: '{bullmq}', concurrency });
  worker.on('error', () => {});
  worker.on('completed', () => {
    if (++done === JOBS) resolveAll();
  });
  try {
    await withTimeout(all, `BullMQ concurrency ${concurrency}`);
  } finally {
    await worker.close(true);
  }
}

async function bullQueue<T>(host: string, port: number, name: string, use: (q: Bull.Queue) => Promise<T>): Promise<T> {
  const queue = new Bull(name, { prefix: '{bull}', redis: { host, port } });
  queue.on('error', () => {});
  try {
    await queue.isReady();
    return await use(queue);
  } finally {
    await queue.close();
  }
}

async function bullProcess(host: string, port: number, name: string, concurrency: number, start: () => void): Promise<void> {
  await bullQueue(host, port, name, (q) => q.addBulk(jobsData().map(({ data }) => ({ data }))));
  await bullQueue(host, port, name, async (queue) => {
    let done = 0;
    const all = new Promise<void>((resolve) => queue.on('completed', () => void (++done === JOBS && resolve())));
    start();
    void queue.process(concurrency, async () => 'ok');
    await withTimeout(all, `Bull concurrency ${concurrency}`);
  });
}

/** Each phase calls `start` when its timed part begins (after its own setup). */
type Timed = (host: string, port: number, name: string, start: () => void) => Promise<void>;

const TIMED: { library: string; name: string; run: Timed }[] = [
  { library: 'BullMQ', name: 'addBulk of 1,000', run: (h, p, n, start) => bullmqQueue(h, p, n, async (q) => (start(), void (await q.addBulk(jobsData())))) },
  {
    library: 'BullMQ',
    name: 'add, one at a time',
    run: (h, p, n, start) =>
      bullmqQueue(h, p, n, async (q) => {
        start();
        for (const job of jobsData()) await q.add(job.name, job.data);
      }),
  },
  { library: 'BullMQ', name: 'processed, concurrency 1', run: (h, p, n, start) => bullmqProcess(h, p, n, 1, start) },
  { library: 'BullMQ', name: 'processed, concurrency 8', run: (h, p, n, start) => bullmqProcess(h, p, n, 8, start) },
  { library: 'Bull 4', name: 'addBulk of 1,000', run: (h, p, n, start) => bullQueue(h, p, n, async (q) => (start(), void (await q.addBulk(jobsData().map(({ data }) => ({ data })))))) },
  {
    library: 'Bull 4',
    name: 'add, one at a time',
    run: (h, p, n, start) =>
      bullQueue(h, p, n, async (q) => {
        start();
        for (const job of jobsData()) await q.add(job.data);
      }),
  },
  { library: 'Bull 4', name: 'processed, concurrency 1', run: (h, p, n, start) => bullProcess(h, p, n, 1, start) },
  { library: 'Bull 4', name: 'processed, concurrency 8', run: (h, p, n, start) => bullProcess(h, p, n, 8, start) },
];

interface Row {
  label: string;
  phase: string;
  jobsPerSecond: number;
  cpuUsPerJob: number;
  error: string | null;
}

/** A phase run ROUNDS times (a queue each): the median jobs/s, and CPU per job over all rounds. */
async function measure(server: StartedServer, index: number, phase: (typeof TIMED)[number]): Promise<Row> {
  const tree = processTree(server.pid);
  const row: Row = { label: server.label, phase: `${phase.library}: ${phase.name}`, jobsPerSecond: 0, cpuUsPerJob: 0, error: null };
  const rates: number[] = [];
  let cpuSeconds = 0;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      let cpu0 = 0;
      let t0 = 0;
      const start = (): void => {
        cpu0 = cpuSecondsOf(tree);
        t0 = performance.now();
      };
      await phase.run(server.endpoint.host, server.endpoint.port, `q${index}r${round}`, start);
      rates.push(JOBS / ((performance.now() - t0) / 1000));
      cpuSeconds += cpuSecondsOf(tree) - cpu0;
    }
    row.jobsPerSecond = rates.sort((a, b) => a - b)[Math.floor(ROUNDS / 2)];
    row.cpuUsPerJob = (cpuSeconds * 1e6) / (JOBS * ROUNDS);
  } catch (err) {
    row.error = (err as Error).message;
  }
  return row;
}

export async function runQueues(options: BenchOptions): Promise<number> {
  prepareProcStat();
  const noeviction = ['--maxmemory-policy', 'noeviction'];
  const targets: (() => Promise<StartedServer>)[] = [() => startKvServer(options.kvMain, options.workers, options.maxmemory, noeviction)];
  const redisServer = findRedisServer();
  if (redisServer !== null) targets.push(() => startRedisServer(redisServer, noeviction));
  const loadStart = loadAverage();
  const rows: Row[] = [];
  for (const start of targets) {
    const server = await start();
    try {
      for (const [i, phase] of TIMED.entries()) {
        process.stderr.write(`queues: ${server.label}, ${phase.library}: ${phase.name}\n`);
        rows.push(await measure(server, i, phase));
      }
    } finally {
      await server.stop();
    }
  }
  const redisLabel = rows[rows.length - 1].label;
  const lines = [
    `Queues: ${integer(JOBS)} jobs per phase, an empty handler, each phase run ${ROUNDS} times (median jobs/s; CPU per job over all ${ROUNDS}, read from /proc in 10 ms ticks); both servers with maxmemory-policy noeviction; kv with ${options.workers} workers; one run`,
    `load average at start: ${loadStart}; at end: ${loadAverage()}`,
    '',
    '| phase | server | jobs/s | server CPU µs/job | jobs/s vs redis-server |',
    '|---|---|--:|--:|--:|',
  ];
  for (const phase of TIMED.map((p) => `${p.library}: ${p.name}`)) {
    const redis = rows.find((r) => r.phase === phase && r.label === redisLabel);
    for (const r of rows.filter((row) => row.phase === phase)) {
      const ratio = redis !== undefined && redis.error === null && r.error === null && redisLabel !== rows[0].label ? `${decimal(r.jobsPerSecond / redis.jobsPerSecond, 2)}x` : 'n/a';
      lines.push(r.error !== null ? `| ${phase} | ${r.label} | failed: ${r.error} | | |` : `| ${phase} | ${r.label} | ${integer(r.jobsPerSecond)} | ${decimal(r.cpuUsPerJob, 1)} | ${ratio} |`);
    }
  }
  console.log(lines.join('\n'));
  return rows.some((r) => r.error !== null) ? 1 : 0;
}
