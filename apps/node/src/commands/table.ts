import { fnv1a, type Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import type { ReplySink } from '../reply';
import type { ShardSet } from '../shards';
import * as handover from './handover';
import * as info from './info';
import * as keys from './keys';
import * as scan from './scan';
import * as server from './server';
import * as strings from './strings';
import * as txn from './txn';

export type Handler = (store: Lru, args: Args, reply: ReplySink) => void;
export type WorkerHandler = (shards: ShardSet, args: Args, reply: ReplySink) => void;

/**
 * How the router runs a command:
 * - `key`: one key at argv[1]; runs on the shard that owns it, here or on its worker.
 * - `each-key`: argv[1..] are all keys; runs once per key on its owner (`handler` sees argv
 *   [name, key]), and the replies are combined: summed (`sum`) or listed in key order (`list`).
 * - `each-worker`: no key; runs once on every worker (`workerHandler`), replies combined.
 * - `cursor`: SCAN; runs (`workerHandler`) on the worker owning the shard its cursor points into,
 *   then on the next shard's owner while a shard ran out early (apps/router/src/scan.ts).
 * - `txn`: keys on several workers written or read all at once (MSET, MSETNX): the router's
 *   coordinator holds every worker involved, in worker order, then commits (apps/router/src/txn.ts).
 * - `internal`: sent between workers only (a transaction's steps, a shard's hand-over); clients cannot call it.
 * - `connection`: no key; answered by the router itself.
 */
export type Route = 'key' | 'each-key' | 'each-worker' | 'cursor' | 'txn' | 'internal' | 'connection';

/** A command as data: the router checks arity and finds keys and owners from this. */
export interface CommandSpec {
  readonly name: string;
  /** Stable small number carried in inter-process frames instead of the name. */
  readonly opcode: number;
  /** Redis's convention, counting the name: 2 = exactly one argument, -2 = at least one. */
  readonly arity: number;
  readonly route: Route;
  /**
   * How per-key or per-worker replies become one: summed, listed in key order, one OK, the
   * workers' packed lists concatenated (`concat`), or INFO texts merged (`info`).
   */
  readonly combine?: 'sum' | 'list' | 'ok' | 'concat' | 'info';
  readonly handler?: Handler;
  readonly workerHandler?: WorkerHandler;
  /** Only the seed's text protocol has it (PUT); RESP does not know the name. */
  readonly textOnly?: boolean;
  /** An internal step that gets no reply and never waits its turn (a transaction's commit or abort). */
  readonly control?: boolean;
  /** Redis's command flags, for COMMAND's reply. */
  readonly flags: readonly string[];
}

const W = ['write', 'denyoom'];
const R = ['readonly', 'fast'];
const F = ['fast'];

const table: Omit<CommandSpec, 'opcode'>[] = [
  // strings
  { name: 'GET', arity: 2, route: 'key', handler: strings.get, flags: R },
  { name: 'SET', arity: -3, route: 'key', handler: strings.set, flags: W },
  { name: 'SETNX', arity: 3, route: 'key', handler: strings.setnx, flags: [...W, 'fast'] },
  { name: 'SETEX', arity: 4, route: 'key', handler: strings.setex, flags: W },
  { name: 'PSETEX', arity: 4, route: 'key', handler: strings.psetex, flags: W },
  { name: 'GETSET', arity: 3, route: 'key', handler: strings.getset, flags: [...W, 'fast'] },
  { name: 'GETDEL', arity: 2, route: 'key', handler: strings.getdel, flags: ['write', 'fast'] },
  { name: 'GETEX', arity: -2, route: 'key', handler: strings.getex, flags: ['write', 'fast'] },
  { name: 'APPEND', arity: 3, route: 'key', handler: strings.append, flags: [...W, 'fast'] },
  { name: 'STRLEN', arity: 2, route: 'key', handler: strings.strlen, flags: R },
  { name: 'INCR', arity: 2, route: 'key', handler: strings.incr, flags: [...W, 'fast'] },
  { name: 'DECR', arity: 2, route: 'key', handler: strings.decr, flags: [...W, 'fast'] },
  { name: 'INCRBY', arity: 3, route: 'key', handler: strings.incrby, flags: [...W, 'fast'] },
  { name: 'DECRBY', arity: 3, route: 'key', handler: strings.decrby, flags: [...W, 'fast'] },
  { name: 'INCRBYFLOAT', arity: 3, route: 'key', handler: strings.incrbyfloat, flags: [...W, 'fast'] },
  { name: 'MGET', arity: -2, route: 'each-key', combine: 'list', handler: strings.get, flags: R },
  // keys
  { name: 'DEL', arity: -2, route: 'each-key', combine: 'sum', handler: keys.del, flags: ['write'] },
  { name: 'UNLINK', arity: -2, route: 'each-key', combine: 'sum', handler: keys.del, flags: ['write', 'fast'] },
  { name: 'EXISTS', arity: -2, route: 'each-key', combine: 'sum', handler: keys.exists, flags: R },
  { name: 'TOUCH', arity: -2, route: 'each-key', combine: 'sum', handler: keys.touch, flags: R },
  { name: 'TYPE', arity: 2, route: 'key', handler: keys.type, flags: R },
  { name: 'TTL', arity: 2, route: 'key', handler: keys.ttl, flags: R },
  { name: 'PTTL', arity: 2, route: 'key', handler: keys.pttl, flags: R },
  { name: 'PERSIST', arity: 2, route: 'key', handler: keys.persist, flags: ['write', 'fast'] },
  { name: 'EXPIRE', arity: -3, route: 'key', handler: keys.expire, flags: ['write', 'fast'] },
  { name: 'PEXPIRE', arity: -3, route: 'key', handler: keys.pexpire, flags: ['write', 'fast'] },
  { name: 'EXPIREAT', arity: -3, route: 'key', handler: keys.expireat, flags: ['write', 'fast'] },
  { name: 'PEXPIREAT', arity: -3, route: 'key', handler: keys.pexpireat, flags: ['write', 'fast'] },
  // the text protocol's PUT: SET without options
  { name: 'PUT', arity: 3, route: 'key', handler: strings.put, flags: W, textOnly: true },
  // the key space
  { name: 'KEYS', arity: 2, route: 'each-worker', combine: 'concat', workerHandler: scan.keys, flags: ['readonly'] },
  { name: 'SCAN', arity: -2, route: 'cursor', workerHandler: scan.scan, flags: ['readonly'] },
  // several workers at once
  { name: 'MSET', arity: -3, route: 'txn', flags: W },
  { name: 'MSETNX', arity: -3, route: 'txn', flags: W },
  { name: 'TXPREPARE', arity: -5, route: 'internal', workerHandler: txn.txprepare, flags: [] },
  { name: 'TXCOMMIT', arity: 2, route: 'internal', workerHandler: txn.txcommit, control: true, flags: [] },
  { name: 'TXABORT', arity: 2, route: 'internal', workerHandler: txn.txabort, control: true, flags: [] },
  // every worker
  { name: 'DBSIZE', arity: 1, route: 'each-worker', combine: 'sum', workerHandler: server.dbsize, flags: R },
  { name: 'FLUSHALL', arity: -1, route: 'each-worker', combine: 'ok', workerHandler: server.flushall, flags: ['write'] },
  { name: 'FLUSHDB', arity: -1, route: 'each-worker', combine: 'ok', workerHandler: server.flushall, flags: ['write'] },
  { name: 'INFO', arity: -1, route: 'each-worker', combine: 'info', workerHandler: info.info, flags: ['loading', 'stale'] },
  // answered by the router (apps/router/src/connection-commands.ts)
  { name: 'PING', arity: -1, route: 'connection', flags: F },
  { name: 'ECHO', arity: 2, route: 'connection', flags: F },
  { name: 'QUIT', arity: -1, route: 'connection', flags: F },
  { name: 'SELECT', arity: 2, route: 'connection', flags: F },
  { name: 'HELLO', arity: -1, route: 'connection', flags: F },
  { name: 'CLIENT', arity: -2, route: 'connection', flags: [] },
  { name: 'COMMAND', arity: -1, route: 'connection', flags: [] },
  { name: 'CONFIG', arity: -2, route: 'connection', flags: [] },
  { name: 'TIME', arity: 1, route: 'connection', flags: F },
  { name: 'AUTH', arity: -2, route: 'connection', flags: ['noscript', 'loading', 'stale', 'fast', 'no-auth'] },
  // a shard handed to another worker by a live resize
  { name: 'SHARDIMPORT', arity: -3, route: 'internal', workerHandler: handover.shardimport, flags: [] },
  // the text protocol's STATS, answered by the router (listed so that its calls are counted)
  { name: 'STATS', arity: 1, route: 'connection', flags: [], textOnly: true },
];

export const COMMANDS: readonly CommandSpec[] = table.map((spec, i) => Object.freeze({ ...spec, opcode: i + 1 }));

/**
 * The command table's version: FNV-1a (32 bits) of every `opcode:name;`. Opcodes are positions in
 * this table, so two workers may exchange frames only if their versions are equal (peer HELLO).
 */
export const COMMAND_TABLE_VERSION: number = (() => {
  const text = Buffer.from(COMMANDS.map((spec) => `${spec.opcode}:${spec.name};`).join(''), 'latin1');
  return fnv1a(text, 0, text.length) >>> 0;
})();

/** Commands indexed by opcode, for frames from peers. */
export const BY_OPCODE: readonly (CommandSpec | undefined)[] = (() => {
  const byOpcode: (CommandSpec | undefined)[] = [];
  for (const spec of COMMANDS) byOpcode[spec.opcode] = spec;
  return byOpcode;
})();

const RESP_NAMES = new Map(COMMANDS.filter((spec) => !spec.textOnly && spec.route !== 'internal').map((spec) => [spec.name, spec]));

/** The RESP command named by argv[0], any letter case. */
export function lookup(args: Args): CommandSpec | undefined {
  const len = args.ends[0] - args.starts[0];
  if (len === 0 || len > 16) return undefined;
  return RESP_NAMES.get(args.latin1(0).toUpperCase());
}

/** Every command RESP clients can call (for COMMAND). */
export const RESP_COMMANDS: readonly CommandSpec[] = [...RESP_NAMES.values()];

export function commandNamed(name: string): CommandSpec {
  const spec = COMMANDS.find((c) => c.name === name);
  if (spec === undefined) throw new Error(`no command ${name}`);
  return spec;
}

/** Redis's arity check. */
export function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity >= 0 ? argc === spec.arity : argc >= -spec.arity;
}
