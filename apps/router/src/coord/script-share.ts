import type { Items, OutBuffer, ReplyKind } from '@kv/wire';
import type { ScriptKind } from '@kv/lua';
import { Plan } from './plan';
import type { ScriptClient } from './script';
import { resumeFromPromise } from './scripts';

/**
 * A script body brought in without running it, answered once every other worker has it
 * (coord/scripts.ts): SCRIPT LOAD (kept for good; answered with its sha, or Redis's compile
 * error), and an EVAL queued in MULTI (answered +QUEUED, a compile error included, as Redis
 * queues it; its EXEC may run it under holds, where waiting for the copies would wait behind
 * those holds, so the copies are made now). Waits for the engine while it is being replaced.
 */
export class ShareScript extends Plan {
  private error: string | null = null;
  private sha = '';

  constructor(
    override readonly client: ScriptClient,
    private readonly body: string,
    private readonly kind: ScriptKind,
    private readonly answer: 'sha' | 'queued',
  ) {
    super(client);
  }

  start(): void {
    const scripts = this.client.scripts;
    if (scripts.engine !== null) return this.admit();
    this.place();
    scripts.ready.then(
      () => resumeFromPromise(this.client, () => this.admit()),
      (err: Error) => resumeFromPromise(this.client, () => this.fail(`ERR the Lua engine failed to start: ${err.message}`)),
    );
  }

  private admit(): void {
    const client = this.client;
    let admitted: ReturnType<typeof client.scripts.admit>;
    try {
      admitted = client.scripts.admit(this.body, this.kind, client.owners, client.workers, true);
    } catch (err) {
      // The engine failed (it is being replaced): this command fails, the worker goes on.
      return this.fail(`ERR script failed: ${(err as Error).message}`);
    }
    if ('error' in admitted) return this.fail(admitted.error);
    this.sha = admitted.sha;
    const share = admitted.share;
    if (share === null || share.done) return this.complete();
    this.place();
    share.whenDone(() => this.complete());
  }

  private fail(message: string): void {
    this.error = message;
    this.complete();
  }

  part(_index: number, _kind: ReplyKind, _payload: string, _items?: Items): void {}

  encode(out: OutBuffer): void {
    if (this.answer === 'queued') return this.replies.status(out, 'QUEUED');
    if (this.error !== null) return this.replies.error(out, this.error);
    this.replies.bulk(out, this.sha);
  }
}
