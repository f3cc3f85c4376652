import { argsOf, ReplyKind, shardOfString, type Args, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed, gatheredKeys, type CommandSpec } from '@kv/node';
import { Hold } from './hold';
import { HeldSteps } from './held-steps';
import { WHOLE_WORKER } from './owners';
import { PlanReply, type OwnerSet, type PlanSink } from './plan';
import { Steps } from './steps';
import { TRY_DELAY_MS } from './test-delays';

const XRUN = commandNamed('XRUN');
const ENTRYDUMP = commandNamed('ENTRYDUMP');
const ENTRYPEEK = commandNamed('ENTRYPEEK');
const ENTRYPUT = commandNamed('ENTRYPUT');
const ENTRYGONE = commandNamed('ENTRYGONE');

/**
 * A command over keys of several shards (the table's `gathers`: SMOVE, LMOVE, SINTERSTORE, ZUNION,
 * LMPOP, BITOP, LCS, XREAD ...), atomic as MSET is: every owner of its keys is held (coord/hold.ts,
 * in worker order), or the hold it runs under covers them already (a MULTI/EXEC's, a script's);
 * then, through the holds, the entry of each key of another worker than the first key's is read
 * whole (ENTRYDUMP; ENTRYPEEK for a read-only command, so a tracking client's read is remembered
 * on the key's owner), the command runs on the first key's shard with those entries (XRUN,
 * apps/node gather-run.ts: it copies the keys of its own worker's other shards itself, and fires
 * the command's events), each entry it changed is written back (ENTRYPUT, ENTRYGONE), and the
 * holds go. No other client's command runs on any of those workers in between. Keys all of one
 * worker need no hold: XRUN alone is atomic there.
 * A blocking command's try (`undoable`, gathered-wait.ts) whose client leaves (`abandon`) takes
 * nothing: before XRUN it just stops (the holds go); once XRUN ran (XRUN UNDO: it also answers
 * what each key of its worker it changed was before), every changed key is put back as it was,
 * still under the holds, so no element is popped for a client that is gone.
 */
