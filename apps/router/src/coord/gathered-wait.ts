import { argsOf, copyArgs, ReplyKind, ReplyMode, shardOfString, type Args, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed, ReplyTo, timeoutIndex, timeoutMs, waitedKeys, type CommandSpec } from '@kv/node';
import type { Pending } from '../links/types';
import { Gathered } from './gathered';
import { WATCH_DELAY_MS } from './test-delays';
import { PlanReply, type Answer, type Later, type OwnerSet, type Place, type Plan, type PlanSink } from './plan';

const WATCH = { list: commandNamed('BWAITLIST'), zset: commandNamed('BWAITZSET'), stream: commandNamed('BWAITSTREAM') };
/** A woken XREAD BLOCK with no COUNT reads at most this many entries, as Redis's XREAD_BLOCKED_DEFAULT_COUNT. */
const BLOCKED_DEFAULT_COUNT = '1000';

/**
 * A blocking command (BLMOVE, BRPOPLPUSH, BLMPOP, BZMPOP, BLPOP ...) of a client that may wait,
 * over keys of several workers: tried as its non-blocking form, gathered (Gathered: every owner
 * held, atomic); when that finds nothing, a watch (BWAITLIST, BWAITZSET) waits on each waited
 * key's owner in that key's line of blocked clients (first blocked first served: a watch served
 * takes nothing, and the key's later waiters wait behind it), and the first to fire cancels the
 * others and tries again. Its timeout is its own (a timer here); a resize or shutdown answers it
 * as timed out (a watch answered empty); a client that leaves cancels every watch, and a try under
 * way takes nothing for it (cancelled()). Nothing polls.
 * XREAD BLOCK's watch (BWAITSTREAM) carries each stream's id (`$` as its first try fixed it, when
 * the command arrived: keep()) and answers the stream that has an entry after it, with that id:
 * the try is then that stream alone from that id, as Redis answers a woken reader with the stream
 * that woke it.
 */
