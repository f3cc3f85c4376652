import { ReplyKind, type Args, type Items, type OutBuffer } from '@kv/wire';
import type { CommandSpec } from '@kv/node';
import { WHOLE_WORKER } from './owners';
import { Plan, type PlanClient } from './plan';

/**
 * A worker command sent to every other worker (SCRIPT LOAD's and SCRIPT FLUSH's copies), answered
 * once all have it: with `answer` (a bulk, e.g. the sha1) or OK, or the first error.
 */
export class Broadcast extends Plan {
  private remaining = 0;
  private error = '';

  constructor(
    client: PlanClient,
    private readonly spec: CommandSpec,
    private readonly args: Args,
    private readonly workers: number,
    private readonly answer: string | null,
  ) {
    super(client);
  }

  start(): void {
    const self = this.client.owners.self;
    this.remaining = this.workers - 1;
    if (this.remaining <= 0) return this.complete();
    for (let w = 0; w < this.workers; w++) if (w !== self) this.step(w, WHOLE_WORKER, this.spec, this.args, w);
  }

  part(_index: number, kind: ReplyKind, payload: string, _items?: Items): void {
    if (kind === ReplyKind.ERROR && this.error === '') this.error = payload;
    if (--this.remaining === 0) this.complete();
  }

  encode(out: OutBuffer): void {
    if (this.error !== '') return this.replies.error(out, this.error);
    if (this.answer === null) return this.replies.ok(out);
    this.replies.bulk(out, this.answer);
  }
}
