import { argsOf, keySlot, keySlotOfString, shardOf, type Args, type OutBuffer } from '@kv/wire';
import { arityOk, commandNamed, gatheredKeys, keySpan, lookup, movesAcross, routeKeyIndex, type CommandSpec } from '@kv/node';
import { LATER, type EncodedReply, type Reply, type Run, type ScriptHost, type Step } from '@kv/lua';
import { LINK_DOWN } from '../links/link';
import { REPLY_ERRORS } from '../reply-errors';
import type { PlanEnv } from './env';
import { Hold, sendWhole, type HoldTaker, type OwnerRequest, type WholeTaker } from './hold';
import { PlanReply, type Plan, type PlanSink } from './plan';
import { connectionReply, OBJECT, OBJECTSTEP, objectCall, ScriptCalls, type CallTaker } from './script-calls';
import { scriptMayPublish } from './script-keys';
import { HERE } from './owners';
import { encodeReply } from './script-reply';
import type { Share } from './scripts';

const EVALHERE = commandNamed('EVALHERE');
const EVAL = commandNamed('EVAL');
const EVAL_RO = commandNamed('EVAL_RO');
const EVALSHA = commandNamed('EVALSHA');
const EVALSHA_RO = commandNamed('EVALSHA_RO');

/**
 * A script run: atomic like a MULTI/EXEC (a Hold: every worker of its declared keys held, or run
 * at once when they are all this worker's and free). Its redis.call()s run through the holds
 * (ScriptCalls): one answered at once goes straight back to Lua, one from a peer makes the script
 * wait (its coroutine yields) until the reply comes. Its result is encoded when it ends.
 */
export class Script implements Plan, HoldTaker, WholeTaker, CallTaker, ScriptHost {
  readonly blocks = true;
  private readonly reply: PlanReply;
  private readonly hold: Hold;
  private readonly calls: ScriptCalls;
  private lua: Run | null = null;
  private result: Reply = null;
  /** The owner's reply, in the client's protocol, when the owner ran it whole. */
  private owned: Buffer | null = null;
  /** The script's sha once its body is compiled here (EVAL), or the one asked for (EVALSHA). */
  private sha: string | null = null;
  /** Its body on its way to every other worker: the reply waits for it. */
  private share: Share | null = null;
  /** Sent whole by sha and refused there: sent again with the body. */
  private sentBody = false;
  /** The hash slots of the declared keys (made on the first call with a key). */
  private declaredSlots: Set<number> | null = null;

  constructor(
    private readonly env: PlanEnv,
    sink: PlanSink,
    txid: string | null,
    workers: readonly number[],
    private readonly source: string,
    private readonly bySha: boolean,
    private readonly keys: readonly string[],
    private readonly argv: readonly string[],
    private readonly readOnly: boolean,
  ) {
    this.reply = new PlanReply(sink, this);
    // A script that publishes waits for every worker's delivery: only under a hold may it wait.
    const publishes = bySha ? env.scripts.mayPublish(source.toLowerCase(), env.workers) : scriptMayPublish(env.workers, source);
    this.hold = new Hold(env.owners, txid, workers, () => [], this, publishes);
    this.calls = new ScriptCalls(this, env.scripts.calls);
    if (bySha) this.sha = source.toLowerCase();
    this.reader = env.owners.reader;
  }

  /** Client-side caching: the tracking client whose calls' reads are remembered (owners.ts `reader`), whenever they run. */
  private readonly reader: number;

  get done(): boolean {
    return this.reply.done;
  }

  get over(): boolean {
    return this.reply.done && this.hold.released;
  }

  get holdId(): string {
    return this.hold.id;
  }

  /**
   * An EVAL's body is compiled here and on its way to every other worker before the script
   * takes any hold (under one already taken, a MULTI's, run() does it and does not wait: the
   * copies would wait behind that hold). Waits for the engine while it is starting or being replaced.
   */
  start(): void {
    if (this.sha !== null || this.hold.way === 'under') return this.begin();
    if (this.env.scripts.engine === null) return this.afterEngine(() => this.start());
    const admitted = this.admit();
    if ('error' in admitted) return this.finish({ err: admitted.error });
    this.sha = admitted.sha;
    this.share = admitted.share;
    this.begin();
  }

  /** Runs it the way its hold says: at once, sent whole to its one owner, or once every worker is held. */
  private begin(): void {
    const hold = this.hold;
    if (hold.way === 'under' || hold.way === 'here') return this.run();
    const request = hold.way === 'whole' ? this.ownerRequest() : null;
    if (request === null) return hold.take();
    hold.released = true;
    this.reply.wait();
    this.sendWhole(request);
  }

  private sendWhole(request: OwnerRequest): void {
    if (!sendWhole(this.env.owners, this.hold.owner, request, this.reply.replies.mode, this, this.reader)) this.refused(LINK_DOWN);
  }

