import { Args, ReplyMode, shardOf, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { lookup, type HereRunner } from '@kv/node';
import type { Pending } from '../links/types';
import { coordinate } from './coordinator';
import { HERE, type Later, type Owners } from './owners';
import type { Plan } from './plan';
import { runScript, type ScriptClient } from './script';
import type { Scripts } from './scripts';
import { encodingSink } from './sinks';

/** Nothing here waits: a reply that would come later is dropped (its place already says so). */
const DROPPED: Pending = { client: { failed: () => {} }, mode: ReplyMode.FORM, settle: () => {} };
const LATE = 'ERR this command could not run at once on the worker owning its keys';

/**
 * The owner's side of a MULTI/EXEC or a script whose keys are all on this worker, sent whole by
 * the worker its client is on (EXECHERE, EVALHERE; coord/held.ts). It runs in its turn like any
 * request, so at once: every command on this worker's own shards (Later.txid HERE passes the
 * line that may still wait behind a hold that just ended). The reply, in the client's protocol,
 * goes into the reply frame as it is encoded.
 */
export class Here implements HereRunner {
  constructor(
    private readonly owners: Owners,
    private readonly scripts: Scripts,
    private readonly workers: () => number,
  ) {}

  run(args: Args, out: OutBuffer, replies: ReplyEncoder): void {
    // A script must not start later than its turn (it would run after its reply said it failed).
    if (this.scripts.engine === null) return replies.error(out, 'LOADING the Lua engine is starting');
    const client = this.clientFor(replies);
    if (args.latin1(0) === 'EVALHERE') {
      const inner = view(args, 1, args.count - 1);
      return this.runPlan(client, out, runScript(client, lookup(inner)!, inner, () => out));
    }
    this.exec(args, out, client);
  }

  /** EXECHERE n-watched (key version)* (argc argv...)*. */
  private exec(args: Args, out: OutBuffer, client: ScriptClient & Later): void {
    const replies = client.replies;
    let at = 1;
    let changed = false;
    for (let n = Number(args.latin1(at++)); n > 0; n--, at += 2) {
      if (this.owners.localVersion(args.latin1(at)) !== Number(args.latin1(at + 1))) changed = true;
    }
    if (changed) return replies.nullArray(out);
    const commands: Args[] = [];
    while (at < args.count) {
      const argc = Number(args.latin1(at++));
      commands.push(view(args, at, argc));
      at += argc;
    }
    replies.arrayHeader(out, commands.length);
    const sink = encodingSink(out, replies);
    for (const command of commands) {
      const spec = lookup(command);
      if (spec === undefined) {
        replies.error(out, 'ERR unknown command');
      } else if (spec.plan === 'one-key') {
        const shard = shardOf(command.buf, command.starts[1], command.ends[1]);
        if (!this.owners.run(this.owners.self, shard, spec, command, sink, client, 0)) replies.error(out, LATE);
      } else {
        const plan = spec.plan === 'script' ? runScript(client, spec, command, () => out) : coordinate(client, spec, command, this.workers(), () => out);
        this.runPlan(client, out, plan);
      }
    }
  }

  /**
   * A plan run here: answered at once (encoded into `out` already), refused, or late (a script
   * while this worker's Lua engine is still starting): then an error in its place.
   */
  private runPlan(client: ScriptClient, out: OutBuffer, plan: Plan | string): void {
    if (typeof plan === 'string') return client.replies.error(out, plan);
    if (plan.placed || !plan.done) client.replies.error(out, LATE);
  }

  private clientFor(replies: ReplyEncoder): ScriptClient & Later {
    return {
      owners: this.owners,
      replies,
      txid: HERE,
      scripts: this.scripts,
      workers: this.workers(),
      sharesScripts: false,
      owe: () => {},
      ready: () => {},
      failed: () => {},
      later: () => DROPPED,
    };
  }
}

/** Arguments [from, from + count) of `args`, as a command of their own (no copy). */
function view(args: Args, from: number, count: number): Args {
  const out = new Args(Math.max(count, 1));
  out.reset(args.buf);
  for (let i = from; i < from + count; i++) out.push(args.starts[i], args.ends[i]);
  return out;
}
