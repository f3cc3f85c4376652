import { copyArgs, QUERY_BUFFER_LIMIT_ERROR, RESP_REPLIES, shardOf, silentReplies, TEXT_REPLIES, TextOp, WIRE_ERR, type Args, type RespSink, type TextSink } from '@kv/wire';
import { arityOk, COMMAND_DOCS, COMMANDS, commandNamed, lookup, movesAcross, routeKeyIndex, statIndex, UNKNOWN_OPCODE, type CommandSpec } from '@kv/node';
import { address, runConnectionCommand, unknownCommand } from '../commands';
import type { PlanEnv } from '../coord/env';
import { waitPlan } from '../coord/gathered-wait';
import { ShareScript } from '../coord/script-share';
import { log } from '../log';
import { REPLY_ERRORS } from '../reply-errors';
import type { Flow } from './flow';
import type { ClientHost } from './host';
import type { Multi } from './multi';
import type { ClientPlans } from './plans';
import type { ClientReplies } from './replies';
import type { ReplyOrder } from './reply-order';
import type { Session } from './session';
import type { CommandTimer } from './timer';

/** The table's entries of the seed's text protocol, by TextOp, and where their figures go. */
const TEXT_SPECS: CommandSpec[] = [];
const TEXT_STATS: number[] = [];
for (const spec of COMMANDS) {
  if (spec.text === undefined) continue;
  TEXT_SPECS[spec.text] = spec;
  TEXT_STATS[spec.text] = statIndex(spec.opcode, false);
}
const UNKNOWN_TEXT = statIndex(UNKNOWN_OPCODE, false);
/** CLIENT's entry: CLIENT CACHING's word survives CLIENT commands, as Redis's resetClient keeps it. */
const CLIENT = commandNamed('CLIENT');

/** A first line naming this is a Redis inline command, not the seed's text: a command of the table the seed's protocol has not (no `text` op). */
export function isRedisOnly(name: Args): boolean {
  const spec = lookup(name);
  return spec !== undefined && spec.text === undefined;
}

/** A command's name as Redis's errors give it: lower case, `container|sub` for a known subcommand. */
function fullName(spec: CommandSpec, args: Args): string {
  const name = spec.name.toLowerCase();
  if (args.count < 2) return name;
  const sub = `${name}|${args.latin1(1).toLowerCase()}`;
  return COMMAND_DOCS.get(spec.name)?.subcommands.some(([known]) => known === sub) ? sub : name;
}

/** The parts of a client the dispatcher hands commands and replies to. */
export interface DispatchParts {
  readonly host: ClientHost;
  readonly session: Session;
  readonly reply: ClientReplies;
  readonly order: ReplyOrder;
  readonly plans: ClientPlans;
  readonly tx: Multi;
  readonly timer: CommandTimer;
  readonly flow: Flow;
  readonly env: PlanEnv;
}

/**
 * A client's commands, from the parser to their plan: each is found in the command table, checked
 * (auth, arity, MULTI's queue) and run by its table entry alone: on the owner of its key (a
 * one-key command: Owners.run, here or forwarded), by its family's handler (a connection
 * command), or as a plan over several owners (coord/). Nothing here compares a command's name:
 * what is special about a command is a field of its entry.
 */
export class Dispatcher implements TextSink, RespSink {
  constructor(private readonly parts: DispatchParts) {}

  // The seed's text protocol.

  textCommand(op: TextOp, args: Args): void {
    const { host, reply, session } = this.parts;
    host.commands++;
    reply.replies = TEXT_REPLIES;
    this.parts.timer.begin(TEXT_STATS[op]);
    if (op === TextOp.AUTH) return session.authenticate(args.latin1(1)) ? reply.ok() : reply.error('');
    if (!session.authenticated) return reply.error(REPLY_ERRORS.noauth);
    if (op === TextOp.STATS) return reply.target().latin1(host.statsText());
    this.runOnOwner(TEXT_SPECS[op], args);
  }

  textError(): void {
    const { host, reply } = this.parts;
    host.commands++;
    reply.replies = TEXT_REPLIES;
    this.parts.timer.begin(UNKNOWN_TEXT);
    reply.error('');
  }