  /** Compiles the body here and (a client's) sends it to every other worker (Scripts.admit); an engine that fails meanwhile fails this script only. */
  private admit(): ReturnType<PlanEnv['scripts']['admit']> {
    const env = this.env;
    try {
      return env.scripts.admit(this.source, 'eval', env.owners, env.workers, env.sharesScripts);
    } catch (err) {
      return { error: REPLY_ERRORS.scriptFailed((err as Error).message) };
    }
  }

  /** Goes on once the engine is up (or answers why it is not). */
  private afterEngine(then: () => void): void {
    this.reply.wait();
    this.env.scripts.ready.then(
      () => this.resumeFromPromise(then),
      (err: Error) => this.resumeFromPromise(() => this.finish({ err: REPLY_ERRORS.engineDidNotStart(err.message) })),
    );
  }

  /** Goes on from a promise: a fault fails its client, never the worker; what it made ready is written now. */
  private resumeFromPromise(work: () => void): void {
    try {
      work();
    } catch (err) {
      this.failed(err as Error);
    }
    this.env.owners.flushReplies();
  }

  /**
   * EVALHERE name body-or-sha numkeys key... arg...: the script for the one worker owning its
   * keys. EVALSHA goes by sha (every worker keeps every script: a body of kilobytes is not sent,
   * read, hashed and scanned again per call); should that worker lack it after all, it refuses
   * plainly (refused()) and the body follows. EVAL goes with its body. Not when this worker has
   * no such script (run() answers NOSCRIPT).
   */
  private ownerRequest(): OwnerRequest | null {
    const body = this.bySha ? this.env.scripts.bodyOf(this.sha!) : this.source;
    if (body === undefined) return null;
    const tail = [String(this.keys.length), ...this.keys, ...this.argv];
    if (this.bySha && !this.sentBody) return { opcode: EVALHERE.opcode, args: argsOf([EVALHERE.name, (this.readOnly ? EVALSHA_RO : EVALSHA).name, this.sha!, ...tail]) };
    const name = (this.readOnly ? EVAL_RO : EVAL).name;
    return { opcode: EVALHERE.opcode, args: argsOf([EVALHERE.name, name, body, ...tail]) };
  }

  waiting(): void {
    this.reply.wait();
  }

  held(): void {
    this.run();
  }

  private run(): void {
    const scripts = this.env.scripts;
    if (scripts.engine === null) return this.afterEngine(() => this.run());
    if (this.sha === null || (!this.bySha && !scripts.has(this.sha))) {
      // Under a hold already (see start()), sent whole by a peer, or evicted since start().
      const admitted = this.admit();
      if ('error' in admitted) return this.finish({ err: admitted.error });
      this.sha = admitted.sha;
    } else if (!scripts.has(this.sha)) return this.finish({ err: REPLY_ERRORS.noScript });
    this.proceed(() => {
      this.lua = scripts.lua.start(this.sha!, this.keys, this.argv, this, scripts.limitMs);
      return this.lua.resume();
    });
  }

  /** Resumes the script; a fault in the engine (LuaEngineFailed: it is being replaced) fails this script only. */
  private proceed(resume: () => Step): void {
    let step: Step;
    try {
      step = resume();
    } catch (err) {
      return this.finish({ err: REPLY_ERRORS.scriptFailed((err as Error).message) });
    }
    if (step.done) this.finish(step.result);
  }

  private finish(result: Reply): void {
    this.result = result;
    this.hold.release();
    this.complete();
  }

  /** Done: answered once its body is on every other worker too (then EVALSHA finds it anywhere). */
  private complete(): void {
    const share = this.share;
    if (share === null || share.done) return this.reply.complete();
    this.share = null;
    this.reply.wait();
    share.whenDone(() => this.reply.complete());
  }

  refused(message: string): void {
    if (message === REPLY_ERRORS.scriptNotHere && this.bySha && !this.sentBody) {
      // The owner lacks it (not run there): again with the body, which this worker still has, or NOSCRIPT.
      this.sentBody = true;
      const request = this.ownerRequest();
      if (request !== null) return this.sendWhole(request);
      message = REPLY_ERRORS.noScript;
    }
    this.result = { err: message };
    this.complete();
  }

  answered(reply: Buffer): void {
    this.owned = reply;
    this.complete();
  }

  failed(err: Error): void {
    this.reply.sink.failed(err);
  }

  encode(out: OutBuffer): void {
    // The owner's bytes too are not sent under CLIENT REPLY OFF.
    if (this.owned !== null) return this.reply.replies.silent === true ? undefined : out.bytes(this.owned, 0, this.owned.length);
    encodeReply(out, this.result, this.reply.replies);
  }

