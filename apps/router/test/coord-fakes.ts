import { OutBuffer, ReplyKind, RESP_REPLIES, SHARD_COUNT, type Args, type Items, type ReplyEncoder } from '@kv/wire';
import type { CommandSpec, ReplySink } from '@kv/node';
import type { Pending } from '../src/links/types';
import type { Answer, Later, OwnerSet, Place, PlanSink } from '../src/coord/plan';

/** A step a plan sent to a fake owner. */
export interface FakeStep {
  worker: number;
  shard: number;
  name: string;
  argv: string[];
  txid: string | null;
  /** Where its reply goes when it waits (answer it with settle()). */
  pending: Pending | null;
}

/** A reply in the inter-process form. */
export type Reply = [ReplyKind, string, Items?];
/** How a fake owner answers a step: a reply now, or 'later' (the test settles it when it likes). */
export type Answerer = (step: FakeStep) => Reply | 'later';

export const ok = (): Reply => [ReplyKind.OK, ''];
export const int = (n: number): Reply => [ReplyKind.INTEGER, String(n)];
export const bulk = (v: string): Reply => [ReplyKind.BULK, v];
export const nil = (): Reply => [ReplyKind.NIL, ''];
export const err = (m: string): Reply => [ReplyKind.ERROR, m];
export const list = (items: Items): Reply => [ReplyKind.ARRAY, '', items];

/** Hands a reply to a ReplySink (what an owner does with its handler's reply). */
export function answer(sink: ReplySink, [kind, payload, items]: Reply): void {
  switch (kind) {
    case ReplyKind.OK:
      return sink.ok();
    case ReplyKind.NIL:
      return sink.nil();
    case ReplyKind.BULK:
      return sink.bulk(payload);
    case ReplyKind.INTEGER:
      return sink.integer(Number(payload));
    case ReplyKind.ERROR:
      return sink.error(payload);
    case ReplyKind.ARRAY:
      return sink.array(items ?? []);
    case ReplyKind.STATUS:
      return sink.status(payload);
    default:
      throw new Error(`no fake for kind ${kind}`);
  }
}

/**
 * The owners a plan runs on, faked: every step is recorded; `answerer` answers it at once or
 * makes it wait (the test settles its Pending later, in any order). It also checks that no plan
 * runs a step from inside another step of the same run (no re-entrance: a plan's own loop takes
 * the next step).
 */
export class FakeOwners implements OwnerSet {
  reader = 0;
  readonly map = new Uint8Array(SHARD_COUNT);
  readonly steps: FakeStep[] = [];
  readonly controls: { worker: number; name: string; argv: string[]; link: number }[] = [];
  readonly sent: { worker: number; argv: string[]; pending: Pending }[] = [];
  readonly ended: [txid: string, commit: boolean][] = [];
  /** The live link id to each worker (a test changes one to fake a link that closed). */
  readonly links = new Map<number, number>();
  readonly versions = new Map<string, number>();
  readonly down = new Set<number>();
  localBusy = false;
  flushes = 0;
  private depth = 0;
  maxDepth = 0;
  private ids = 0;

  constructor(
    readonly self: number,
    workers: number,
    public answerer: Answerer,
  ) {
    for (let s = 0; s < SHARD_COUNT; s++) this.map[s] = s % workers;
  }

  run(worker: number, shard: number, spec: CommandSpec, args: Args, now: ReplySink, later: Later, index: number): boolean {
    this.depth++;
    this.maxDepth = Math.max(this.maxDepth, this.depth);
    try {
      const argv: string[] = [];
      for (let i = 0; i < args.count; i++) argv.push(args.latin1(i));
      const step: FakeStep = { worker, shard, name: spec.name, argv, txid: later.txid, pending: null };
      this.steps.push(step);
      const reply = this.answerer(step);
      if (reply === 'later') {
        step.pending = later.later(index);
        return false;
      }
      answer(now, reply);
      return true;
    } finally {
      this.depth--;
    }
  }

  /** Settles a step that waited. */
  settle(step: FakeStep, [kind, payload, items]: Reply): void {
    step.pending!.settle(kind, payload, items);
  }

  localVersion(key: string): number {
    return this.versions.get(key) ?? 0;
  }

  endHold(txid: string, commit: boolean): void {
    this.ended.push([txid, commit]);
  }

  linkIdOf(worker: number): number {
    return this.down.has(worker) ? -1 : (this.links.get(worker) ?? 100 + worker);
  }

  isUp(worker: number): boolean {
    return !this.down.has(worker);
  }

  control(worker: number, opcode: number, args: Args, link: number): boolean {
    const argv: string[] = [];
    for (let i = 0; i < args.count; i++) argv.push(args.latin1(i));
    if (this.linkIdOf(worker) !== link) return false;
    this.controls.push({ worker, name: argv[0], argv, link });
    return true;
  }

  send(worker: number, _opcode: number, args: Args, pending: Pending): void {
    const argv: string[] = [];
    for (let i = 0; i < args.count; i++) argv.push(args.latin1(i));
    this.sent.push({ worker, argv, pending });
  }

  request(worker: number, opcode: number, args: Args, pending: Pending): void {
    this.send(worker, opcode, args, pending);
  }

  newTxid(kind: 'txn' | 'hold'): string {
    return `${kind}${this.ids++}`;
  }

  flushReplies(): void {
    this.flushes++;
  }
}

/** Where a plan's reply goes, in RESP2: written now, or into its place once ready. */
export class FakeSink implements PlanSink {
  readonly replies: ReplyEncoder = RESP_REPLIES;
  private readonly out = new OutBuffer(64);
  /** Places taken; readies seen. */
  places = 0;
  readies = 0;
  nows = 0;
  failures: Error[] = [];

  place(answer: Answer): Place {
    this.places++;
    return {
      ready: () => {
        this.readies++;
        answer.encode(this.out);
      },
    };
  }

  now(answer: Answer): void {
    this.nows++;
    answer.encode(this.out);
  }

  failed(err: Error): void {
    this.failures.push(err);
  }

  /** What was written so far. */
  get written(): string {
    return this.out.buf.latin1Slice(0, this.out.length);
  }
}