  // RESP (and inline).

  respCommand(args: Args): void {
    const { host, reply, session, tx } = this.parts;
    host.commands++;
    const spec = lookup(args);
    // CLIENT REPLY OFF or SKIP: no reply is sent, but the subscribe family's (Redis sends them as push messages).
    const skip = session.skipNext;
    session.skipNext = false;
    session.quiet = (session.replyOff || skip) && !(spec !== undefined && spec.inSubscribed === true && spec.flags.includes('pubsub'));
    reply.replies = session.quiet ? silentReplies(session.resp) : session.resp;
    this.parts.timer.begin(statIndex(spec === undefined ? UNKNOWN_OPCODE : spec.opcode, true));
    session.info.refused = false;
    if (!session.authenticated && !(spec !== undefined && spec.noAuth)) return this.refuse(REPLY_ERRORS.noauth, false);
    if (spec === undefined) return this.refuse(unknownCommand(args), false);
    if (!arityOk(spec, args.count)) return this.refuse(REPLY_ERRORS.arity(spec.name), spec.runsQueue === true);
    // A RESP2 connection subscribed to anything runs only the subscribe family, PING, QUIT and RESET (RESP3 runs anything).
    if (session.subs.active > 0 && spec.inSubscribed !== true && session.resp === RESP_REPLIES) return this.refuse(REPLY_ERRORS.subscribedContext(fullName(spec, args)), false);
    // A monitor may not touch the keyspace: Redis's monitor is a replica to it.
    if (host.monitor.active && (spec.writes || spec.readOnly || spec.flags.includes('may_replicate')) && host.monitor.has(session.subs.client)) return this.refuse(REPLY_ERRORS.monitorKeyspace, false);
    session.info.command = spec;
    if (tx.active && spec.noMulti) return this.refuse(REPLY_ERRORS.notInMulti, false);
    if (tx.active && spec.unqueued !== true) return tx.queue(args) ? this.queued(spec, args) : reply.error(REPLY_ERRORS.queueFull);
    if (host.monitor.active) this.monitored(spec, args);
    this.dispatch(spec, args);
    this.timeCommand(spec, args, this.parts.timer.started);
  }

  /**
   * SLOWLOG and LATENCY, where the command ran: answered at once, it is timed from `started` to
   * now; a plan's owed reply (MGET over workers, EXEC with holds, a script) when it is written,
   * with a copy of its arguments; a one-key command forwarded is timed by its owner, and its wait
   * here is LATENCY's forwarded-command. EXEC itself is not timed, its commands are, as in Redis.
   */
  private timeCommand(spec: CommandSpec, args: Args, started: number): void {
    const timing = this.parts.host.timing;
    const { session, timer } = this.parts;
    if (!timing.timing || spec.runsQueue === true || session.info.refused) return;
    const handed = timer.handed;
    if (handed === null) return timing.ran(spec, args, (performance.now() - started) * 1000, session);
    if (spec.plan !== 'one-key') {
      const copy = copyArgs(args);
      handed.slow = (ms) => timing.ran(spec, copy, ms * 1000, session);
    } else if (timing.latency.thresholdMs > 0) handed.slow = timing.forwarded;
  }

  respProtocolError(message: string): void {
    const { host, reply, session } = this.parts;
    if (message === QUERY_BUFFER_LIMIT_ERROR) {
      host.queryLimitClosed++;
      log('warn', 'client closed: query buffer limit reached', { worker: host.self, client: session.id, limit: host.limits.clientQueryBufferLimit });
    }
    reply.replies = session.resp;
    reply.error(WIRE_ERR.protocol(message));
    this.parts.flow.closing = true;
  }

  /** A command EXEC runs: as if just sent, its reply in its place in the reply order. */
  runQueued(args: Args): void {
    const session = this.parts.session;
    this.parts.reply.replies = session.quiet ? silentReplies(session.resp) : session.resp;
    const spec = lookup(args)!;
    const started = this.parts.host.timing.timing ? performance.now() : 0;
    this.parts.timer.handed = null;
    const info = this.parts.session.info;
    info.inExec = true;
    try {
      this.dispatch(spec, args);
    } finally {
      info.inExec = false;
    }
    if (started > 0) this.timeCommand(spec, args, started);
  }

