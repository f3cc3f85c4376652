import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import Redis from 'ioredis';
import { Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Skips } from '../../test-support/skip';
import { clientSuites, withTimeout, type Ctx } from './target';

/**
 * BullMQ 6 on ioredis: 100 jobs added with Queue.add go through a Worker with concurrency, with a
 * delayed job, one retried after a failure with backoff and one failed for good; getJobCounts
 * and QueueEvents 'completed' (XREAD BLOCK on the events stream) see them all. Its scripts use
 * cmsgpack, lists, sets, sorted sets and streams (XADD with MAXLEN ~ in nearly every script), its
 * Worker waits with BZPOPMIN: on a server that answers XADD `unknown command` each test is
 * reported skipped ("needs streams"), and runs for real once streams are there. Keys take the
 * prefix `{bullmq}` (a hash tag, as BullMQ asks for Redis Cluster). A Worker killed mid-job
 * leaves a lock that expires: another Worker's stalled check takes the job.
 */
const JOBS = 100;
const NAME = 'bullmq against';
const STALL = { lockDuration: 600, stalledInterval: 300 };
/** A Worker in a process of its own that takes a job and never ends it (argv: bullmq's path, host, port, queue, settings). */
const CONSUMER = `
const [bullmq, host, port, name, settings] = process.argv.slice(1);
const { Worker } = require(bullmq);
const worker = new Worker(name, () => { console.log('started'); return new Promise(() => {}); },
  { connection: { host, port: Number(port), maxRetriesPerRequest: null }, prefix: '{bullmq}', ...JSON.parse(settings) });
worker.on('error', () => {});
`;

/** ioredis as BullMQ's workers need it (no retry limit on blocking commands), bounded otherwise. */
function connection(ctx: Ctx): Redis {
  const client = new Redis({ host: ctx.target.host, port: ctx.target.port, maxRetriesPerRequest: null, connectTimeout: 3_000, retryStrategy: () => null });
  client.on('error', () => {});
  ctx.defer(() => client.disconnect());
  return client;
}

/** The reason to skip: XADD unknown here (streams not built yet), else null. */
async function needsStreams(ctx: Ctx): Promise<string | null> {
  const probe = connection(ctx);
  try {
    await probe.call('XADD', '{bullmq}:probe', '*', 'f', 'v');
    await probe.del('{bullmq}:probe');
    return null;
  } catch (err) {
    if (/unknown command/i.test((err as Error).message)) return 'needs streams (XADD answers unknown command)';
    throw err;
  }
}

