import { argsOf, OutBuffer, ReplyMode, RESP_REPLIES, shardOf, type Args, type Items, type ReplyKind } from '@kv/wire';
import { arityOk, commandNamed, lastKeyIndex, lookup, type CommandSpec, type ReplySink } from '@kv/node';
import { LATER, parseReply, type Reply, type Run, type ScriptHost, type Step } from '@kv/lua';
import type { Owed } from '../client/reply-queue';
import type { Pending } from '../links/types';
import { coordinate } from './coordinator';
import { Held, type OwnerRequest } from './held';
import { runPlan, type Plan, type PlanClient } from './plan';
import { declaredKeys, numkeys } from './script-keys';
import { resumeFromPromise, type Scripts, type Share } from './scripts';
import { encodeReply, kindToReply } from './script-reply';
import { encodingSink } from './sinks';

/** What a script needs of its client (Conn): a plan's, plus the worker's scripts and size. */
export interface ScriptClient extends PlanClient {
  readonly scripts: Scripts;
  readonly workers: number;
  /**
   * A new body run here goes to every other worker (coord/scripts.ts) and the reply waits for
   * them: a client's. Not for a script a peer sent whole (EVALHERE): its sender shared it.
   */
  readonly sharesScripts: boolean;
}

const EVALHERE = commandNamed('EVALHERE');

/**
 * Where a call's reply is encoded (RESP2) to be read back as a value at once: one for every
 * script, each call's reply being read before anything else can run.
 */
const SCRATCH = new OutBuffer(4096);
const SINK = encodingSink(SCRATCH, RESP_REPLIES);

const UNDECLARED = (key: string): string => `ERR script tried accessing undeclared key '${key.slice(0, 128)}': a script may touch only the keys it declares (numkeys), which place it`;

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO: checks numkeys, then runs the script as a Script plan.
 * Returns the plan or the error the command is refused with.
 */
export function runScript(client: ScriptClient, spec: CommandSpec, args: Args, target: () => OutBuffer): Plan | string {
  const n = numkeys(args);
  if (n < 0) {
    const text = args.latin1(2);
    if (/^-\d+$/.test(text)) return "ERR Number of keys can't be negative";
    if (/^\d{1,18}$/.test(text)) return "ERR Number of keys can't be greater than number of args";
    return 'ERR value is not an integer or out of range';
  }
  const keys: string[] = [];
  const workers: number[] = [];
  for (const i of declaredKeys(args)) {
    keys.push(args.latin1(i));
    workers.push(client.owners.map[shardOf(args.buf, args.starts[i], args.ends[i])]);
  }
  const argv: string[] = [];
  for (let i = 3 + n; i < args.count; i++) argv.push(args.latin1(i));
  const bySha = spec.name.startsWith('EVALSHA');
  return runPlan(new Script(client, workers, args.latin1(1), bySha, keys, argv, spec.name.endsWith('_RO')), target);
}

/**
 * A script run: atomic like a MULTI/EXEC (Held: every worker of its declared keys held, or run
 * at once when they are all this worker's and free). Its redis.call()s run through the holds;
 * one answered at once goes straight back to Lua, one from a peer makes the script wait (its
 * coroutine yields) until the reply comes. Its result is encoded when it ends.
 */
export class Script extends Held implements ScriptHost, Pending {
  private lua: Run | null = null;
  private result: Reply = null;
  /** A plan a call started that has not answered yet. */
  private owed: Owed | null = null;
  /** The client a plan started by a call sees (made on the first such call). */
  private callsClient: PlanClient | null = null;
  /** The script's sha once its body is compiled here (EVAL), or the one asked for (EVALSHA). */
  private sha: string | null = null;
  /** Its body on its way to every other worker: the reply waits for it. */
  private share: Share | null = null;
  readonly mode = ReplyMode.RESP;

