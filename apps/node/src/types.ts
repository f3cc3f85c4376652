import type { Args, Items, OutBuffer, ReplyEncoder, TextOp } from '@kv/wire';
import type { BlockingSpec } from './blocking-spec';
import type { PubSubBroker } from './pubsub-broker';
import type { WorkerClients } from './client-types';
export type { ClientFilter, WorkerClients } from './client-types';
export type { PubSubBroker } from './pubsub-broker';
import type { KeyEvent, KeyEventAt, KeyspaceEvents } from './key-event-types';
export type { KeyEvent, KeyEventAt, KeyspaceEvents } from './key-event-types';
import type { EvictionPolicy, Lru, StoreMemory } from '@kv/lru';

/**
 * The types commands and the modules that run them share. This module imports nothing from the
 * package, so every other module may import it without forming a cycle (test/tree.test.ts).
 */

/**
 * Where a command's reply goes. The same handler answers a local client (encoded in that
 * client's protocol) and a peer worker (encoded into a reply frame).
 */
export interface ReplySink {
  ok(): void;
  /** A simple string reply such as PONG or a TYPE name (RESP `+text`). */
  status(text: string): void;
  /** No value: `NOTFOUND` in the text protocol, a null bulk in RESP. */
  nil(): void;
  bulk(value: string): void;
  /** A bulk string whose bytes are buf[start, end): copied by the sink before it returns (a store's value). */
  bulkBytes(buf: Uint8Array, start: number, end: number): void;
  integer(n: number | bigint): void;
  /** A Redis error line such as `ERR syntax error`; the text protocol says ERROR. */
  error(message: string): void;
  /** A list of values, undefined for nil (KEYS, a SCAN step, a transaction's reads). */
  array(items: Items): void;
  /**
   * Field and value pairs as one flat list (key, value, key, value ...; a value may be nil):
   * a RESP3 map `%`, the same flat array as array() in RESP2 and the text protocol (HGETALL).
   */
  map(items: Items): void;
  /** No list at all (EXEC of an aborted transaction): RESP2 `*-1`, RESP3 `_`, text NOTFOUND. */
  nullArray(): void;
  /** A SCAN-family reply, [cursor, [items...]] (HSCAN). */
  cursor(cursor: string, items: Items): void;
  /**
   * Any other reply, as a reply tree (@kv/wire's TreeWriter: nested arrays, integers and doubles
   * inside them, maps, sets, pairs) at buf[start, end): copied by the sink before it returns.
   */
  tree(buf: Buffer, start: number, end: number): void;
}

/** Totals over a worker's shards (DBSIZE, INFO). */
export interface ShardTotals {
  keys: number;
  bytes: number;
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  volatile: number;
}

/**
 * A worker's shards as its worker handlers see them; ShardSet (shards.ts) implements it. `Stats` is what
 * `processStats` returns (commands/info.ts's ProcessStats, a parameter so this module need not import info.ts).
 */
export interface WorkerShards<Stats = any> {
  /** Client-side caching: the client whose command runs now (> 0: its reads are tracked; stores.ts). */
  readonly client: number;
  /** Shards owned, in the order they were taken on. */
  readonly owned: readonly number[];
  readonly policy: EvictionPolicy;
  /** Blocking commands waiting on these shards (INFO's blocked_clients). */
  readonly blocked: { readonly count: number; wrote(shard: number): void };
  /** The shard map version this worker routes by: a hand-over checks it. */
  readonly mapVersion: number;
  /** The worker process's own figures for INFO (null: no worker process, in tests). */
  readonly processStats: (() => Stats) | null;
  /** Its router's clients, for CLIENT LIST, KILL and UNBLOCK (commands/clients.ts); null without a worker process. */
  readonly clients: WorkerClients | null;
  /** CONFIG RESETSTAT: the router's counters back to 0 (the shards' own are reset beside it); null without a router. */
  readonly resetRouterStats: (() => void) | null;
  /** The worker's slow log (its router's); null without a router. */
  readonly slowlog: SlowCommands | null;
  /** The worker's script cache (SCRIPTSTORE, SCRIPTDUMP, SCRIPTFLUSH); null without a router. */
  readonly scripts: ScriptStore | null;
  /** What runs an EXECHERE or EVALHERE; null without a router. */
  readonly here: HereRunner | null;
  /** The worker's Pub/Sub subscribers (PUBLISH's and PUBSUB's steps); null without a router. */
  readonly pubsub: PubSubBroker | null;
  /** The worker's arena, budget and eviction over its shards. */
  readonly memory: StoreMemory;
  store(shard: number): Lru | undefined;
  /** Runs a one-key command on `shard` as a client's would run there (events, tracking, blocked clients woken). */
  executeOn(shard: number, spec: CommandSpec, args: Args, reply: ReplySink): void;
  adopt(shard: number): Lru;
  totals(): ShardTotals;
  flush(): void;
  holdFor(txid: string, from: number, writes: [string, string][]): void;
  /** True while the transaction `txid` holds these shards. */
  holds(txid: string): boolean;
  commit(txid: string): boolean;
  abort(txid: string): boolean;
  isGone(link: number): boolean;
}

