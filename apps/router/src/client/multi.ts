import { copyArgs, shardOf, shardOfString, type Args } from '@kv/wire';
import { gatheredKeys, keySpan, lookup } from '@kv/node';
import type { PlanEnv } from '../coord/env';
import { Exec } from '../coord/exec';
import type { Plan } from '../coord/plan';
import { declaredKeys, scriptMayPublish } from '../coord/script-keys';
import { REPLY_ERRORS } from '../reply-errors';
import type { ClientPlans } from './plans';

/**
 * A client's MULTI: the commands queued until EXEC or DISCARD, whether one was refused while
 * queuing (EXEC then answers EXECABORT), and the keys it WATCHes with the version each had then.
 */
export class Multi {
  private queued: Args[] | null = null;
  /** In MULTI: commands are queued (a field: the dispatcher reads it for every command). */
  active = false;
  private bytes = 0;
  private errored = false;
  /** WATCHed keys: the version each had when watched (0: absent); made by the first WATCH, which most clients never send. */
  private watchedKeys: Map<string, number> | null = null;

  constructor(
    private readonly env: PlanEnv,
    private readonly plans: ClientPlans,
    /** Bytes the queued commands may take (the client query buffer limit). */
    private readonly limit: number,
  ) {}

  /** The WATCHed keys (WATCH adds to them). */
  get watched(): Map<string, number> {
    return (this.watchedKeys ??= new Map());
  }

  /** UNWATCH (also what EXEC, DISCARD and RESET do). */
  unwatch(): void {
    this.watchedKeys?.clear();
  }

  /** MULTI: an error message, or null when begun. */
  begin(): string | null {
    if (this.queued !== null) return REPLY_ERRORS.nestedMulti;
    this.queued = [];
    this.active = true;
    this.bytes = 0;
    this.errored = false;
    return null;
  }

  /** Queues a command (a copy of it); false when the queue is past its limit (EXEC will abort). */
  queue(args: Args): boolean {
    const copy = copyArgs(args);
    this.bytes += copy.buf.length + 16 * args.count;
    if (this.bytes > this.limit) {
      this.errored = true;
      return false;
    }
    this.queued!.push(copy);
    return true;
  }

  /** A command was refused while queuing: EXEC will answer EXECABORT. */
  /** The commands queued so far (none outside MULTI): MONITOR shows them as EXEC runs them. */
  get commands(): readonly Args[] {
    return this.queued ?? [];
  }

  refused(): void {
    if (this.queued !== null) this.errored = true;
  }

  /** DISCARD (also what closing does): false when not in MULTI. */
  discard(): boolean {
    if (this.queued === null) return false;
    this.queued = null;
    this.active = false;
    this.unwatch();
    return true;
  }

  /** EXEC: the plan running the queued commands (not started), or an error message. */
  exec(): Plan | string {
    const queued = this.queued;
    if (queued === null) return REPLY_ERRORS.execWithoutMulti;
    this.queued = null;
    this.active = false;
    const watched = this.watchedKeys === null ? [] : [...this.watchedKeys];
    this.unwatch();
    if (this.errored) return REPLY_ERRORS.execAbort;
    const owners = this.env.owners;
    const workers = new Set<number>();
    for (const args of queued) this.workersOf(args, workers);
    const watches = new Map<number, string[]>();
    for (const [key, version] of watched) {
      const worker = owners.map[shardOfString(key)];
      workers.add(worker);
      const list = watches.get(worker) ?? [];
      list.push(key, String(version));
      watches.set(worker, list);
    }
    const changedHere = (): number => watched.filter(([key, version]) => owners.localVersion(key) !== version).length;
    return new Exec(owners, this.plans, this.plans, workers, queued, watches, changedHere);
  }

  /** Adds the workers a queued command runs on: its keys' owners, or every worker. */
  private workersOf(args: Args, into: Set<number>): void {
    const spec = lookup(args);
    if (spec === undefined) return;
    const map = this.env.owners.map;
    if (spec.plan === 'each-worker' || spec.plan === 'cursor') {
      for (let w = 0; w < this.env.workers; w++) into.add(w);
      return;
    }
    if (spec.plan === 'script') {
      for (const i of declaredKeys(args)) into.add(map[shardOf(args.buf, args.starts[i], args.ends[i])]);
      // One that publishes waits for every worker's count: the EXEC holds every worker (never sent whole).
      const body = args.count > 1 ? (spec.script === 'sha' ? this.env.scripts.bodyOf(args.latin1(1).toLowerCase()) : args.latin1(1)) : undefined;
      if (scriptMayPublish(this.env.workers, body)) for (let w = 0; w < this.env.workers; w++) into.add(w);
      return;
    }
    // A gathering command's keys include those it only reads (ZUNIONSTORE's sources): its plan runs under this hold.
    if (spec.gathers === true) for (const k of gatheredKeys(spec, args)) into.add(map[shardOf(args.buf, args.starts[k], args.ends[k])]);
    const { first, last, step } = keySpan(spec, args);
    for (let k = first; k > 0 && k <= last; k += step) into.add(map[shardOf(args.buf, args.starts[k], args.ends[k])]);
  }
}
