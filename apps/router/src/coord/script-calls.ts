import { argsOf, OutBuffer, ReplyMode, RESP_REPLIES, type Args, type Items, type ReplyKind } from '@kv/wire';
import { commandNamed, type CommandSpec, type ReplySink } from '@kv/node';
import { EncodedReply, LATER, parseReply, type Reply } from '@kv/lua';
import type { Pending } from '../links/types';
import type { Answer, Later, OwnerSet, Place, Plan, PlanSink } from './plan';
import { OBJECT_ARITY, OBJECT_HELP } from '../commands/object-text';
import { REPLY_ERRORS } from '../reply-errors';
import { kindToReply } from './script-reply';
import { encodingSink } from './sinks';

/** What a script's calls report to it. */
export interface CallTaker {
  /** A call must wait (its owner is a peer, or busy): the script's reply comes later. */
  waiting(): void;
  /** The reply of a call that waited: the script goes on with it. */
  resume(reply: Reply): void;
  failed(err: Error): void;
  /** The hold its calls pass. */
  readonly holdId: string;
}

/**
 * Where a call's reply is encoded (RESP2) to be read back as a value at once: one per worker
 * (coord/scripts.ts keeps it), as each call's reply is read before anything else can run.
 */
export class CallScratch {
  readonly out = new OutBuffer(4096);
  readonly sink: ReplySink = encodingSink(this.out, RESP_REPLIES);
  private readonly bytes = new EncodedReply();

  /** The reply encoded since the last clear(), as a value for Lua. */
  read(): Reply {
    return parseReply(this.out.buf, 0, this.out.length);
  }

  /** The reply encoded since the last clear(), as its bytes, for the engine to read at once (before the next call clears them). */
  encoded(): EncodedReply {
    return this.bytes.set(this.out.buf, 0, this.out.length);
  }
}

/**
 * A script's redis.call()s on their way to the owners: a one-key call's reply comes to the
 * scratch at once, or later to this (Later and Pending); a call run by a plan over several owners
 * (MGET ...) answers through this as its PlanSink, in RESP2, which is what Lua reads. A reply that
 * comes while its call is still being made (it waited, then was answered within the same turn) is
 * returned by that call, never resumes the script from inside itself.
 */
export class ScriptCalls implements Later, Pending, PlanSink {
  readonly mode = ReplyMode.RESP;
  readonly replies = RESP_REPLIES;
  /** A call is being made: its reply, if it comes now, is returned rather than resumed with. */
  private calling = false;
  /** The call being made waited, and (`early`) its reply came before the call returned. */
  private waited = false;
  private early: Reply | undefined = undefined;

  constructor(
    private readonly script: CallTaker,
    readonly scratch: CallScratch,
  ) {}

  get txid(): string {
    return this.script.holdId;
  }

  get client(): CallTaker {
    return this.script;
  }

  /** A one-key call on its owner: its reply now, or LATER (it resumes the script when it comes). */
  oneKey(owners: OwnerSet, shard: number, spec: CommandSpec, args: Args): Reply | EncodedReply | typeof LATER {
    this.begin();
    try {
      if (owners.run(owners.map[shard], shard, spec, args, this.scratch.sink, this, 0)) return this.scratch.encoded();
    } finally {
      this.calling = false;
    }
    return this.afterWait();
  }

  /** A call run by a plan: its reply now, or LATER. */
  plan(plan: Plan): Reply | EncodedReply | typeof LATER {
    this.begin();
    try {
      plan.start();
    } finally {
      this.calling = false;
    }
    return this.waited ? this.afterWait() : this.scratch.encoded();
  }

  private begin(): void {
    this.scratch.out.clear();
    this.calling = true;
    this.waited = false;
    this.early = undefined;
  }

  private afterWait(): Reply | typeof LATER {
    const early = this.early;
    this.early = undefined;
    return early === undefined ? LATER : early;
  }

  /** A call's reply: returned by the call still being made, or resumes the script. */
  private answer(reply: Reply): void {
    if (this.calling) this.early = reply;
    else this.script.resume(reply);
  }

  // Later and Pending: a one-key call answered later.

  later(_index: number): Pending {
    this.waited = true;
    this.script.waiting();
    return this;
  }

  settle(kind: ReplyKind, payload: string, items?: Items): void {
    this.answer(kindToReply(kind, payload, items));
  }

  settleEncoded(buf: Buffer, start: number, end: number): void {
    this.answer(parseReply(buf, start, end));
  }

  // PlanSink: a call run by a plan.

  place(answer: Answer): Place {
    this.waited = true;
    this.script.waiting();
    return {
      ready: () => {
        const scratch = this.scratch;
        scratch.out.clear();
        answer.encode(scratch.out);
        this.answer(scratch.read());
      },
    };
  }

  now(answer: Answer): void {
    answer.encode(this.scratch.out);
  }

  failed(err: Error): void {
    this.script.failed(err);
  }
}

const PING = commandNamed('PING');
const ECHO = commandNamed('ECHO');
const TIME = commandNamed('TIME');

/** The connection commands a script may call (the table's `inScript`), answered here, by their table entries. */
const IN_SCRIPT = new Map<CommandSpec, (argv: readonly string[]) => Reply>([
  [PING, (argv) => (argv.length > 1 ? argv[1] : { ok: 'PONG' })],
  [ECHO, (argv) => argv[1]],
  [
    TIME,
    () => {
      const now = Date.now();
      return [String(Math.floor(now / 1000)), String((now % 1000) * 1000)];
    },
  ],
]);

/** A connection command called from a script: its reply, or undefined when the table marks one this runtime does not answer. */
export function connectionReply(spec: CommandSpec, args: Args): Reply | undefined {
  return IN_SCRIPT.get(spec)?.(argvOf(args));
}

/** A call's arguments as latin1 strings (the few calls answered here read them so). */
function argvOf(args: Args): string[] {
  const argv: string[] = [];
  for (let i = 0; i < args.count; i++) argv.push(args.latin1(i));
  return argv;
}

export const OBJECT = commandNamed('OBJECT');
export const OBJECTSTEP = commandNamed('OBJECTSTEP');

/**
 * OBJECT called from a script, as Redis's scriptCall looks its subcommand up: HELP's lines, the
 * script's error (an unknown subcommand is an unknown command there, a wrong count its arity
 * error), or `step`, the internal OBJECTSTEP to run on the key's owner (its key at 1).
 */
export function objectCall(args: Args): Reply | { step: Args } {
  const argv = argvOf(args);
  const sub = argv[1].toUpperCase();
  const arity = OBJECT_ARITY[sub];
  if (arity === undefined) return { err: REPLY_ERRORS.unknownInScript };
  if (argv.length !== arity) return { err: REPLY_ERRORS.arityInScript };
  if (sub === 'HELP') return OBJECT_HELP.map((ok) => ({ ok }));
  return { step: argsOf([OBJECTSTEP.name, argv[2], sub]) };
}

/** The entries answered in a script without their plan (a test checks they are the table's `inScript` ones): IN_SCRIPT's, and OBJECT (objectCall). */
export const ANSWERED_IN_SCRIPT: readonly CommandSpec[] = [...IN_SCRIPT.keys(), OBJECT];