  constructor(
    override readonly client: ScriptClient,
    workers: readonly number[],
    private readonly source: string,
    private readonly bySha: boolean,
    private readonly keys: readonly string[],
    private readonly argv: readonly string[],
    private readonly readOnly: boolean,
  ) {
    super(client, workers);
    if (bySha) this.sha = source.toLowerCase();
  }

  /** Many keys: a Set to look them up (made on first use); a few: the list. */
  private declaredSet: Set<string> | null = null;
  private declares(key: string): boolean {
    if (this.keys.length <= 16) return this.keys.includes(key);
    return (this.declaredSet ??= new Set(this.keys)).has(key);
  }

  /** The client a plan started by a call sees: its reply comes back here, not to the client. */
  private get calls(): PlanClient {
    if (this.callsClient !== null) return this.callsClient;
    const script = this;
    return (this.callsClient = {
      owners: this.client.owners,
      // A call's reply is read back by parseReply, which reads RESP2.
      replies: RESP_REPLIES,
      get txid() {
        return script.holdId;
      },
      owe: (item: Owed) => {
        this.place();
        this.owed = item;
      },
      ready: () => {
        const owed = this.owed;
        if (owed === null || !owed.done) return;
        this.owed = null;
        SCRATCH.clear();
        owed.encode(SCRATCH);
        this.resumeWith(this.readScratch());
      },
      failed: (err: Error) => this.client.failed(err),
    });
  }

  /**
   * An EVAL's body is compiled here and on its way to every other worker before the script
   * takes any hold (under one already taken, a MULTI's, run() does it and does not wait: the
   * copies would wait behind that hold). Waits for the engine while it is starting or being replaced.
   */
  override start(): void {
    if (this.sha !== null || this.client.txid !== null) return super.start();
    const scripts = this.client.scripts;
    if (scripts.engine === null) return this.afterEngine(() => this.start());
    const admitted = this.admit();
    if ('error' in admitted) return this.finish({ err: admitted.error });
    this.sha = admitted.sha;
    this.share = admitted.share;
    super.start();
  }

  /** Compiles the body here and (a client's) sends it to every other worker (Scripts.admit); an engine that fails meanwhile fails this script only. */
  private admit(): ReturnType<Scripts['admit']> {
    try {
      return this.client.scripts.admit(this.source, 'eval', this.client.owners, this.client.workers, this.client.sharesScripts);
    } catch (err) {
      return { error: `ERR script failed: ${(err as Error).message}` };
    }
  }

  /** Goes on once the engine is up (or answers why it is not). */
  private afterEngine(then: () => void): void {
    this.place();
    this.client.scripts.ready.then(
      () => resumeFromPromise(this.client, then),
      (err: Error) => resumeFromPromise(this.client, () => this.finish({ err: `ERR the Lua engine failed to start: ${err.message}` })),
    );
  }

  /**
   * EVALHERE name body numkeys key... arg...: the script for the one worker owning its keys,
   * with its body (that worker may not have it cached yet). Not when this worker has no such
   * script (run() answers NOSCRIPT).
   */
  protected override ownerRequest(): OwnerRequest | null {
    const body = this.bySha ? this.client.scripts.bodyOf(this.sha!) : this.source;
    if (body === undefined) return null;
    const name = this.readOnly ? 'EVAL_RO' : 'EVAL';
    return { opcode: EVALHERE.opcode, args: argsOf(['EVALHERE', name, body, String(this.keys.length), ...this.keys, ...this.argv]) };
  }