  /**
   * A key the script may touch, by its hash slot: one it declares, or one in the slot of one it
   * declares (a shared hash tag, as queues build job keys from a `{queue}` prefix): that slot's
   * worker is the one the declared key placed the script on, or one it holds, as in Redis Cluster.
   */
  private declaresSlot(slot: number): boolean {
    this.declaredSlots ??= new Set(this.keys.map(keySlotOfString));
    return this.declaredSlots.has(slot);
  }

  // ScriptHost: a redis.call() from the script.

  call(args: Args, _raise: boolean): Reply | EncodedReply | typeof LATER {
    const spec = lookup(args);
    if (spec === undefined) return { err: REPLY_ERRORS.unknownInScript };
    if (!arityOk(spec, args.count)) return { err: REPLY_ERRORS.arityInScript };
    if (spec.noScript || spec.plan === 'script' || (spec.plan === 'connection' && !spec.inScript)) return { err: REPLY_ERRORS.notInScript };
    if (spec.blocking?.refusedInScript?.(args) === true) return { err: REPLY_ERRORS.blockInScript(args.latin1(0)) };
    // PUBLISH too, as Redis 7.0 (it may replicate).
    if (this.readOnly && (spec.writes || spec.holdFree === true)) return { err: REPLY_ERRORS.writeInReadOnlyScript };
    const monitor = this.env.monitor;
    if (spec === OBJECT) return this.object(args);
    if (spec.plan === 'connection') {
      if (monitor !== null && monitor.active) monitor.feed(spec, args, 'lua');
      return connectionReply(spec, args) ?? { err: REPLY_ERRORS.notInScript };
    }
    if (spec.holdFree === true) {
      // PUBLISH, SPUBLISH: no key is touched (a shard channel is not one here), so nothing to declare; on every worker, past any hold.
      // It waits for the other workers' counts: atomic only under a hold (a body naming it gets one: scriptMayPublish).
      if (this.env.workers > 1 && (this.hold.way === 'here' || this.hold.id === HERE)) return { err: REPLY_ERRORS.publishNotNamed(spec.name) };
      if (monitor !== null && monitor.active) monitor.feed(spec, args, 'lua');
      const plan = this.env.plan(this.calls, null, spec, args);
      return typeof plan === 'string' ? { err: plan } : this.calls.plan(plan);
    }
    if (spec.plan === 'each-worker' || spec.plan === 'cursor') return { err: REPLY_ERRORS.everyWorkerInScript(spec.name) };
    const { first, last, step } = keySpan(spec, args);
    for (let k = first; k > 0 && k <= last; k += step) {
      if (!this.declaresSlot(keySlot(args.buf, args.starts[k], args.ends[k]))) return { err: REPLY_ERRORS.undeclaredKey(args.latin1(k)) };
    }
    // Gathered over several shards (coord/gathered.ts), its read keys too run under the script's hold: declared.
    if ((spec.gathers === true || spec.blocking !== undefined) && movesAcross(spec, args, true)) for (const k of gatheredKeys(spec, args)) if (!this.declaresSlot(keySlot(args.buf, args.starts[k], args.ends[k]))) return { err: REPLY_ERRORS.undeclaredKey(args.latin1(k)) };
    // MONITOR's `[0 lua]` line, as Redis feeds a script's calls (those refused above not).
    if (monitor !== null && monitor.active) monitor.feed(spec, args, 'lua');
    const owners = this.env.owners;
    const r = routeKeyIndex(spec, args);
    const outer = owners.reader;
    owners.reader = this.reader;
    try {
      if (spec.plan === 'one-key' && !movesAcross(spec, args, true)) return this.calls.oneKey(owners, shardOf(args.buf, args.starts[r], args.ends[r]), spec, args);
      const plan = this.env.plan(this.calls, this.hold.id, spec, args);
      if (typeof plan === 'string') return { err: plan };
      return this.calls.plan(plan);
    } finally {
      owners.reader = outer;
    }
  }

  /** OBJECT from the script: HELP or an error at once, else its step on the key's owner (a key it declares). */
  private object(args: Args): Reply | EncodedReply | typeof LATER {
    const call = objectCall(args);
    if (call === null || typeof call !== 'object' || !('step' in call)) return call;
    if (!this.declaresSlot(keySlot(args.buf, args.starts[2], args.ends[2]))) return { err: REPLY_ERRORS.undeclaredKey(args.latin1(2)) };
    const monitor = this.env.monitor;
    if (monitor !== null && monitor.active) monitor.feed(OBJECT, args, 'lua');
    const step = call.step;
    return this.calls.oneKey(this.env.owners, shardOf(step.buf, step.starts[1], step.ends[1]), OBJECTSTEP, step);
  }

  /** A call's reply came (from a peer, or after a hold here): the script goes on. */
  resume(reply: Reply): void {
    this.proceed(() => this.lua!.resume(reply));
  }
}
