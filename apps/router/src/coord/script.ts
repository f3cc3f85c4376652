import { argsOf, OutBuffer, ReplyMode, RESP_REPLIES, shardOf, type Args, type Items, type ReplyKind } from '@kv/wire';
import { arityOk, commandNamed, lastKeyIndex, lookup, type CommandSpec, type ReplySink } from '@kv/node';
import { LATER, parseReply, sha1hex, type Reply, type Run, type ScriptHost, type Step } from '@kv/lua';
import type { Owed } from '../client/reply-queue';
import type { Pending } from '../links/types';
import { coordinate } from './coordinator';
import { Held, type OwnerRequest } from './held';
import { runPlan, type Plan, type PlanClient } from './plan';
import { declaredKeys, numkeys } from './script-keys';
import type { Scripts } from './scripts';
import { encodeReply, kindToReply } from './script-reply';
import { encodingSink } from './sinks';

/** What a script needs of its client (Conn): a plan's, plus the worker's scripts and size. */
export interface ScriptClient extends PlanClient {
  readonly scripts: Scripts;
  readonly workers: number;
  /** Tells every other worker of a script compiled here, so EVALSHA finds it there too. */
  shareScript(body: string): void;
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
   * EVALHERE name body numkeys key... arg...: the script for the one worker owning its keys,
   * with its body (that worker may not have it cached yet). Not when this worker cannot name the
   * body (an unknown sha: run() answers NOSCRIPT) or its engine is still starting.
   */
  protected override ownerRequest(): OwnerRequest | null {
    const engine = this.client.scripts.engine;
    const body = this.bySha ? engine?.bodyOf(this.source.toLowerCase()) : this.source;
    if (body === undefined) return null;
    const name = this.readOnly ? 'EVAL_RO' : 'EVAL';
    return { opcode: EVALHERE.opcode, args: argsOf(['EVALHERE', name, body, String(this.keys.length), ...this.keys, ...this.argv]) };
  }

  protected run(): void {
    const scripts = this.client.scripts;
    const engine = scripts.engine;
    if (engine === null) {
      scripts.ready.then(
        () => this.run(),
        (err: Error) => this.finish({ err: `ERR the Lua engine failed to start: ${err.message}` }),
      );
      return;
    }
    let sha: string;
    if (this.bySha) {
      sha = this.source.toLowerCase();
      if (!engine.has(sha)) return this.finish({ err: 'NOSCRIPT No matching script. Please use EVAL.' });
    } else {
      const known = engine.has(sha1hex(this.source));
      const loaded = engine.load(this.source);
      if ('error' in loaded) return this.finish({ err: loaded.error });
      sha = loaded.sha;
      if (!known) this.client.shareScript(this.source);
    }
    this.lua = engine.start(sha, this.keys, this.argv, this, scripts.limitMs);
    this.proceed(() => this.lua!.resume());
  }

  /** Resumes the script; a fault in the engine (a bug) fails this script only. */
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