  protected run(): void {
    const scripts = this.client.scripts;
    if (scripts.engine === null) return this.afterEngine(() => this.run());
    if (this.sha === null || (!this.bySha && !scripts.has(this.sha))) {
      // Under a hold already (see start()), sent whole by a peer, or evicted since start().
      const admitted = this.admit();
      if ('error' in admitted) return this.finish({ err: admitted.error });
      this.sha = admitted.sha;
    } else if (!scripts.has(this.sha)) return this.finish({ err: 'NOSCRIPT No matching script. Please use EVAL.' });
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
      return this.finish({ err: `ERR script failed: ${(err as Error).message}` });
    }
    if (step.done) this.finish(step.result);
  }

  private finish(result: Reply): void {
    this.result = result;
    this.release();
    this.complete();
  }

  /** Done: answered once its body is on every other worker too (then EVALSHA finds it anywhere). */
  protected override complete(): void {
    const share = this.share;
    if (share === null || share.done) return super.complete();
    this.share = null;
    this.place();
    share.whenDone(() => super.complete());
  }

  protected failed(message: string): void {
    this.result = { err: message };
    this.complete();
  }

  encode(out: OutBuffer): void {
    if (this.encodeOwned(out)) return;
    encodeReply(out, this.result, this.replies);
  }

  // ScriptHost: a redis.call() from the script.

  call(argv: string[], _raise: boolean): Reply | typeof LATER {
    const args = argsOf(argv);
    const spec = lookup(args);
    if (spec === undefined) return { err: 'ERR Unknown Redis command called from script' };
    if (!arityOk(spec, args.count)) return { err: 'ERR Wrong number of args calling Redis command from script' };
    if (spec.flags.includes('noscript') || spec.plan === 'script' || spec.plan === 'connection' && !SCRIPT_CONNECTION.has(spec.name)) {
      return { err: 'ERR This Redis command is not allowed from script' };
    }
    if (this.readOnly && spec.flags.includes('write')) return { err: 'ERR Write commands are not allowed from read-only scripts.' };
    if (spec.plan === 'connection') return connectionReply(spec.name, argv);
    if (spec.plan === 'each-worker' || spec.plan === 'cursor') {
      return { err: `ERR ${spec.name} is not supported in scripts here: it runs on every worker, and a script holds only the workers of its keys` };
    }
    const last = lastKeyIndex(spec, args.count);
    for (let k = spec.firstKey; k > 0 && k <= last; k += spec.step) {
      const key = args.latin1(k);
      if (!this.declares(key)) return { err: UNDECLARED(key) };
    }
    SCRATCH.clear();
    if (spec.plan === 'one-key') {
      const shard = shardOf(args.buf, args.starts[1], args.ends[1]);
      const owners = this.client.owners;
      if (!owners.run(owners.map[shard], shard, spec, args, SINK, this, 0)) return LATER;
      return this.readScratch();
    }
    const plan = coordinate(this.calls, spec, args, this.client.workers, () => SCRATCH);
    if (typeof plan === 'string') return { err: plan };
    if (!plan.placed) return this.readScratch();
    return LATER;
  }

  private readScratch(): Reply {
    return parseReply(SCRATCH.buf, 0, SCRATCH.length);
  }

  /** A call's reply came (from a peer, or after a hold here): the script goes on. */
  private resumeWith(reply: Reply): void {
    this.proceed(() => this.lua!.resume(reply));
  }

  // Later and Pending, for a one-key call answered later.

  /** Its calls pass its hold once it runs; while it takes its holds, it has none. */
  override get txid(): string | null {
    return this.lua !== null ? this.holdId : this.client.txid;
  }

  override later(index: number): Pending {
    if (this.lua === null) return super.later(index);
    this.place();
    return this;
  }

  settle(kind: ReplyKind, payload: string, items?: Items): void {
    this.resumeWith(kindToReply(kind, payload, items));
  }

  settleEncoded(buf: Buffer, start: number, end: number): void {
    this.resumeWith(parseReply(buf, start, end));
  }

}

/** Connection commands a script may call, answered here. */
const SCRIPT_CONNECTION = new Set(['PING', 'ECHO', 'TIME']);

function connectionReply(name: string, argv: string[]): Reply {
  if (name === 'PING') return argv.length > 1 ? argv[1] : { ok: 'PONG' };
  if (name === 'ECHO') return argv[1];
  const now = Date.now();
  return [String(Math.floor(now / 1000)), String((now % 1000) * 1000)];
}
