import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import Queue from 'bull';
import { clientSuites, withTimeout, type Ctx } from './target';

/**
 * Bull 4 (the older Redis queue, on ioredis 5): its Lua scripts add jobs, move them to active
 * (BRPOPLPUSH wait -> active), finish, retry with backoff and promote delayed jobs. Its keys take
 * the prefix `{bull}`: a hash tag, as Bull's docs ask for Redis Cluster, so every key of a queue
 * is in one slot (multi-key commands here need that, as in a cluster). Counts come from Bull's
 * own getJobCounts; every job is seen completed or failed through its local events. A consumer
 * that dies mid-job leaves a lock that expires: another consumer's stalled check takes the job.
 */
const JOBS = 20;
/** A consumer in a process of its own that takes a job and never ends it (argv: bull's path, host, port, queue, settings). */
const CONSUMER = `
const [bull, host, port, name, settings] = process.argv.slice(1);
const queue = new (require(bull))(name, { prefix: '{bull}', redis: { host, port: Number(port) }, settings: JSON.parse(settings) });
queue.on('error', () => {});
queue.process(() => { console.log('started'); return new Promise(() => {}); });
`;

function bullQueue(ctx: Ctx, name: string, settings: Queue.AdvancedSettings = {}): Queue.Queue {
  const queue = new Queue(name, {
    prefix: '{bull}',
    redis: { host: ctx.target.host, port: ctx.target.port, connectTimeout: 3_000 },
    settings: { stalledInterval: 5_000, guardInterval: 200, retryProcessDelay: 100, drainDelay: 1, ...settings },
  });
  queue.on('error', () => {});
  ctx.defer(() => queue.close());
  return queue;
}

/** Resolves once `count` jobs ended (completed or failed for good); their ends by job id. */
function ends(queue: Queue.Queue, count: number): Promise<Map<string, string>> {
  const seen = new Map<string, string>();
  return new Promise((resolve) => {
    const end = (job: Queue.Job, outcome: string) => {
      seen.set(String(job.id), outcome);
      if (seen.size === count) resolve(seen);
    };
    queue.on('completed', (job, result) => end(job, `completed ${result}`));
    queue.on('failed', (job, err) => {
      if (job.attemptsMade >= (job.opts.attempts ?? 1)) end(job, `failed ${err.message}`);
    });
  });
}

clientSuites('bull', (test) => {
  test(`${JOBS} jobs through 4 concurrent handlers: a delayed one, one retried after a failure, one failed for good`, async (ctx) => {
    const queue = bullQueue(ctx, `q${ctx.target.workers}`);
    await queue.isReady();
    const attempts = new Map<string, number>();
    const done = ends(queue, JOBS + 1);
    void queue.process(4, async (job: Queue.Job) => {
      const tries = (attempts.get(job.data.name) ?? 0) + 1;
      attempts.set(job.data.name, tries);
      if (job.data.name === 'flaky' && tries === 1) throw new Error('first try fails');
      if (job.data.name === 'broken') throw new Error('always fails');
      await job.progress(50);
      return `${job.data.name} done`;
    });
    const added = Date.now();
    const jobs = await Promise.all(Array.from({ length: JOBS - 2 }, (_, i) => queue.add({ name: `job${i}` })));
    const delayed = await queue.add({ name: 'later' }, { delay: 400 });
    const flaky = await queue.add({ name: 'flaky' }, { attempts: 3, backoff: { type: 'fixed', delay: 150 } });
    const broken = await queue.add({ name: 'broken' }, { attempts: 2, backoff: 50 });
    assert.is(jobs.length, JOBS - 2);
    const seen = await withTimeout(done, 8_000, 'every job ended');
    assert.is(seen.get(String(jobs[0].id)), 'completed job0 done');
    assert.is(seen.get(String(delayed.id)), 'completed later done');
    assert.ok((await queue.getJob(delayed.id))!.processedOn! - added >= 400, 'the delayed job ran after its delay');
    assert.is(seen.get(String(flaky.id)), 'completed flaky done');
    assert.is(attempts.get('flaky'), 2, 'retried once');
    assert.is(seen.get(String(broken.id)), 'failed always fails');
    assert.is(attempts.get('broken'), 2);
    const counts = await queue.getJobCounts();
    assert.equal(counts, { waiting: 0, active: 0, completed: JOBS, failed: 1, delayed: 0, paused: 0 });
    const finished = await queue.getJob(jobs[3].id);
    assert.is(finished!.returnvalue, 'job3 done');
    assert.is(finished!.progress(), 50);
    assert.is((await queue.getFailed())[0].failedReason, 'always fails');
  });

  test('a consumer that dies mid-job: its job is picked up again by another; a repeatable job runs its count', async (ctx) => {
    const name = `stall${ctx.target.workers}`;
    const settings = { lockDuration: 600, stalledInterval: 300 };
    // The first consumer is a process of its own, killed (SIGKILL) once it has the job: its lock is never renewed.
    const dying = spawn(process.execPath, ['-e', CONSUMER, require.resolve('bull'), ctx.target.host, String(ctx.target.port), name, JSON.stringify(settings)], { stdio: ['ignore', 'pipe', 'inherit'] });
    ctx.defer(() => dying.kill('SIGKILL'));
    const started = new Promise<void>((resolve) => dying.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('started') && resolve()));
    const producer = bullQueue(ctx, name, settings);
    const job = await producer.add({ name: 'stuck' });
    await withTimeout(started, 5_000, 'the first consumer took the job');
    dying.kill('SIGKILL');
    const rescuer = bullQueue(ctx, name, settings);
    const rescued = new Promise<string>((resolve) => rescuer.on('completed', (done: Queue.Job, result: string) => done.id === job.id && resolve(result)));
    void rescuer.process(async (j: Queue.Job) => `${j.data.name} rescued`);
    assert.is(await withTimeout(rescued, 5_000, 'the stalled job completed on the other consumer'), 'stuck rescued');

    const repeated: number[] = [];
    const thrice = new Promise<void>((resolve) =>
      rescuer.on('completed', (done: Queue.Job) => {
        if (done.data.name !== 'tick') return;
        repeated.push(done.timestamp);
        if (repeated.length === 3) resolve();
      }),
    );
    await rescuer.add({ name: 'tick' }, { repeat: { every: 150, limit: 3 } });
    await withTimeout(thrice, 5_000, 'the repeatable job ran 3 times');
    assert.is((await rescuer.getRepeatableJobs()).length, 1);
    assert.equal((await rescuer.getJobCounts()).failed, 0);
  });
});