export class GatheredWait implements Plan, Later {
  /** Its client's input waits as behind a blocked command (blockInput: the socket is still read, so a client that leaves is noticed), not as behind a transaction. */
  readonly blocks = false;
  readonly txid = null;
  readonly mayBlock = true;
  private readonly reply: PlanReply;
  /** The command (an XREAD's `$` fixed by its first try: keep()). */
  private args: Args;
  /** What the next try runs: the command, or a woken XREAD narrowed to the stream that woke it. */
  private tryArgs: Args;
  private readonly watch: CommandSpec;
  /** XREAD's id of each stream (its watch waits after it). */
  private readonly ids = new Map<string, string>();
  /** The waited keys by shard: one watch each. */
  private readonly groups = new Map<number, string[]>();
  private run: Gathered | null = null;
  /** The try under way when its client left: it takes nothing, and its holds go when it is over. */
  private left: Gathered | null = null;
  /** Bumped at each arming: a watch of an earlier round that answers is ignored. */
  private round = 0;
  private cancels: ((gone: boolean) => void)[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** The timeout passed while a try was under way: an empty try answers a null array. */
  private timeUp = false;
  private over_ = false;
  private error = '';

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    private readonly spec: CommandSpec,
    args: Args,
    private readonly ms: number,
  ) {
    this.reply = new PlanReply(sink, this);
    // Tried again after waiting: a copy (the client's read buffer is reused).
    this.args = this.tryArgs = copyArgs(args);
    this.watch = WATCH[spec.blocking!.takes];
    const waited = waitedKeys(spec, args);
    for (const [i, k] of waited.entries()) {
      const key = args.latin1(k);
      // XREAD: the ids follow the keys, in their order.
      if (spec.blocking!.takes === 'stream' && !this.ids.has(key)) this.ids.set(key, args.latin1(waited[waited.length - 1] + 1 + i));
      const shard = shardOfString(key);
      const keys = this.groups.get(shard) ?? [];
      if (!keys.includes(key)) keys.push(key);
      this.groups.set(shard, keys);
    }
  }

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done && (this.run === null || this.run.over) && (this.left === null || this.left.over);
  }

  start(): void {
    // Its place first, then its client's input waits for it; if the client leaves, every watch is cancelled.
    this.reply.wait();
    (this.reply.sink as Partial<Later>).blockInput?.(() => this.cancelled());
    if (this.ms > 0) this.timer = setTimeout(() => this.timedOut(), this.ms);
    this.attempt();
  }

  /**
   * Its client left or half-closed (Redis frees a client at EOF), or CLIENT UNBLOCK: a try under
   * way takes nothing for it (Gathered.abandon: stopped before its run, or its run put back), and
   * it answers as timed out (an empty answer a half-closed client is not sent).
   */
  private cancelled(): void {
    if (this.run !== null && !this.run.done) {
      this.left = this.run;
      this.run.abandon();
    }
    this.finish('');
  }

  /** The non-blocking form, gathered over every owner. */
  private attempt(): void {
    const inner: PlanSink = {
      replies: this.reply.replies,
      place: (_answer: Answer): Place => {
        this.reply.wait();
        return { ready: () => this.tried() };
      },
      now: () => this.tried(),
      failed: (err) => this.reply.sink.failed(err),
    };
    this.run = new Gathered(this.owners, inner, null, this.spec, this.tryArgs, true);
    this.run.start();
  }

  private tried(): void {
    if (this.reply.done) return;
    // The watch that woke it held its key's line: it goes on now.
    this.cancelWatches();
    const run = this.run!;
    // Something (or an error): the answer. Nothing: wait, unless the time is up (or its timeout is an error: the try answered it).
    if (!run.empty || this.ms < 0) return this.complete();
    if (this.timeUp || this.over_) return this.finish('');
    if (this.tryArgs === this.args && run.kept.length > 0) this.keep(run.kept);
    this.tryArgs = this.args;
    if (WATCH_DELAY_MS > 0) return void setTimeout(() => this.reply.done || (this.arm(), this.owners.flushReplies()), WATCH_DELAY_MS);
    this.arm();
  }

  /**
   * XREAD: the ids its try waits after (Gathered.kept: `$` is each stream's last id as the try ran,
   * under the holds, as Redis fixes it when the command arrives), so an entry added before its
   * watches are armed still wakes it.
   */
  private keep(ids: readonly string[]): void {
    const waited = waitedKeys(this.spec, this.args);
    if (ids.length !== waited.length) return;
    const argv: string[] = [];
    for (let i = 0; i < this.args.count; i++) argv.push(this.args.latin1(i));
    const idsAt = waited[waited.length - 1] + 1;
    for (const [i, k] of waited.entries()) {
      argv[idsAt + i] = ids[i];
      if (this.ids.get(argv[k]) === '$') this.ids.set(argv[k], ids[i]);
    }
    this.args = argsOf(argv);
  }

  /** A watch on each waited key's owner; one answered at once tries again at once. */
  private arm(): void {
    const round = ++this.round;
    let ready = false;
    const now = new ReplyTo((kind, _payload, items) => {
      if (kind === ReplyKind.INTEGER) ready = true;
      else if (kind === ReplyKind.ARRAY) ready = this.narrow(items);
      else if (kind === ReplyKind.ERROR) this.error ||= 'ERR';
    });
    for (const [shard, keys] of this.groups) {
      if (ready) break;
      const worker = this.owners.map[shard];
      const args = this.ids.size > 0 ? argsOf([this.watch.name, 'BLOCK', '0', 'STREAMS', ...keys, ...keys.map((k) => this.ids.get(k)!)]) : argsOf([this.watch.name, ...keys, '0']);
      this.owners.run(worker, shard, this.watch, args, now, this, round);
    }
    if (ready) {
      this.cancelWatches();
      this.attempt();
    }
  }

  /** Later: a watch waits (its place is this plan's own, taken once). */
  later(round: number): Pending {
    this.reply.wait();
    const client = { failed: (err: Error) => this.reply.sink.failed(err) };
    return { client, mode: ReplyMode.FORM, settle: (kind: ReplyKind, payload: string, items?: Items) => this.fired(round, kind, payload, items) };
  }

  blockInput(cancel: (gone: boolean) => void): void {
    this.cancels.push(cancel);
  }

  /** A stream's watch answered [key, id]: the next try reads that stream alone, after that id (XREAD [COUNT n] as given, else Redis's 1000). True when understood. */
  private narrow(items: Items | undefined): boolean {
    const [key, id] = (items ?? []) as (string | undefined)[];
    if (typeof key !== 'string' || typeof id !== 'string') return false;
    let count = BLOCKED_DEFAULT_COUNT;
    for (let i = 1; i < this.args.count - 1; i++) {
      const option = this.args.latin1(i).toUpperCase();
      if (option === 'STREAMS') break;
      if (option === 'COUNT') count = this.args.latin1(i + 1);
      if (option === 'COUNT' || option === 'BLOCK') i++;
    }
    this.tryArgs = argsOf([this.args.latin1(0), 'COUNT', count, 'STREAMS', key, id]);
    return true;
  }

  private fired(round: number, kind: ReplyKind, payload: string, items?: Items): void {
    if (round !== this.round || this.reply.done) return;
    // The others' answers are stale now; all are cancelled once the try is over (the fired one holds its key's line meanwhile).
    this.round++;
    // A watch answered empty: a resize or shutdown stopped its owner's waiters (answered as timed out); an error: its owner is gone.
    if (kind === ReplyKind.ERROR) return this.finish(payload);
    if (kind !== ReplyKind.INTEGER && !(kind === ReplyKind.ARRAY && this.narrow(items))) return this.finish('');
    this.attempt();
  }

  private cancelWatches(): void {
    this.round++;
    const cancels = this.cancels;
    this.cancels = [];
    for (const cancel of cancels) cancel(true);
  }

  private timedOut(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.timeUp = true;
    // A try under way answers for itself (what it took is the client's).
    if (this.run !== null && !this.run.done) return;
    this.finish('');
    this.owners.flushReplies();
  }

  /** Answered by the last try. */
  private complete(): void {
    this.over_ = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.reply.complete();
  }

  /** Answered as timed out (a null array), or with `error`; every watch cancelled. */
  private finish(error: string): void {
    if (this.reply.done) return;
    this.cancelWatches();
    this.error = error;
    this.run = null;
    this.complete();
  }

  encode(out: OutBuffer): void {
    const replies = this.reply.replies;
    if (this.error !== '') return replies.error(out, this.error);
    if (this.run === null) return replies.nullArray(out);
    this.run.encode(out);
  }
}