/** A reply frame's sink that takes a reply already encoded in the client's protocol (FrameReplies). */
export interface EncodedSink {
  /** Appends what `fill` encodes, with `replies` (the client's protocol), as one reply. */
  encoded(fill: (out: OutBuffer, replies: ReplyEncoder) => void): void;
}

/** Runs a MULTI/EXEC or a script sent whole to the worker owning its keys (the router's coord/here.ts). */
export interface HereRunner {
  /** EXECHERE: the reply encoded with `replies` (the client's protocol) into `out`. */
  exec(args: Args, out: OutBuffer, replies: ReplyEncoder): void;
  /** EVALHERE, likewise. */
  eval(args: Args, out: OutBuffer, replies: ReplyEncoder): void;
  /** EVALHERE: the error it is refused with before it runs (plainly, never as a script's reply: its sender acts on it), or null. */
  evalRefusal(args: Args): string | null;
}

/** A worker's script cache as the shards see it (the router's coord/scripts.ts). */
export interface ScriptStore {
  /** Compiles and keeps a script another worker brought in ('eval' or 'load'), evicting `victims`: null, or its compile error. */
  store(kind: string, body: string, victims: readonly string[]): string | null;
  /** Every script, as kind and body pairs (a worker that starts copies them). */
  dump(): string[];
  flush(): void;
}

/**
 * A worker's slow log (SLOWLOG), kept by its router (apps/router/src/operator/slowlog.ts): the
 * commands its clients ran here, and those run here for a peer's clients (timed by ShardNode).
 */
export interface SlowCommands {
  /** SLOWLOG or LATENCY wants commands timed. */
  readonly timing: boolean;
  /** A command run here for a client of the worker at the other end of link `source` took `micros` (kept if slow, a latency event if past its threshold). */
  ranForPeer(spec: CommandSpec, args: Args, micros: number, source: number): void;
  /** SLOWLOGSTEP GET count | LEN | RESET: this worker's part of SLOWLOG. */
  step(args: Args, reply: ReplySink): void;
  /** LATENCYSTEP ALL | RESET [event ...]: this worker's part of LATENCY (JSON). */
  latencyStep(args: Args, reply: ReplySink): void;
}

/** Runs a one-key command on the store of the shard owning its key. */
export type Handler = (store: Lru, args: Args, reply: ReplySink) => void;
/** Runs a command over every shard a worker owns; `from` is the peer link it came on (-1: this worker's own client or coordinator). */
export type WorkerHandler = (shards: WorkerShards, args: Args, reply: ReplySink, from: number) => void;

/**
 * What a worker's shards are given by the process they live in (worker-process.ts), at
 * construction: the router's parts they serve peers with, its figures, and where faults and
 * drained work are reported. Each may be left out (a test, a worker without a router).
 */
export interface ShardServices<Stats = any> {
  /** A fault that must not happen (a bug): the worker logs it. */
  readonly fault?: (message: string, fields: Record<string, unknown>) => void;
  /** Work that waited behind a hold has run: write the replies it produced. */
  readonly drained?: () => void;
  /** The shard map version the worker routes by, now. */
  readonly mapVersion?: () => number;
  readonly processStats?: () => Stats;
  readonly clients?: WorkerClients;
  readonly resetRouterStats?: () => void;
  /** The router's slow log (reached when one comes: the router is made after the shards). */
  readonly slowlog?: () => SlowCommands;
  readonly scripts?: ScriptStore;
  /** What runs a transaction or script sent whole (its router's, reached when one comes). */
  readonly here?: () => HereRunner;
  /** The worker's Pub/Sub subscribers (its router's, reached when a PUBLISH comes). */
  readonly pubsub?: () => PubSubBroker;
  /** Keyspace notifications (notify-keyspace-events): its router's. */
  readonly keyspace?: KeyspaceEvents;
}

