import { Args, ReplyMode, shardOf, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { lookup, movesAcross, routeKeyIndex, type HereRunner } from '@kv/node';
import type { Pending } from '../links/types';
import { REPLY_ERRORS } from '../reply-errors';
import { Coordinator } from './coordinator';
import { HERE } from './owners';
import type { Answer, Later, OwnerSet, Place, Plan, PlanSink } from './plan';
import type { Scripts } from './scripts';
import { encodingSink } from './sinks';

/** Nothing here waits: a reply that would come later is dropped (its place already says so). */
const DROPPED: Pending = { client: { failed: () => {} }, mode: ReplyMode.FORM, settle: () => {} };
const NOWHERE: Place = { ready: () => {} };

/**
 * The owner's side of a MULTI/EXEC or a script whose keys are all on this worker, sent whole by
 * the worker its client is on (EXECHERE, EVALHERE; coord/hold.ts). It runs in its turn like any
 * request, so at once: every command on this worker's own shards (txid HERE passes the line that
 * may still wait behind a hold that just ended). The reply, in the client's protocol, goes into
 * the reply frame as it is encoded.
 */
export class Here implements HereRunner {
  /** The plans of what runs here (its MONITOR feed set by the worker process). */
  readonly plans: Coordinator;

  constructor(
    private readonly owners: OwnerSet,
    private readonly scripts: Scripts,
    workers: () => number,
  ) {
    // A script sent whole was shared by its sender: not again from here.
    this.plans = new Coordinator(owners, scripts, workers, false);
  }

  /** EVALHERE EVALSHA[_RO] sha ...: refused plainly when this worker lacks the script (coord/script.ts then sends its body). */
  evalRefusal(args: Args): string | null {
    if (args.count < 3 || lookup(view(args, 1, 1))?.script !== 'sha') return null;
    return this.scripts.engine !== null && !this.scripts.has(args.latin1(2).toLowerCase()) ? REPLY_ERRORS.scriptNotHere : null;
  }

  /** EVALHERE name body-or-sha numkeys key... arg...: the script, run here at once. */
  eval(args: Args, out: OutBuffer, replies: ReplyEncoder): void {
    // A script must not start later than its turn (it would run after its reply said it failed).
    if (this.scripts.engine === null) return replies.error(out, REPLY_ERRORS.engineStarting);
    const inner = view(args, 1, args.count - 1);
    const sink = new HereSink(out, replies);
    this.runPlan(sink, this.plans.plan(sink, HERE, lookup(inner)!, inner));
  }

  /** EXECHERE n-watched (key version)* (argc argv...)*: the transaction, run here at once. */
  exec(args: Args, out: OutBuffer, replies: ReplyEncoder): void {
    const owners = this.owners;
    let at = 1;
    let changed = false;
    for (let n = Number(args.latin1(at++)); n > 0; n--, at += 2) {
      if (owners.localVersion(args.latin1(at)) !== Number(args.latin1(at + 1))) changed = true;
    }
    if (changed) return replies.nullArray(out);
    const commands: Args[] = [];
    while (at < args.count) {
      const argc = Number(args.latin1(at++));
      commands.push(view(args, at, argc));
      at += argc;
    }
    replies.arrayHeader(out, commands.length);
    const sink = new HereSink(out, replies);
    const now = encodingSink(out, replies);
    for (const command of commands) {
      const spec = lookup(command);
      if (spec === undefined) {
        replies.error(out, REPLY_ERRORS.unknownHere);
      } else if (spec.plan === 'one-key' && !movesAcross(spec, command, true)) {
        const k = routeKeyIndex(spec, command);
        const shard = shardOf(command.buf, command.starts[k], command.ends[k]);
        if (!owners.run(owners.self, shard, spec, command, now, sink, 0)) replies.error(out, REPLY_ERRORS.lateHere);
      } else {
        this.runPlan(sink, this.plans.plan(sink, HERE, spec, command));
      }
    }
  }

  /**
   * A plan run here: answered at once (encoded into `out` already), refused, or late (a script
   * while this worker's Lua engine is still starting): then an error in its place.
   */
  private runPlan(sink: HereSink, plan: Plan | string): void {
    if (typeof plan === 'string') return sink.replies.error(sink.out, plan);
    sink.late = false;
    plan.start();
    if (sink.late || !plan.done) sink.replies.error(sink.out, REPLY_ERRORS.lateHere);
  }
}

/** Where what runs here answers: straight into the reply frame; anything that would wait is late. */
class HereSink implements PlanSink, Later {
  readonly txid = HERE;
  /** Something waited: its reply will never be written here. */
  late = false;

  constructor(
    readonly out: OutBuffer,
    readonly replies: ReplyEncoder,
  ) {}

  place(_answer: Answer): Place {
    this.late = true;
    return NOWHERE;
  }

  now(answer: Answer): void {
    answer.encode(this.out);
  }

  later(_index: number): Pending {
    this.late = true;
    return DROPPED;
  }

  failed(): void {}
}

/** Arguments [from, from + count) of `args`, as a command of their own (no copy). */
function view(args: Args, from: number, count: number): Args {
  const out = new Args(Math.max(count, 1));
  out.reset(args.buf);
  for (let i = from; i < from + count; i++) out.push(args.starts[i], args.ends[i]);
  return out;
}
