import { ReplyMode, type Args, type Items, type ReplyKind } from '@kv/wire';
import { KindedReply, type CommandSpec } from '@kv/node';
import type { Failable, Pending } from '../links/types';
import type { Later, OwnerSet } from './plan';

/** What a plan's steps report to it. */
export interface StepTaker extends Failable {
  /** A step must wait for its owner: the plan's reply will come later. */
  waiting(): void;
  /** Step `index` answered after waiting (in the inter-process form; `items` for an ARRAY). */
  late(index: number, kind: ReplyKind, payload: string, items?: Items): void;
}

/** The reply of a step answered at once, kept until the plan reads it. */
export class StepReply extends KindedReply {
  kind = 0 as ReplyKind;
  payload = '';
  items: Items | undefined = undefined;
  protected reply(kind: ReplyKind, payload: string, items?: Items): void {
    this.kind = kind;
    this.payload = payload;
    this.items = items;
  }
}

/**
 * Runs one plan's steps on their owners and brings their replies back: a step answered at once
 * leaves its reply in `now` (run() returns true and the plan reads it there, in its own loop), one
 * that waits reports to `taker.late`. So a plan never runs inside its own step: no part -> step ->
 * part re-entrance, and the next step is taken by the plan's loop, not by the reply.
 */
export class Steps implements Later {
  readonly now = new StepReply();
  /** Client-side caching: the tracking client of the command the plan was made for (owners.ts `reader`), for its later steps too. */
  private readonly reader: number;

  constructor(
    private readonly owners: OwnerSet,
    /** The hold the steps pass (the MULTI/EXEC or script running this plan), or null. */
    readonly txid: string | null,
    private readonly taker: StepTaker,
  ) {
    this.reader = owners.reader;
  }

  /** Runs step `index`: true when answered at once (read `now`), false when it comes to `late`. */
  run(worker: number, shard: number, spec: CommandSpec, args: Args, index: number): boolean {
    const owners = this.owners;
    const reader = this.reader;
    if (reader === 0) return owners.run(worker, shard, spec, args, this.now, this, index);
    const outer = owners.reader;
    owners.reader = reader;
    try {
      return owners.run(worker, shard, spec, args, this.now, this, index);
    } finally {
      owners.reader = outer;
    }
  }

  later(index: number): Pending {
    this.taker.waiting();
    return new LateStep(this.taker, index);
  }
}

/** A step's reply that comes after waiting. */
class LateStep implements Pending {
  readonly mode = ReplyMode.FORM;
  constructor(
    readonly client: StepTaker,
    private readonly index: number,
  ) {}
  settle(kind: ReplyKind, payload: string, items?: Items): void {
    this.client.late(this.index, kind, payload, items);
  }
}