  /**
   * MONITOR: a command about to run, to every monitor client (Redis's admin commands are not
   * shown); EXEC after the commands it runs, as Redis shows them (an EXEC that finds a WATCHed
   * key changed shows them too: the owner decides that later).
   */
  private monitored(spec: CommandSpec, args: Args): void {
    const socket = this.parts.session.socket;
    const addr = address(socket.remoteAddress, socket.remotePort);
    const feed = this.parts.host.monitor;
    if (spec.runsQueue === true) for (const queued of this.parts.tx.commands) feed.feed(lookup(queued)!, queued, addr);
    feed.feed(spec, args, addr);
  }

  private dispatch(spec: CommandSpec, args: Args): void {
    const tracking = this.parts.session.tracking;
    if (tracking !== null) return this.dispatchTracked(tracking, spec, args);
    this.dispatchAs(spec, args);
  }

  /** A tracking client's command: its owners remember its reads (or name it as their writer); CLIENT CACHING's word lasts one command (CLIENT ones keep it, as Redis). */
  private dispatchTracked(tracking: NonNullable<Session['tracking']>, spec: CommandSpec, args: Args): void {
    const owners = this.parts.env.owners;
    const outer = owners.reader;
    owners.reader = tracking.reader(spec);
    try {
      this.dispatchAs(spec, args);
    } finally {
      owners.reader = outer;
    }
    // Inside MULTI and while EXEC runs its queue, the word holds for every command (Redis resets it after EXEC).
    if (spec !== CLIENT && !this.parts.tx.active && !this.parts.session.info.inExec) tracking.caching = false;
  }

  private dispatchAs(spec: CommandSpec, args: Args): void {
    // A blocking command that will not wait (in MULTI/EXEC) over several shards is gathered as its non-blocking form; one that may, over several workers, waits gathered.
    if (spec.plan === 'one-key' && !movesAcross(spec, args, spec.blocking !== undefined && this.parts.plans.mayBlock !== true)) {
      const wait = spec.blocking === undefined ? null : waitPlan(this.parts.env.owners, this.parts.plans, spec, args);
      if (wait !== null) return this.parts.plans.start(wait);
      return this.runOnOwner(spec, args);
    }
    if (spec.plan === 'connection') return runConnectionCommand(this.parts.session, spec, args);
    const plans = this.parts.plans;
    plans.start(this.parts.env.plan(plans, plans.txid, spec, args));
  }

  /** A one-key command on the shard that owns its key: answered now, or its reply owed (ClientPlans.later). */
  private runOnOwner(spec: CommandSpec, args: Args): void {
    const owners = this.parts.env.owners;
    const k = routeKeyIndex(spec, args);
    const shard = shardOf(args.buf, args.starts[k], args.ends[k]);
    owners.run(owners.map[shard], shard, spec, args, this.parts.reply, this.parts.plans, 0);
  }

  /**
   * The reply to a command queued in MULTI: +QUEUED; for a script by its body, once the body is
   * on every worker (coord/script-share.ts: its EXEC could not wait for that under its holds).
   */
  private queued(spec: CommandSpec, args: Args): void {
    const { plans, reply } = this.parts;
    if (spec.script !== 'body') return reply.status('QUEUED');
    plans.start(new ShareScript(this.parts.env, plans, args.latin1(1), 'eval', 'queued'));
  }

  /** A command refused before it ran: inside MULTI, EXEC will answer EXECABORT (an EXEC refused itself answers it, in MULTI or not, as Redis 7). */
  private refuse(message: string, runsQueue: boolean): void {
    const { reply, tx } = this.parts;
    this.parts.session.info.refused = true;
    if (runsQueue) {
      tx.discard();
      return reply.error(REPLY_ERRORS.execAbortBecause(message));
    }
    tx.refused();
    reply.error(message);
  }
}