/**
 * How the router runs a command, found from its table entry alone:
 * - `one-key`: one key at argv[1]; runs on the shard that owns it, here or on its worker.
 * - `each-key`: argv[1..] are all keys; runs once per key on its owner (`handler` sees argv
 *   [name, key]), and the replies are combined: summed (`sum`) or listed in key order (`list`).
 *   MGET over keys on several workers runs as `atomic` instead (apps/router/src/coord/).
 * - `each-worker`: no key; runs once on every worker (`workerHandler`), replies combined.
 * - `atomic`: keys on several workers written or read all at once (MSET, MSETNX): the router's
 *   coordinator holds every worker involved, in worker order, then commits (apps/router/src/coord/txn.ts).
 * - `cursor`: SCAN; runs (`workerHandler`) on the worker owning the shard its cursor points into,
 *   then on the next shard's owner while a shard ran out early (apps/router/src/coord/scan.ts).
 * - `script`: EVAL and friends: keys declared by count (argv[2]); run by the router's Lua engine
 *   under a hold of every worker of those keys (apps/router/src/coord/script.ts).
 * - `connection`: no key; answered by the router itself (apps/router/src/commands/).
 * - `internal`: sent between workers only (a transaction's steps, a shard's hand-over); clients cannot call it.
 */
export type PlanKind = 'one-key' | 'each-key' | 'each-worker' | 'atomic' | 'cursor' | 'script' | 'connection' | 'internal';