export class Gathered extends HeldSteps {
  protected readonly reply: PlanReply;
  protected readonly hold: Hold | null;
  private readonly steps: Steps;
  private readonly target: number;
  /** Keys of other workers than the target's, and their owners. */
  private readonly remote: string[] = [];
  private readonly remoteWorkers: number[] = [];
  private readonly entries: (readonly string[])[] = [];
  private readonly command: string[] = [];
  private readonly dump: CommandSpec;
  /** 0 .. remote.length - 1: read each remote entry; then the run; then the write-backs; done at Infinity. */
  private stage = 0;
  /** After the run: [worker, shard, ENTRYPUT or ENTRYGONE argv] (the run's changes, or undoing them). */
  private writes: [number, number, Args][] = [];
  /** XRUN UNDO: the run's worker's keys it changed, as they were. */
  private readonly originals: [string, string[]][] = [];
  /** Its client left: nothing is to be taken for it. */
  private leaving = false;
  /** XRUN UNDO of an XREAD: each stream's id as it waits (`$`: its last id as the try ran), else []. */
  kept: readonly string[] = [];
  /** Tests only: the delays taken so far (delayed()). */
  private delays = 0;
  /** The writes now put back what the run changed. */
  private undoing = false;
  private kind = ReplyKind.NIL;
  private payload = '';
  private items: Items | undefined;
  private error = '';

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    outer: string | null,
    spec: CommandSpec,
    args: Args,
    /** A blocking try: XRUN answers what it changed was, so it can be undone if its client leaves. */
    private readonly undoable = false,
  ) {
    super();
    this.reply = new PlanReply(sink, this);
    this.dump = spec.readOnly ? ENTRYPEEK : ENTRYDUMP;
    for (let i = 0; i < args.count; i++) this.command.push(args.latin1(i));
    const keys = gatheredKeys(spec, args).map((k) => args.latin1(k));
    this.target = shardOfString(keys[0]);
    const map = owners.map;
    const here = map[this.target];
    const workers = new Set([here]);
    for (const key of keys) {
      const worker = map[shardOfString(key)];
      if (worker === here || this.remote.includes(key)) continue;
      this.remote.push(key);
      this.remoteWorkers.push(worker);
      workers.add(worker);
    }
    // All on one worker: XRUN alone is atomic there (it waits its turn behind any hold like any command).
    this.hold = outer === null && workers.size > 1 ? new Hold(owners, null, workers, () => [], this) : null;
    const txid = outer ?? (this.hold === null || this.hold.way === 'here' ? null : this.hold.id);
    this.steps = new Steps(owners, txid, this);
  }

  protected go(): void {
    const steps = this.steps;
    const remotes = this.remote.length;
    for (; this.stage !== Infinity; ) {
      // Its client left: nothing run yet stops here; what ran is put back (the last write-back too).
      if (this.leaving && this.stage <= remotes) return void this.finish('');
      if (this.leaving && !this.undoing) this.undo();
      if (this.stage >= remotes + 1 + this.writes.length) break;
      if (this.delayed()) return;
      let worker: number;
      let shard: number;
      let spec: CommandSpec;
      let args: Args;
      if (this.stage < remotes) {
        const key = this.remote[this.stage];
        [worker, shard, spec, args] = [this.remoteWorkers[this.stage], shardOfString(key), this.dump, argsOf([this.dump.name, key])];
      } else if (this.stage === remotes) {
        [worker, shard, spec, args] = [this.owners.map[this.target], WHOLE_WORKER, XRUN, this.run()];
      } else {
        const [w, s, a] = this.writes[this.stage - remotes - 1];
        [worker, shard, spec, args] = [w, s, a.count > 2 ? ENTRYPUT : ENTRYGONE, a];
      }
      if (!steps.run(worker, shard, spec, args, this.stage)) return;
      if (!this.took(steps.now.kind, steps.now.payload, steps.now.items)) return;
    }
    this.finish('');
  }

  /** Tests only (test-delays.ts): a try waits before its XRUN and after it; true while it waits. */
  private delayed(): boolean {
    const at = this.stage - this.remote.length;
    if (TRY_DELAY_MS === 0 || !this.undoable || (at !== 0 && at !== 1) || this.delays > at) return false;
    this.delays = at + 1;
    this.reply.wait();
    setTimeout(() => (this.go(), this.owners.flushReplies()), TRY_DELAY_MS);
    return true;
  }

  /** Its client left: a try not yet run stops; one that ran is put back (gathered-wait.ts). */
  abandon(): void {
    this.leaving = true;
  }

  /** The writes from here on put back what the run changed: the remote keys already written, and the run's worker's keys. */
  private undo(): void {
    const remotes = this.remote.length;
    const written = this.writes.slice(0, this.stage - remotes - 1);
    this.writes = [];
    this.undoing = true;
    this.stage = remotes + 1;
    for (const [worker, shard, args] of written) {
      const key = args.latin1(1);
      this.writes.push([worker, shard, putBack(key, this.entries[this.remote.indexOf(key)])]);
    }
    const here = this.owners.map[this.target];
    for (const [key, entry] of this.originals) this.writes.push([here, shardOfString(key), putBack(key, entry)]);
  }

  /** XRUN's arguments: the target shard, each remote key's entry, the command. */
  private run(): Args {
    const parts = [XRUN.name, ...(this.undoable ? ['UNDO'] : []), String(this.target), String(this.remote.length)];
    for (let r = 0; r < this.remote.length; r++) parts.push(this.remote[r], String(this.entries[r].length), ...this.entries[r]);
    parts.push(...this.command);
    return argsOf(parts);
  }

  /** A step answered: false once the plan is over. */
  protected took(kind: ReplyKind, payload: string, items?: Items): boolean {
    const remotes = this.remote.length;
    if (kind === ReplyKind.ERROR) return this.finish(payload);
    if (this.stage < remotes) this.entries.push(kind === ReplyKind.NIL ? [] : ((items ?? []) as string[]));
    else if (this.stage === remotes) this.ran(items ?? []);
    this.stage++;
    return true;
  }

  /** XRUN's answer: the command's reply, and the remote entries to write back. */
  private ran(out: Items): void {
    this.kind = Number(out[0]) as ReplyKind;
    this.payload = out[1] ?? '';
    const count = Number(out[2]);
    let at = 3;
    if (count >= 0) {
      this.items = out.slice(at, at + count);
      at += count;
    }
    for (let r = 0; r < this.remote.length; r++) {
      const n = Number(out[at]);
      const change = out.slice(at + 1, at + 1 + n) as string[];
      at += 1 + n;
      if (n === 0) continue;
      const key = this.remote[r];
      this.writes.push([this.remoteWorkers[r], shardOfString(key), n === 1 ? argsOf([ENTRYGONE.name, key]) : argsOf([ENTRYPUT.name, key, ...change])]);
    }
    if (!this.undoable) return;
    // XRUN UNDO: m, then key, n, its entry before, for each key of the run's worker it changed; then k, XREAD's k ids as it waits.
    for (let m = Number(out[at++]); m > 0; m--) {
      const n = Number(out[at + 1]);
      this.originals.push([out[at] as string, out.slice(at + 2, at + 2 + n) as string[]]);
      at += 2 + n;
    }
    const k = Number(out[at++]);
    if (k > 0) this.kept = out.slice(at, at + k) as string[];
  }

  protected finish(error: string): false {
    if (this.stage === Infinity) return false;
    this.stage = Infinity;
    this.error = error;
    this.hold?.release();
    this.reply.complete();
    return false;
  }

  /** Done with a blocking command's empty answer (nil, a null array): a waiting plan waits on (gathered-wait.ts). */
  get empty(): boolean {
    return this.error === '' && (this.kind === ReplyKind.NIL || this.kind === ReplyKind.NULL_ARRAY);
  }

  encode(out: OutBuffer): void {
    const replies = this.reply.replies;
    if (this.error !== '') return replies.error(out, this.error);
    replies.kind(out, this.kind, this.payload, this.items);
  }
}

/** ENTRYPUT key entry, or ENTRYGONE key for an entry that was not there ([]). */
function putBack(key: string, entry: readonly string[]): Args {
  return entry.length === 0 ? argsOf([ENTRYGONE.name, key]) : argsOf([ENTRYPUT.name, key, ...entry]);
}