clientSuites('bullmq', (test) => {
  const name = `${JOBS} jobs through a Worker with concurrency 8: a delayed one, one retried, one failed for good, counts, QueueEvents`;
  test(name, async (ctx) => {
    const reason = await needsStreams(ctx);
    if (reason !== null) return new Skips(`${NAME} ${ctx.target.label}`).now(name, reason);
    // BullMQ warns unless keys are never evicted (Redis's default; this server's is allkeys-lru).
    assert.is(await connection(ctx).call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), 'OK');
    const queueName = `q${ctx.target.workers}`;
    const options = { connection: connection(ctx), prefix: '{bullmq}' };
    const queue = new Queue(queueName, options);
    const events = new QueueEvents(queueName, { connection: connection(ctx), prefix: '{bullmq}' });
    ctx.defer(() => events.close());
    ctx.defer(() => queue.close());
    await events.waitUntilReady();
    const completedEvents = new Map<string, string>();
    const allEvents = new Promise<void>((resolve) =>
      events.on('completed', ({ jobId, returnvalue }) => {
        completedEvents.set(jobId, String(returnvalue));
        if (completedEvents.size === JOBS + 2) resolve();
      }),
    );
    const attempts = new Map<string, number>();
    const worker = new Worker(
      queueName,
      async (job: Job) => {
        const tries = (attempts.get(job.name) ?? 0) + 1;
        attempts.set(job.name, tries);
        if (job.name === 'flaky' && tries === 1) throw new Error('first try fails');
        if (job.name === 'broken') throw new Error('always fails');
        await job.updateProgress(50);
        return `${job.name} done`;
      },
      { connection: connection(ctx), prefix: '{bullmq}', concurrency: 8 },
    );
    worker.on('error', () => {});
    ctx.defer(() => worker.close(true));
    const added = Date.now();
    const jobs = await Promise.all(Array.from({ length: JOBS }, (_, i) => queue.add(`job${i}`, { i })));
    const delayed = await queue.add('later', {}, { delay: 400 });
    const flaky = await queue.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 150 } });
    const broken = await queue.add('broken', {}, { attempts: 2, backoff: { type: 'fixed', delay: 50 } });
    await withTimeout(allEvents, 8_000, "QueueEvents 'completed' for every job");
    assert.is(completedEvents.get(jobs[0].id!), 'job0 done');
    assert.is(completedEvents.get(delayed.id!), 'later done');
    assert.is(completedEvents.get(flaky.id!), 'flaky done');
    assert.is(attempts.get('flaky'), 2, 'retried once');
    const later = await queue.getJob(delayed.id!);
    assert.ok(later!.processedOn! - added >= 400, 'the delayed job ran after its delay');
    await withTimeout(
      (async () => {
        while ((await queue.getJobState(broken.id!)) !== 'failed') await new Promise((r) => setTimeout(r, 50));
      })(),
      3_000,
      'the broken job failed for good',
    );
    assert.is(attempts.get('broken'), 2);
    assert.equal(await queue.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed'), { waiting: 0, active: 0, completed: JOBS + 2, failed: 1, delayed: 0 });
    const stored = await queue.getJob(jobs[7].id!);
    assert.is(stored!.returnvalue, 'job7 done');
    assert.is(stored!.progress, 50);
    assert.equal(stored!.data, { i: 7 });
    assert.is((await queue.getJob(broken.id!))!.failedReason, 'always fails');
  });

  const stalled = 'a Worker killed (SIGKILL) mid-job: another Worker\'s stalled check takes its job; a job scheduler runs its count';
  test(stalled, async (ctx) => {
    const reason = await needsStreams(ctx);
    if (reason !== null) return new Skips(`${NAME} ${ctx.target.label}`).now(stalled, reason);
    assert.is(await connection(ctx).call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), 'OK');
    const queueName = `stall${ctx.target.workers}`;
    const dying = spawn(process.execPath, ['-e', CONSUMER, require.resolve('bullmq'), ctx.target.host, String(ctx.target.port), queueName, JSON.stringify(STALL)], { stdio: ['ignore', 'pipe', 'inherit'] });
    ctx.defer(() => dying.kill('SIGKILL'));
    const started = new Promise<void>((resolve) => dying.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve()));
    const queue = new Queue(queueName, { connection: connection(ctx), prefix: '{bullmq}' });
    ctx.defer(() => queue.close());
    const job = await queue.add('stuck', {});
    await withTimeout(started, 5_000, 'the first Worker took the job');
    dying.kill('SIGKILL');
    const ticks: number[] = [];
    let resolveRescued: (value: string) => void = () => {};
    let resolveTicks: () => void = () => {};
    const rescued = new Promise<string>((resolve) => (resolveRescued = resolve));
    const thrice = new Promise<void>((resolve) => (resolveTicks = resolve));
    const rescuer = new Worker(queueName, async (j: Job) => `${j.name} rescued`, { connection: connection(ctx), prefix: '{bullmq}', ...STALL });
    rescuer.on('error', () => {});
    rescuer.on('completed', (done: Job, result: string) => {
      if (done.id === job.id) resolveRescued(result);
      if (done.name === 'tick' && ticks.push(done.timestamp) === 3) resolveTicks();
    });
    ctx.defer(() => rescuer.close(true));
    assert.is(await withTimeout(rescued, 5_000, 'the stalled job completed on the other Worker'), 'stuck rescued');
    await queue.upsertJobScheduler('ticker', { every: 150, limit: 3 }, { name: 'tick' });
    await withTimeout(thrice, 5_000, 'the job scheduler ran 3 times');
    assert.is((await queue.getJobCounts('failed')).failed, 0);
  });
});