/** The waiting plan of a blocking command of a client that may wait, when its keys are of several workers; else null. */
export function waitPlan(owners: OwnerSet, sink: PlanSink, spec: CommandSpec, args: Args): Plan | null {
  const blocking = spec.blocking;
  if (blocking === undefined || blocking.watch === true) return null;
  const keys = waitedKeys(spec, args);
  if (keys.length === 0 || keys[keys.length - 1] >= args.count) return null;
  const first = owners.map[shardOfString(args.latin1(keys[0]))];
  let across = false;
  // BLMOVE's destination too.
  const all = blocking.keys === 'source' ? [1, 2] : keys;
  for (const k of all) if (k < args.count && owners.map[shardOfString(args.latin1(k))] !== first) across = true;
  if (!across) return null;
  let ms = -1;
  const quiet = new ReplyTo(() => {});
  if (blocking.waitMs !== undefined) {
    // XREAD: BLOCK ms (without it, it does not wait: gathered as any multi-key read).
    ms = blocking.waitMs(args, quiet) ?? -1;
    if (ms < 0) return null;
  } else {
    const at = timeoutIndex(spec, args.count);
    if (at > 0 && at < args.count) ms = timeoutMs(args, at, quiet) ?? -1;
  }
  return new GatheredWait(owners, sink, spec, args, ms);
}
