import { argsOf, ReplyKind, shardOfString, type Args, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed, ERR, type CommandSpec } from '@kv/node';
import { Hold } from './hold';
import { HeldSteps } from './held-steps';
import { PlanReply, type OwnerSet, type PlanSink } from './plan';
import { Steps } from './steps';

const ENTRYDUMP = commandNamed('ENTRYDUMP');
const ENTRYREAD = commandNamed('ENTRYREAD');
const ENTRYLOAD = commandNamed('ENTRYLOAD');
const ENTRYDROP = commandNamed('ENTRYDROP');

/** Which command (the table's `movesAcross`): RENAME answers OK, RENAMENX and COPY 1 or 0. */
export type MoveKind = NonNullable<CommandSpec['movesAcross']>;

/**
 * RENAME, RENAMENX or COPY over keys of two shards, atomic as a MULTI/EXEC is: both owners are held
 * (coord/hold.ts, in worker order), or the hold it runs under already covers them (a MULTI/EXEC's,
 * a script's); then, through the holds, the source's entry is read whole (ENTRYDUMP; COPY's
 * ENTRYREAD, a read that fires `keymiss` for a missing source), written to
 * the destination (ENTRYLOAD: replacing it, or not when NX; OOM there changes nothing), and for a
 * rename the source deleted (ENTRYDROP); then the holds go. No other client's command runs on
 * either owner in between. The events fire on each key's owner: rename_to before rename_from.
 */
export class KeyMove extends HeldSteps {
  protected readonly reply: PlanReply;
  protected readonly hold: Hold | null;
  private readonly steps: Steps;
  private readonly source: string;
  private readonly destination: string;
  /** 0: read the source, 1: write the destination, 2: delete the source, 3: done. */
  private stage = 0;
  private entry: Items = [];
  private error = '';
  private answer = 0;

  constructor(
    private readonly owners: OwnerSet,
    sink: PlanSink,
    outer: string | null,
    private readonly kind: MoveKind,
    private readonly replace: boolean,
    args: Args,
  ) {
    super();
    this.reply = new PlanReply(sink, this);
    this.source = args.latin1(1);
    this.destination = args.latin1(2);
    const workers = [owners.map[shardOfString(this.source)], owners.map[shardOfString(this.destination)]];
    // Both keys on one other worker: held there too (a hold of one other worker would be sent whole).
    if (outer === null && workers[0] === workers[1] && workers[0] !== owners.self) workers.push(owners.self);
    this.hold = outer === null ? new Hold(owners, null, workers, () => [], this) : null;
    const txid = outer ?? (this.hold!.way === 'here' ? null : this.hold!.id);
    this.steps = new Steps(owners, txid, this);
  }

  protected go(): void {
    const steps = this.steps;
    while (this.stage < 3) {
      const [key, spec, args] = this.step();
      const shard = shardOfString(key);
      if (!steps.run(this.owners.map[shard], shard, spec, args, this.stage)) return;
      if (!this.took(steps.now.kind, steps.now.payload, steps.now.items)) return;
    }
  }

  private step(): [string, CommandSpec, Args] {
    if (this.stage === 0) {
      // COPY reads its source (a missing one fires `keymiss`, as Redis's lookupKeyRead); RENAME does not.
      const dump = this.kind === 'copy' ? ENTRYREAD : ENTRYDUMP;
      return [this.source, dump, argsOf([dump.name, this.source])];
    }
    if (this.stage === 1) {
      const event = this.kind === 'copy' ? 'copy_to' : 'rename_to';
      const mode = this.kind === 'renamenx' || (this.kind === 'copy' && !this.replace) ? 'NX' : 'REPLACE';
      return [this.destination, ENTRYLOAD, argsOf([ENTRYLOAD.name, this.destination, mode, event, ...(this.entry as string[])])];
    }
    return [this.source, ENTRYDROP, argsOf([ENTRYDROP.name, this.source, 'rename_from'])];
  }

  /** A step answered: false once the plan is over. */
  protected took(kind: ReplyKind, payload: string, items?: Items): boolean {
    if (kind === ReplyKind.ERROR) return this.finish(payload);
    if (this.stage === 0) {
      if (kind === ReplyKind.NIL) return this.kind === 'copy' ? this.finish('', 0) : this.finish(ERR.noSuchKey);
      this.entry = items ?? [];
      this.stage = 1;
      return true;
    }
    if (this.stage === 1) {
      if (payload !== '1' || this.kind === 'copy') return this.finish('', Number(payload));
      this.stage = 2;
      return true;
    }
    return this.finish('', 1);
  }

  protected finish(error: string, answer = 0): false {
    this.stage = 3;
    this.error = error;
    this.answer = answer;
    this.hold?.release();
    this.reply.complete();
    return false;
  }

  encode(out: OutBuffer): void {
    const replies = this.reply.replies;
    if (this.error !== '') return replies.error(out, this.error);
    if (this.kind === 'rename') return replies.ok(out);
    replies.integer(out, this.answer);
  }
}
