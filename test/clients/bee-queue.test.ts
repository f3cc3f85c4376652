import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import BeeQueue from 'bee-queue';
import { clientSuites, withTimeout, type Ctx } from './target';

/**
 * bee-queue 2 (on node-redis 3): its Lua scripts add jobs and promote delayed ones (PUBLISH
 * from a script), a worker waits with BRPOPLPUSH waiting -> active, and retries with backoff go
 * through the delayed set. Its keys take the prefix `{bq}`: a hash tag, so every key of a queue is
 * in one slot (multi-key commands here need that, as in Redis Cluster). Counts come from its own
 * checkHealth (a MULTI of LLEN, SCARD, ZCARD and GET). A worker that dies mid-job stops
 * answering its stall check: another worker's checkStalledJobs gives the job back.
 */
const JOBS = 20;
/** A worker in a process of its own that takes a job and never ends it (argv: bee-queue's path, host, port, queue). */
const CONSUMER = `
const [beeQueue, host, port, name] = process.argv.slice(1);
const queue = new (require(beeQueue))(name, { prefix: '{bq}', redis: { host, port: Number(port) }, stallInterval: 500 });
queue.on('error', () => {});
queue.process(() => { console.log('started'); return new Promise(() => {}); });
`;

function beeQueue(ctx: Ctx, name: string, stallInterval = 1_000): BeeQueue {
  const queue = new BeeQueue(name, {
    prefix: '{bq}',
    redis: { host: ctx.target.host, port: ctx.target.port, connect_timeout: 3_000 },
    activateDelayedJobs: true,
    delayedDebounce: 50,
    nearTermWindow: 1_000,
    stallInterval,
  });
  queue.on('error', () => {});
  ctx.defer(() => queue.close(2_000));
  return queue;
}

/** Resolves once `count` jobs ended (succeeded, or failed with no retry left); their ends by job id. */
function ends(queue: BeeQueue, count: number): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  return new Promise((resolve) => {
    const end = (id: string, outcome: string) => {
      seen.set(id, outcome);
      if (seen.size === count) resolve(seen);
    };
    queue.on('succeeded', (job, result) => end(job.id, `succeeded ${result}`));
    queue.on('failed', (job, err) => end(job.id, `failed ${err.message}`));
  });
}

clientSuites('bee-queue', (test) => {
  test(`${JOBS} jobs through 4 concurrent handlers: a delayed one, one retried after a failure, one failed for good`, async (ctx) => {
    const queue = beeQueue(ctx, `q${ctx.target.workers}`);
    await queue.ready();
    const attempts = new Map<string, number>();
    const done = ends(queue, JOBS + 1);
    queue.process(4, async (job: BeeQueue.Job<{ name: string }>) => {
      const tries = (attempts.get(job.data.name) ?? 0) + 1;
      attempts.set(job.data.name, tries);
      if (job.data.name === 'flaky' && tries === 1) throw new Error('first try fails');
      if (job.data.name === 'broken') throw new Error('always fails');
      return `${job.data.name} done`;
    });
    const added = Date.now();
    const jobs = await Promise.all(Array.from({ length: JOBS - 2 }, (_, i) => queue.createJob({ name: `job${i}` }).save()));
    const delayed = await queue.createJob({ name: 'later' }).delayUntil(added + 400).save();
    const flaky = await queue.createJob({ name: 'flaky' }).retries(2).backoff('fixed', 150).save();
    const broken = await queue.createJob({ name: 'broken' }).retries(1).backoff('fixed', 50).save();
    const seen = await withTimeout(done, 8_000, 'every job ended');
    assert.is(seen.get(jobs[0].id), 'succeeded job0 done');
    assert.is(seen.get(delayed.id), 'succeeded later done');
    assert.ok(Date.now() - added >= 400, 'the delayed job ran after its delay');
    assert.is(seen.get(flaky.id), 'succeeded flaky done');
    assert.is(attempts.get('flaky'), 2, 'retried once');
    assert.is(seen.get(broken.id), 'failed always fails');
    assert.is(attempts.get('broken'), 2);
    const health = await queue.checkHealth();
    assert.equal(health, { waiting: 0, active: 0, succeeded: JOBS, failed: 1, delayed: 0, newestJob: JOBS + 1 });
    const stored = await queue.getJob(jobs[3].id);
    assert.is(stored.status, 'succeeded');
    assert.equal(stored.data, { name: 'job3' });
  });

  test('a worker killed (SIGKILL) mid-job: another worker\'s stalled check gives its job back, and it completes', async (ctx) => {
    const name = `stall${ctx.target.workers}`;
    const dying = spawn(process.execPath, ['-e', CONSUMER, require.resolve('bee-queue'), ctx.target.host, String(ctx.target.port), name], { stdio: ['ignore', 'pipe', 'inherit'] });
    ctx.defer(() => dying.kill('SIGKILL'));
    const started = new Promise<void>((resolve) => dying.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve()));
    const rescuer = beeQueue(ctx, name, 500);
    await rescuer.ready();
    const job = await rescuer.createJob({ name: 'stuck' }).save();
    await withTimeout(started, 5_000, 'the first worker took the job');
    dying.kill('SIGKILL');
    const stalled = new Promise<string>((resolve) => rescuer.on('stalled', (id: string) => resolve(id)));
    const rescued = new Promise<string>((resolve) => rescuer.on('succeeded', (done, result) => done.id === job.id && resolve(result)));
    rescuer.process(async (j: BeeQueue.Job<{ name: string }>) => `${j.data.name} rescued`);
    rescuer.checkStalledJobs(300);
    assert.is(await withTimeout(stalled, 5_000, 'the job found stalled'), job.id);
    assert.is(await withTimeout(rescued, 5_000, 'the stalled job completed on the other worker'), 'stuck rescued');
  });
});
