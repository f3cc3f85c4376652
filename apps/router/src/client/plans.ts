import { isErrorAt } from './owed-reply';
import type { Args, OutBuffer, ReplyEncoder } from '@kv/wire';
import type { Exec, ExecClient } from '../coord/exec';
import type { Answer, Later, Place, Plan, PlanSink } from '../coord/plan';
import type { Pending } from '../links/types';
import type { ClientReplies } from './replies';
import type { OwedReply, ReplyOrder } from './reply-order';
import type { CommandTimer } from './timer';

/** What a client's plans need of the rest of the client. */
export interface PlansClient {
  /** Runs a command EXEC queued, as if just sent: its reply takes its place in the reply order. */
  runQueued(args: Args): void;
  /** Some of its replies are done, or its EXEC is over: write out what is in order now. */
  ready(): void;
  failed(err: Error): void;
}

/**
 * Where a client's commands that do not answer at once go: a one-key command's reply that comes
 * later (Later: an entry of the reply order, at the point of its command), its plans (commands
 * over several owners, EXEC, scripts, WATCH ...: PlanSink), which of them the client's later input
 * waits for (a transaction: the client reads its own writes), and the EXEC whose hold its
 * commands pass while it runs them (ExecClient).
 */
export class ClientPlans implements Later, PlanSink, ExecClient {
  /** A plan of this client's its later input waits for (Flow), until it is over. */
  private blockedBy: Plan | null = null;
  /** Its input waits for that plan (a field: read before every command and every read). */
  blocked = false;
  /** The hold of the EXEC running this client's commands now (Later.txid), or null. */
  txid: string | null = null;
  /** The EXEC whose commands are running, told as their replies come in. */
  running: Exec | null = null;
  /** Flow's InputWait: the input waits for a blocked command. */
  get blockedCommand(): boolean {
    return this.blockSeq >= 0;
  }

  /** The blocked command (BLPOP ...) the input waits for: its seq in the reply order (-1: none), and how to cancel it. */
  private blockSeq = -1;
  private cancelBlock: ((gone: boolean) => void) | null = null;
  /** The seq of the entry later() took last. */
  private lastSeq = 0;
  /** EXEC is running a queued command now (nested: a command's reply may run the next). */
  private runningQueued = 0;
  /** What waits for every reply owed before it (a CONFIG SET's ask), by the seq it came at. */
  private afterEarlier: { seq: number; go: () => void }[] = [];

  constructor(
    private readonly order: ReplyOrder,
    private readonly reply: ClientReplies,
    private readonly timer: CommandTimer,
    private readonly out: OutBuffer,
    private readonly client: PlansClient,
  ) {}

  /** The protocol of the command being run: a plan started now answers in it. */
  get replies(): ReplyEncoder {
    return this.reply.replies;
  }

  /** Later: the command's reply comes later, in its place in the reply order (an entry of the pool). */
  later(_index: number): Pending {
    const item = this.order.owe(this.reply.replies, this.out);
    this.timer.handTo(item);
    this.lastSeq = item.seq;
    return item;
  }

  /** Later: the command whose reply later() just owed is blocked; input waits until it is answered. */
  blockInput(cancel: (gone: boolean) => void): void {
    this.blockSeq = this.lastSeq;
    this.cancelBlock = cancel;
    this.blocked = true;
  }

  /** The seq of the blocked command the input waits for while still unanswered, else -1. */
  get blockedOwed(): number {
    return this.blockSeq >= 0 && this.cancelBlock !== null && !this.order.doneBefore(this.blockSeq + 1) ? this.blockSeq : -1;
  }

  /** CLIENT UNBLOCK: the blocked command waits no more (its owner answers it as timed out); false when none waits. */
  unblock(): boolean {
    const cancel = this.cancelBlock;
    if (cancel === null || this.blockedOwed < 0) return false;
    this.cancelBlock = null;
    cancel(false);
    return true;
  }

  /**
   * The connection closed (`gone`), or ended its input (Redis frees a client at EOF): a command
   * still blocked waits no more and no element is taken for it; its owner answers it empty, so the
   * connection's owed replies end. After a half-close the cancel is kept for the close.
   */
  closed(gone: boolean): void {
    const cancel = this.cancelBlock;
    if (gone) this.cancelBlock = null;
    if (cancel !== null && this.blockSeq >= 0 && !this.order.doneBefore(this.blockSeq + 1)) cancel(gone);
  }

  place(answer: Answer): Place {
    const item: OwedReply = this.order.place(answer, this.out);
    this.timer.handTo(item);
    // A plan that blocks (coord/gathered-wait.ts) names this place in blockInput.
    this.lastSeq = item.seq;
    return item;
  }

  now(answer: Answer): void {
    const target = this.order.target(this.out);
    const at = target.length;
    answer.encode(target);
    // An error answered (CommandTimer counts the call failed).
    if (isErrorAt(target, at, this.reply.replies.mode)) this.reply.errors++;
  }

  failed(err: Error): void {
    this.client.failed(err);
  }

  /** Starts a plan for the command being run (or answers the error it was refused with). */
  start(plan: Plan | string): void {
    if (typeof plan === 'string') return this.reply.error(plan);
    plan.start();
    // Later commands wait for a transaction, so this client reads its own writes. (Inside an
    // EXEC, the EXEC makes them wait already.)
    if (plan.blocks && !plan.over && this.running === null && this.txid === null) {
      this.blockedBy = plan;
      this.blocked = true;
    }
  }

  /**
   * Runs `go` once every reply owed before now is done: at once, or as the last of them is (a
   * command sent earlier but forwarded must not run after what comes next takes effect).
   */
  whenEarlierAnswered(go: () => void): void {
    const seq = this.order.nextSeq;
    if (this.order.doneBefore(seq)) return go();
    this.afterEarlier.push({ seq, go });
  }

  /** An owed reply is done: run what waited for it and those before it. */
  checkEarlier(): void {
    if (this.afterEarlier.length === 0) return;
    const due = this.afterEarlier.filter((w) => this.order.doneBefore(w.seq));
    if (due.length === 0) return;
    this.afterEarlier = this.afterEarlier.filter((w) => !due.includes(w));
    for (const w of due) w.go();
  }

  /** True once the plan the input waited for is over (it no longer waits). */
  unblocked(): boolean {
    if (this.blockSeq >= 0) {
      if (!this.order.doneBefore(this.blockSeq + 1)) return false;
      this.blockSeq = -1;
      this.cancelBlock = null;
      if (this.blockedBy === null) {
        this.blocked = false;
        return true;
      }
    }
    if (this.blockedBy === null || !this.blockedBy.over) return false;
    this.blockedBy = null;
    this.blocked = false;
    return true;
  }

  // ExecClient

  runQueued(args: Args): void {
    this.runningQueued++;
    try {
      this.client.runQueued(args);
    } finally {
      this.runningQueued--;
    }
  }

  /** Later: not inside an EXEC (one run at once here has no txid: runningQueued says so). */
  get mayBlock(): boolean {
    return this.txid === null && this.runningQueued === 0;
  }

  get nextSeq(): number {
    return this.order.nextSeq;
  }

  answeredBefore(seq: number): boolean {
    return this.order.doneBefore(seq);
  }

  enter(exec: Exec): void {
    this.txid = exec.holdId;
    this.running = exec;
  }

  leave(): void {
    this.txid = null;
    this.running = null;
    this.client.ready();
  }
}
