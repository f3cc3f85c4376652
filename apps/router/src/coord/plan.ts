import { Args, ReplyMode, type Items, type OutBuffer, type ReplyEncoder, type ReplyKind } from '@kv/wire';
import { KindedReply, type CommandSpec } from '@kv/node';
import { Owed, type OwedClient } from '../client/reply-queue';
import type { Pending } from '../links/types';
import type { Later, Owners } from './owners';

/** What a plan needs of the client that sent its command. */
export interface PlanClient extends OwedClient {
  readonly owners: Owners;
  /** The encoder of the command being run (its client's protocol as it stands when the command is read). */
  readonly replies: ReplyEncoder;
  /** Places an owed reply in the client's reply order (at the point of the command being run). */
  owe(item: Owed): void;
  /** The MULTI/EXEC or script whose hold the client's commands run under now, or null (Later.txid). */
  readonly txid: string | null;
}

/**
 * A command run over several owners as one reply: per key or per worker (Gather), atomic across
 * workers (Transaction), or a cursor walk (Scan). Each step runs through Owners.run; a step
 * answered at once is recorded at once, and the plan takes a place in the client's reply order
 * only when some step has to wait. Its reply is encoded once it is done, in order, in the
 * protocol its client spoke when it sent the command (a HELLO later in the same pipeline does not
 * change it).
 */
export abstract class Plan extends Owed implements Later {
  /** In the client's reply order: some step had to wait. */
  placed = false;
  /** The client's later commands wait until it is done (a transaction: the client reads its own writes). */
  readonly blocks: boolean = false;

  /** The client's protocol when the command was read: the reply is encoded in it. */
  protected readonly replies: ReplyEncoder;

  constructor(readonly client: PlanClient) {
    super();
    this.replies = client.replies;
  }

  /** Its steps pass the hold of the client's MULTI/EXEC or script, if one is running them. */
  get txid(): string | null {
    return this.client.txid;
  }

  /** The client may go on with what it sent next (a blocking plan: once it is done). */
  get over(): boolean {
    return this.done;
  }

  /** Step `index` answered (in the inter-process form; `items` for an ARRAY). */
  abstract part(index: number, kind: ReplyKind, payload: string, items?: Items): void;

  /** Runs the plan's first steps (and, when they answer at once, the rest). */
  abstract start(): void;

  later(index: number): Pending {
    this.place();
    return new Part(this, index);
  }

  /** Runs one step on its owner; true when it was answered at once (part() has run). */
  protected step(worker: number, shard: number, spec: CommandSpec, args: Args, index: number): boolean {
    const sink = NOW;
    sink.plan = this;
    sink.index = index;
    return this.client.owners.run(worker, shard, spec, args, sink, this, index);
  }

  protected place(): void {
    if (this.placed) return;
    this.placed = true;
    this.client.owe(this);
  }

  /** The reply is ready: written now if the plan is in the reply order (else run() encodes it). */
  protected complete(): void {
    this.done = true;
    if (this.placed) this.client.ready();
  }
}

/**
 * Starts a plan for a client. Answered at once (every step ran here, on free shards): its reply
 * goes where the client's next reply would. Else it waits in the client's reply order. Returns
 * the plan, done or not.
 */
export function runPlan<T extends Plan>(plan: T, target: () => OutBuffer): T {
  plan.start();
  if (!plan.placed) plan.encode(target());
  return plan;
}

/** A step of a plan that answers later. */
class Part implements Pending {
  readonly mode = ReplyMode.FORM;
  constructor(
    private readonly plan: Plan,
    private readonly index: number,
  ) {}
  get client(): PlanClient {
    return this.plan.client;
  }
  settle(kind: ReplyKind, payload: string, items?: Items): void {
    this.plan.part(this.index, kind, payload, items);
  }
}

/** Takes the reply of a step answered at once (one object, reused: steps run one at a time). */
class NowSink extends KindedReply {
  plan: Plan | null = null;
  index = 0;
  protected reply(kind: ReplyKind, payload: string, items?: Items): void {
    this.plan!.part(this.index, kind, payload, items);
  }
}
const NOW = new NowSink();

/** argv[0] and argv[key] of a multi-key command, as one command (reused: copied where it must wait). */
export const partArgs = new Args(2);
export function keyPart(args: Args, key: number): Args {
  partArgs.reset(args.buf);
  partArgs.push(args.starts[0], args.ends[0]);
  partArgs.push(args.starts[key], args.ends[key]);
  return partArgs;
}
