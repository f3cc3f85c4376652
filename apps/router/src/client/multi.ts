import { copyArgs, shardOf, shardOfString, type Args, type OutBuffer } from '@kv/wire';
import { lastKeyIndex, lookup, type CommandSpec } from '@kv/node';
import { Exec, type ExecClient } from '../coord/exec';
import { runPlan, type Plan } from '../coord/plan';
import type { ScriptClient } from '../coord/script';
import { declaredKeys } from '../coord/script-keys';
import { ShareScript } from '../coord/script-share';

const EXECABORT = 'EXECABORT Transaction discarded because of previous errors.';

/** What a client sends inside MULTI that runs at once instead of being queued, as in Redis. */
export const NOT_QUEUED: ReadonlySet<string> = new Set(['EXEC', 'DISCARD', 'MULTI', 'WATCH', 'QUIT', 'RESET']);

/**
 * The reply to a command queued in MULTI: +QUEUED; for an EVAL, once its body is on every worker
 * (coord/script-share.ts: its EXEC could not wait for that under the holds it takes).
 */
export function queuedReply(client: ScriptClient & { status(text: string): void; runBlocking(plan: Plan): void; target(): OutBuffer }, spec: CommandSpec, args: Args): void {
  if (spec.plan !== 'script' || spec.name.startsWith('EVALSHA')) return client.status('QUEUED');
  client.runBlocking(runPlan(new ShareScript(client, args.latin1(1), 'eval', 'queued'), () => client.target()));
}

/** What Multi needs of its connection besides EXEC's needs. */
export interface MultiClient extends ExecClient {
  readonly workers: number;
  /** Bytes the queued commands may take (the client query buffer limit). */
  readonly queueLimit: number;
  /** The version of a key on this worker's own shards (WATCH), 0: absent. */
  localVersion(key: string): number;
}

/**
 * A client's MULTI: the commands queued until EXEC or DISCARD, whether one was refused while
 * queuing (EXEC then answers EXECABORT), and the keys it WATCHes with the version each had then.
 */
export class Multi {
  private queued: Args[] | null = null;
  private bytes = 0;
  private errored = false;
  /** WATCHed keys: the version each had when watched (0: absent). */
  readonly watched = new Map<string, number>();

  constructor(private readonly client: MultiClient) {}

  get active(): boolean {
    return this.queued !== null;
  }

  /** MULTI: an error message, or null when begun. */
  begin(): string | null {
    if (this.queued !== null) return 'ERR MULTI calls can not be nested';
    this.queued = [];
    this.bytes = 0;
    this.errored = false;
    return null;
  }

  /** Queues a command (a copy of it); false when the queue is past its limit (EXEC will abort). */
  queue(args: Args): boolean {
    const copy = copyArgs(args);
    this.bytes += copy.buf.length + 16 * args.count;
    if (this.bytes > this.client.queueLimit) {
      this.errored = true;
      return false;
    }
    this.queued!.push(copy);
    return true;
  }

  /** A command was refused while queuing: EXEC will answer EXECABORT. */
  refused(): void {
    if (this.queued !== null) this.errored = true;
  }

  /** DISCARD (also what closing does): false when not in MULTI. */
  discard(): boolean {
    if (this.queued === null) return false;
    this.queued = null;
    this.watched.clear();
    return true;
  }

  /** EXEC: the plan running the queued commands, or an error message. */
  exec(target: Parameters<typeof runPlan>[1]): Exec | string {
    const queued = this.queued;
    if (queued === null) return 'ERR EXEC without MULTI';
    this.queued = null;
    const watched = [...this.watched];
    this.watched.clear();
    if (this.errored) return EXECABORT;
    const client = this.client;
    const map = client.owners.map;
    const workers = new Set<number>();
    for (const args of queued) this.workersOf(args, workers);
    const watches = new Map<number, string[]>();
    for (const [key, version] of watched) {
      const worker = map[shardOfString(key)];
      workers.add(worker);
      const list = watches.get(worker) ?? [];
      list.push(key, String(version));
      watches.set(worker, list);
    }
    const changedHere = (): number => watched.filter(([key, version]) => client.localVersion(key) !== version).length;
    return runPlan(new Exec(client, workers, queued, watches, changedHere), target);
  }

  /** Adds the workers a queued command runs on: its keys' owners, or every worker. */
  private workersOf(args: Args, into: Set<number>): void {
    const spec = lookup(args);
    if (spec === undefined) return;
    const map = this.client.owners.map;
    if (spec.plan === 'each-worker' || spec.plan === 'cursor') {
      for (let w = 0; w < this.client.workers; w++) into.add(w);
      return;
    }
    if (spec.plan === 'script') {
      for (const i of declaredKeys(args)) into.add(map[shardOf(args.buf, args.starts[i], args.ends[i])]);
      return;
    }
    const last = lastKeyIndex(spec, args.count);
    for (let k = spec.firstKey; k > 0 && k <= last; k += spec.step) into.add(map[shardOf(args.buf, args.starts[k], args.ends[k])]);
  }
}