/** A command as data: the router checks arity and finds keys, owners and the plan from this alone. */
export interface CommandSpec {
  readonly name: string;
  /** Stable small number carried in inter-process frames instead of the name. */
  readonly opcode: number;
  /** Redis's convention, counting the name: 2 = exactly one argument, -2 = at least one. */
  readonly arity: number;
  /**
   * Redis's key positions: the first key's argument index (0: no key), the last's (negative:
   * counted from the end, -1 being the last argument) and the step between keys.
   */
  readonly firstKey: number;
  readonly lastKey: number;
  readonly step: number;
  readonly plan: PlanKind;
  /**
   * How per-key or per-worker replies become one: summed, listed in key order, one OK, the
   * workers' packed lists concatenated (`concat`), INFO texts merged (`info`), or the workers'
   * texts joined as one verbatim string (`lines`: CLIENT LIST); the workers' lists made one with
   * no item twice (`union`: PUBSUB CHANNELS), or how many items that is (`union-count`: PUBSUB
   * NUMPAT); `[name, count, ...]` lists with the counts summed by position (`pair-sums`: PUBSUB NUMSUB);
   * one of the values at random, nil only when all are (`random`: RANDOMKEY).
   */
  readonly combine?: 'sum' | 'list' | 'ok' | 'concat' | 'info' | 'lines' | 'union' | 'union-count' | 'pair-sums' | 'random';
  readonly handler?: Handler;
  readonly workerHandler?: WorkerHandler;
  /** Only the seed's text protocol has it (PUT, STATS); RESP does not know the name. */
  readonly textOnly?: boolean;
  /** An internal step that gets no reply and never waits its turn (a transaction's commit or abort). */
  readonly control?: boolean;
  /**
   * TXRUN: a command of the transaction or script holding this worker. It runs at once, ahead of
   * the work waiting behind the hold, and only while that transaction holds it.
   */
  readonly bypass?: boolean;
  /** It touches no shard (PUBLISH, SPUBLISH): runs at once even while a hold keeps them, so a script holding some workers publishes on all. */
  readonly holdFree?: boolean;
  /** Redis's command flags, for COMMAND's reply. */
  readonly flags: readonly string[];
  /**
   * What the router treats specially, as fields rather than by name. The seed's text protocol has
   * it (GET, PUT, STATS, AUTH): its op there, so a first line naming a Redis command without one
   * is a Redis inline command.
   */
  readonly text?: TextOp;
  /** Inside MULTI it runs at once instead of being queued (EXEC, DISCARD, MULTI, WATCH, QUIT), as in Redis. */
  readonly unqueued?: boolean;
  /** It runs MULTI's queue (EXEC): refused itself (its arity), it discards the queue and answers EXECABORT, as Redis 7. */
  readonly runsQueue?: boolean;
  /**
   * Over keys on several workers it runs as one transaction (apps/router/src/coord/txn.ts): the keys
   * read at one moment (`read`: MGET), all written or none (`write`: MSET), or written only if
   * none exists (`write-new`: MSETNX).
   */
  readonly atomic?: 'read' | 'write' | 'write-new';
  /** Its later steps go out only once earlier ones answered (MSETNX's writes after its checks; CONFIG SET's change, made by the primary): an EXEC waits for it before its next command. */
  readonly rounds?: boolean;
  /** A script run by its body (EVAL, EVAL_RO) or by its sha1 (EVALSHA, EVALSHA_RO). */
  readonly script?: 'body' | 'sha';
  /**
   * argv[1] counts the keys that follow it (LMPOP, SINTERCARD; Redis's movablekeys): a `one-key`
   * command then runs on the shard of its first key, argv[2], and its keys are argv[2..2+numkeys)
   * (key-positions.ts keySpan). Its handler checks that they share that shard.
   */
  readonly numkeys?: boolean;
  /** The numkeys argument's index when it is not argv[1] (BLMPOP timeout numkeys key...: 2). */
  readonly numkeysAt?: number;
  /** Its keys are the first half of what follows this keyword (XREAD's STREAMS): it runs on its first key's shard. */
  readonly keysAfter?: string;
  /** A blocking command (commands/blocking.ts): its handler is the non-blocking form; ShardSet.block keeps a client's request that found nothing. */
  readonly blocking?: BlockingSpec;
  /** The keyspace notification it fires on its key when it changes it (commands/key-events.ts). */
  readonly event?: KeyEvent;
  /** A write that reads its key first, as Redis's lookupKeyRead (GETDEL, GETEX): a missing key is a `keymiss`. */
  readonly readsKey?: boolean;
  /**
   * A command over several keys of one shard (RENAME, COPY): the notifications it fires, in order,
   * each on the key at argument `at` when that key changed (commands/key-events.ts), instead of `event`.
   */
  readonly keyEvents?: readonly KeyEventAt[];
  /**
   * With `keyEvents`: the keys it reads (Redis's lookupKeyRead), first and last argument (negative:
   * from the end), or those counted by the argument at `numkeysAt` (ZUNIONSTORE's); each missing one is a `keymiss`.
   */
  readonly reads?: readonly [first: number, last: number] | { readonly numkeysAt: number };
  /** RENAME, RENAMENX, COPY: keys of two shards run as a plan over both owners (the router's coord/key-move.ts), not on the first key's. */
  readonly movesAcross?: 'rename' | 'renamenx' | 'copy';
  /** Keys of several shards run gathered into its first key's shard (the router's coord/gathered.ts, XRUN), not CROSSSLOT. */
  readonly gathers?: boolean;
  /** SORT: a key after its last STORE option is its destination, as Redis's sortGetKeys finds it (key-positions.ts sortStoreAt). */
  readonly storeOption?: boolean;
  /** A RESP2 connection subscribed to a channel may run it (the subscribe family, PING, QUIT, RESET), as Redis's. */
  readonly inSubscribed?: boolean;
  /** A connection command a script may call: answered by the script runtime itself (PING, ECHO, TIME; OBJECT through its step on the key's owner). */
  readonly inScript?: boolean;
  /** From `flags`: it may run before AUTH (`no_auth`). */
  readonly noAuth: boolean;
  /** From `flags`: it writes (`write`), so a read-only script may not call it. */
  readonly writes: boolean;
  /** From `flags`: it only reads (`readonly`; for a script: EVAL_RO, EVALSHA_RO). */
  readonly readOnly: boolean;
  /**
   * Arguments SLOWLOG shows as `(redacted)`, as Redis hides passwords: all after the name
   * (`args`: AUTH), or the two after an `AUTH` argument (`after-auth`: HELLO).
   */
  readonly redact?: 'args' | 'after-auth';
  /**
   * What MONITOR shows of it, as Redis hides its admin commands: nothing (`hidden`: SHUTDOWN,
   * MONITOR), or only these subcommands (CONFIG's HELP; CLIENT's but LIST, KILL, PAUSE ...).
   */
  readonly monitor?: 'hidden' | readonly string[];
  /** From `flags`: a script may not call it (`noscript`). */
  readonly noScript: boolean;
  /** From `flags`: MULTI may not queue it (`no_multi`: SHUTDOWN), as Redis refuses it. */
  readonly noMulti: boolean;
  /** From `flags`: Redis's `fast` (LATENCY's `fast-command` event rather than `command`). */
  readonly fast: boolean;
}
