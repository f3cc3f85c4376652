import { fnv1a, TextOp, type Args } from '@kv/wire';
import { registerCommandTable } from '../figures/command-stats';
import type { CommandSpec } from '../types';
import { CLIENT_STEPS } from './clients';
import * as counters from './counters';
import * as handover from './handover';
import * as hashScan from './hash-scan';
import * as hashes from './hashes';
import * as info from './info';
import * as keys from './keys';
import * as listEdits from './list-edits';
import * as lists from './lists';
import * as pubsub from './pubsub';
import { EVENTS, KEY_EVENTS } from './key-events';
import * as memory from './memory';
import * as scan from './scan';
import * as scripting from './scripting';
import * as server from './server';
import * as setMulti from './set-multi';
import * as sets from './sets';
import * as strings from './strings';
import type { Entry, KeyPositions } from './table-entry';
import { ZSET_TABLE } from './table-zsets';
import { KEY_TABLE, useCommandLookup } from './table-keys';
import { BLOCKING_TABLE } from './table-blocking';
import { STREAM_TABLE } from './table-streams';
import * as testFaults from './test-faults';
import * as txn from './txn';

export type { CommandSpec, Handler, PlanKind, WorkerHandler } from '../types';

const W = ['write', 'denyoom'];
const R = ['readonly', 'fast'];
const F = ['fast'];
const PUBSUB_SUB = ['pubsub', 'noscript', 'loading', 'stale'];
const PUBSUB_PUB = ['pubsub', 'loading', 'stale', 'fast'];

/** Key positions, Redis's first/last/step: one key at argv[1]; every argument a key; key value pairs; no key. */
const ONE: KeyPositions = [1, 1, 1];
const ALL: KeyPositions = [1, -1, 1];
const PAIRS: KeyPositions = [1, -1, 2];
/** Two keys, argv[1] and argv[2] (of one shard: the handler checks; ALL with plan one-key likewise). */
const TWO: KeyPositions = [1, 2, 1];
const NONE: KeyPositions = [0, 0, 0];

/**
 * Every command, connection commands included: the one registry. The router checks arity and
 * finds the plan, the keys (keysOf in ./key-positions.ts) and so their owners from an entry
 * alone; COMMAND reports name, arity, flags and key positions from it. Connection commands'
 * handlers live in the router (apps/router/src/commands/), by name.
 */
const table: Entry[] = [
  // strings
  { name: 'GET', arity: 2, plan: 'one-key', keys: ONE, handler: strings.get, flags: R, text: TextOp.GET },
  { name: 'SET', arity: -3, plan: 'one-key', keys: ONE, handler: strings.set, flags: W, event: EVENTS.set },
  { name: 'SETNX', arity: 3, plan: 'one-key', keys: ONE, handler: strings.setnx, flags: [...W, 'fast'], event: EVENTS.set },
  { name: 'SETEX', arity: 4, plan: 'one-key', keys: ONE, handler: strings.setex, flags: W, event: EVENTS.set },
  { name: 'PSETEX', arity: 4, plan: 'one-key', keys: ONE, handler: strings.psetex, flags: W, event: EVENTS.set },
  { name: 'GETSET', arity: 3, plan: 'one-key', keys: ONE, handler: strings.getset, flags: [...W, 'fast'], event: EVENTS.set },
  { name: 'GETDEL', arity: 2, plan: 'one-key', keys: ONE, handler: strings.getdel, flags: ['write', 'fast'], event: EVENTS.del, readsKey: true },
  { name: 'GETEX', arity: -2, plan: 'one-key', keys: ONE, handler: strings.getex, flags: ['write', 'fast'], event: EVENTS.ttl, readsKey: true },
  { name: 'APPEND', arity: 3, plan: 'one-key', keys: ONE, handler: strings.append, flags: [...W, 'fast'], event: EVENTS.append },
  { name: 'STRLEN', arity: 2, plan: 'one-key', keys: ONE, handler: strings.strlen, flags: R },
  { name: 'INCR', arity: 2, plan: 'one-key', keys: ONE, handler: counters.incr, flags: [...W, 'fast'], event: EVENTS.incrby },
  { name: 'DECR', arity: 2, plan: 'one-key', keys: ONE, handler: counters.decr, flags: [...W, 'fast'], event: EVENTS.incrby },
  { name: 'INCRBY', arity: 3, plan: 'one-key', keys: ONE, handler: counters.incrby, flags: [...W, 'fast'], event: EVENTS.incrby },
  { name: 'DECRBY', arity: 3, plan: 'one-key', keys: ONE, handler: counters.decrby, flags: [...W, 'fast'], event: EVENTS.incrby },
  { name: 'INCRBYFLOAT', arity: 3, plan: 'one-key', keys: ONE, handler: counters.incrbyfloat, flags: [...W, 'fast'], event: EVENTS.incrbyfloat },
  { name: 'MGET', arity: -2, plan: 'each-key', keys: ALL, combine: 'list', handler: strings.getOrNil, flags: R, atomic: 'read' },
  // hashes
  { name: 'HSET', arity: -4, plan: 'one-key', keys: ONE, handler: hashes.hset, flags: [...W, 'fast'], event: EVENTS.hset },
  { name: 'HSETNX', arity: 4, plan: 'one-key', keys: ONE, handler: hashes.hsetnx, flags: [...W, 'fast'], event: EVENTS.hset },
  { name: 'HMSET', arity: -4, plan: 'one-key', keys: ONE, handler: hashes.hmset, flags: [...W, 'fast'], event: EVENTS.hset },
  { name: 'HGET', arity: 3, plan: 'one-key', keys: ONE, handler: hashes.hget, flags: R },
  { name: 'HMGET', arity: -3, plan: 'one-key', keys: ONE, handler: hashes.hmget, flags: R },
  { name: 'HGETALL', arity: 2, plan: 'one-key', keys: ONE, handler: hashes.hgetall, flags: ['readonly'] },
  { name: 'HDEL', arity: -3, plan: 'one-key', keys: ONE, handler: hashes.hdel, flags: ['write', 'fast'], event: EVENTS.hdel },
  { name: 'HEXISTS', arity: 3, plan: 'one-key', keys: ONE, handler: hashes.hexists, flags: R },
  { name: 'HLEN', arity: 2, plan: 'one-key', keys: ONE, handler: hashes.hlen, flags: R },
  { name: 'HKEYS', arity: 2, plan: 'one-key', keys: ONE, handler: hashes.hkeys, flags: ['readonly'] },
  { name: 'HVALS', arity: 2, plan: 'one-key', keys: ONE, handler: hashes.hvals, flags: ['readonly'] },
  { name: 'HSTRLEN', arity: 3, plan: 'one-key', keys: ONE, handler: hashes.hstrlen, flags: R },
  { name: 'HINCRBY', arity: 4, plan: 'one-key', keys: ONE, handler: hashes.hincrby, flags: [...W, 'fast'], event: EVENTS.hincrby },
  { name: 'HINCRBYFLOAT', arity: 4, plan: 'one-key', keys: ONE, handler: hashes.hincrbyfloat, flags: [...W, 'fast'], event: EVENTS.hincrbyfloat },
  { name: 'HRANDFIELD', arity: -2, plan: 'one-key', keys: ONE, handler: hashScan.hrandfield, flags: ['readonly'] },
  { name: 'HSCAN', arity: -3, plan: 'one-key', keys: ONE, handler: hashScan.hscan, flags: ['readonly'] },
  // lists (two-key forms run on the first key's shard; keys of two shards answer CROSSSLOT; their events: keyEvents)
  { name: 'LPUSH', arity: -3, plan: 'one-key', keys: ONE, handler: lists.lpush, flags: [...W, 'fast'], event: EVENTS.lpush },
  { name: 'RPUSH', arity: -3, plan: 'one-key', keys: ONE, handler: lists.rpush, flags: [...W, 'fast'], event: EVENTS.rpush },
  { name: 'LPUSHX', arity: -3, plan: 'one-key', keys: ONE, handler: lists.lpushx, flags: [...W, 'fast'], event: EVENTS.lpush },
  { name: 'RPUSHX', arity: -3, plan: 'one-key', keys: ONE, handler: lists.rpushx, flags: [...W, 'fast'], event: EVENTS.rpush },
  { name: 'LPOP', arity: -2, plan: 'one-key', keys: ONE, handler: lists.lpop, flags: ['write', 'fast'], event: EVENTS.lpop },
  { name: 'RPOP', arity: -2, plan: 'one-key', keys: ONE, handler: lists.rpop, flags: ['write', 'fast'], event: EVENTS.rpop },
  { name: 'LLEN', arity: 2, plan: 'one-key', keys: ONE, handler: lists.llen, flags: R },
  { name: 'LRANGE', arity: 4, plan: 'one-key', keys: ONE, handler: lists.lrange, flags: ['readonly'] },
  { name: 'LINDEX', arity: 3, plan: 'one-key', keys: ONE, handler: lists.lindex, flags: ['readonly'] },
  { name: 'LPOS', arity: -3, plan: 'one-key', keys: ONE, handler: lists.lpos, flags: ['readonly'] },
  { name: 'LSET', arity: 4, plan: 'one-key', keys: ONE, handler: listEdits.lset, flags: W, event: EVENTS.lset },
  { name: 'LINSERT', arity: 5, plan: 'one-key', keys: ONE, handler: listEdits.linsert, flags: W, event: EVENTS.linsert },
  { name: 'LREM', arity: 4, plan: 'one-key', keys: ONE, handler: listEdits.lrem, flags: ['write'], event: EVENTS.lrem },
  { name: 'LTRIM', arity: 4, plan: 'one-key', keys: ONE, handler: listEdits.ltrim, flags: ['write'], event: EVENTS.ltrim },
  { name: 'LMOVE', arity: 5, plan: 'one-key', keys: TWO, handler: listEdits.lmove, flags: W, keyEvents: KEY_EVENTS.lmove, gathers: true },
  { name: 'RPOPLPUSH', arity: 3, plan: 'one-key', keys: TWO, handler: listEdits.rpoplpush, flags: W, keyEvents: KEY_EVENTS.rpoplpush, gathers: true },
  { name: 'LMPOP', arity: -4, plan: 'one-key', keys: NONE, numkeys: true, handler: lists.lmpop, flags: ['write', 'movablekeys'], keyEvents: KEY_EVENTS.lmpop, gathers: true },
  // blocking lists (table-blocking.ts)
  ...BLOCKING_TABLE,
  // sets (multi-key forms run on the first key's shard; keys of several shards answer CROSSSLOT)
  { name: 'SADD', arity: -3, plan: 'one-key', keys: ONE, handler: sets.sadd, flags: [...W, 'fast'], event: EVENTS.sadd },
  { name: 'SREM', arity: -3, plan: 'one-key', keys: ONE, handler: sets.srem, flags: ['write', 'fast'], event: EVENTS.srem },
  { name: 'SMEMBERS', arity: 2, plan: 'one-key', keys: ONE, handler: sets.smembers, flags: ['readonly'] },
  { name: 'SISMEMBER', arity: 3, plan: 'one-key', keys: ONE, handler: sets.sismember, flags: R },
  { name: 'SMISMEMBER', arity: -3, plan: 'one-key', keys: ONE, handler: sets.smismember, flags: R },
  { name: 'SCARD', arity: 2, plan: 'one-key', keys: ONE, handler: sets.scard, flags: R },
  { name: 'SPOP', arity: -2, plan: 'one-key', keys: ONE, handler: sets.spop, flags: ['write', 'fast'], event: EVENTS.spop },
  { name: 'SRANDMEMBER', arity: -2, plan: 'one-key', keys: ONE, handler: sets.srandmember, flags: ['readonly'] },
  { name: 'SSCAN', arity: -3, plan: 'one-key', keys: ONE, handler: sets.sscan, flags: ['readonly'] },
  { name: 'SMOVE', arity: 4, plan: 'one-key', keys: TWO, handler: setMulti.smove, flags: ['write', 'fast'], keyEvents: KEY_EVENTS.smove, gathers: true },
  { name: 'SINTER', arity: -2, plan: 'one-key', keys: ALL, handler: setMulti.sinter, flags: ['readonly'], gathers: true },
  { name: 'SUNION', arity: -2, plan: 'one-key', keys: ALL, handler: setMulti.sunion, flags: ['readonly'], gathers: true },
  { name: 'SDIFF', arity: -2, plan: 'one-key', keys: ALL, handler: setMulti.sdiff, flags: ['readonly'], gathers: true },
  { name: 'SINTERSTORE', arity: -3, plan: 'one-key', keys: ALL, handler: setMulti.sinterstore, flags: W, keyEvents: KEY_EVENTS.sinterstore, reads: [2, -1], gathers: true },
  { name: 'SUNIONSTORE', arity: -3, plan: 'one-key', keys: ALL, handler: setMulti.sunionstore, flags: W, keyEvents: KEY_EVENTS.sunionstore, reads: [2, -1], gathers: true },
  { name: 'SDIFFSTORE', arity: -3, plan: 'one-key', keys: ALL, handler: setMulti.sdiffstore, flags: W, keyEvents: KEY_EVENTS.sdiffstore, reads: [2, -1], gathers: true },
  { name: 'SINTERCARD', arity: -3, plan: 'one-key', keys: NONE, numkeys: true, handler: setMulti.sintercard, flags: ['readonly', 'movablekeys'], gathers: true },
  ...ZSET_TABLE, // sorted sets and streams (table-zsets.ts, table-streams.ts)
  ...STREAM_TABLE,
  // keys
  { name: 'DEL', arity: -2, plan: 'each-key', keys: ALL, combine: 'sum', handler: keys.del, flags: ['write'], event: EVENTS.del },
  { name: 'UNLINK', arity: -2, plan: 'each-key', keys: ALL, combine: 'sum', handler: keys.del, flags: ['write', 'fast'], event: EVENTS.del },
  { name: 'EXISTS', arity: -2, plan: 'each-key', keys: ALL, combine: 'sum', handler: keys.exists, flags: R },
  { name: 'TOUCH', arity: -2, plan: 'each-key', keys: ALL, combine: 'sum', handler: keys.touch, flags: R },
  { name: 'TYPE', arity: 2, plan: 'one-key', keys: ONE, handler: keys.type, flags: R },
  { name: 'TTL', arity: 2, plan: 'one-key', keys: ONE, handler: keys.ttl, flags: R },
  { name: 'PTTL', arity: 2, plan: 'one-key', keys: ONE, handler: keys.pttl, flags: R },
  { name: 'PERSIST', arity: 2, plan: 'one-key', keys: ONE, handler: keys.persist, flags: ['write', 'fast'], event: EVENTS.ttl },
  { name: 'EXPIRE', arity: -3, plan: 'one-key', keys: ONE, handler: keys.expire, flags: ['write', 'fast'], event: EVENTS.ttl },
  { name: 'PEXPIRE', arity: -3, plan: 'one-key', keys: ONE, handler: keys.pexpire, flags: ['write', 'fast'], event: EVENTS.ttl },
  { name: 'EXPIREAT', arity: -3, plan: 'one-key', keys: ONE, handler: keys.expireat, flags: ['write', 'fast'], event: EVENTS.ttl },
  { name: 'PEXPIREAT', arity: -3, plan: 'one-key', keys: ONE, handler: keys.pexpireat, flags: ['write', 'fast'], event: EVENTS.ttl },
  ...KEY_TABLE, // RENAME, COPY ... (table-keys.ts)
  // the text protocol's PUT: SET without options
  { name: 'PUT', arity: 3, plan: 'one-key', keys: ONE, handler: strings.put, flags: W, textOnly: true, text: TextOp.PUT, event: EVENTS.set },
  // the key space
  { name: 'KEYS', arity: 2, plan: 'each-worker', keys: NONE, combine: 'concat', workerHandler: scan.keys, flags: ['readonly'] },
  { name: 'SCAN', arity: -2, plan: 'cursor', keys: NONE, workerHandler: scan.scan, flags: ['readonly'] },
  // several workers at once
  { name: 'MSET', arity: -3, plan: 'atomic', keys: PAIRS, flags: W, atomic: 'write' },
  { name: 'MSETNX', arity: -3, plan: 'atomic', keys: PAIRS, flags: W, atomic: 'write-new', rounds: true },
  { name: 'TXPREPARE', arity: -5, plan: 'internal', keys: NONE, workerHandler: txn.txprepare, flags: [] },
  { name: 'TXCOMMIT', arity: 2, plan: 'internal', keys: NONE, workerHandler: txn.txcommit, control: true, flags: [] },
  { name: 'TXABORT', arity: 2, plan: 'internal', keys: NONE, workerHandler: txn.txabort, control: true, flags: [] },
  // MULTI/EXEC and scripts over several workers: hold each (TXHOLD), run their commands through the hold (TXRUN txid opcode argv...), release (TXABORT: a hold has no writes of its own)
  { name: 'TXHOLD', arity: -3, plan: 'internal', keys: NONE, workerHandler: txn.txhold, flags: [] },
  { name: 'TXRUN', arity: -4, plan: 'internal', keys: NONE, bypass: true, flags: [] },
  { name: 'KEYVERSION', arity: 2, plan: 'internal', keys: NONE, handler: keys.version, flags: [] },
  // scripts (apps/router/src/coord/script.ts; the cache on every worker: ./scripting.ts)
  { name: 'EVAL', arity: -3, plan: 'script', keys: NONE, script: 'body', flags: ['noscript', 'stale', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'movablekeys'] },
  { name: 'EVALSHA', arity: -3, plan: 'script', keys: NONE, script: 'sha', flags: ['noscript', 'stale', 'skip_monitor', 'may_replicate', 'no_mandatory_keys', 'movablekeys'] },
  { name: 'EVAL_RO', arity: -3, plan: 'script', keys: NONE, script: 'body', flags: ['readonly', 'noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'] },
  { name: 'EVALSHA_RO', arity: -3, plan: 'script', keys: NONE, script: 'sha', flags: ['readonly', 'noscript', 'stale', 'skip_monitor', 'no_mandatory_keys', 'movablekeys'] },
  { name: 'SCRIPT', arity: -2, plan: 'connection', keys: NONE, flags: ['noscript'] },
  { name: 'SCRIPTSTORE', arity: -3, plan: 'internal', keys: NONE, workerHandler: scripting.scriptstore, flags: [] },
  { name: 'SCRIPTDUMP', arity: 1, plan: 'internal', keys: NONE, workerHandler: scripting.scriptdump, flags: [] },
  // a MULTI/EXEC or a script whose keys are all on one worker, sent there to run whole (apps/router/src/coord/here.ts)
  { name: 'EXECHERE', arity: -2, plan: 'internal', keys: NONE, workerHandler: scripting.execHere, flags: [] },
  { name: 'EVALHERE', arity: -4, plan: 'internal', keys: NONE, workerHandler: scripting.evalHere, flags: [] },
  { name: 'SCRIPTFLUSH', arity: 1, plan: 'internal', keys: NONE, workerHandler: scripting.scriptflush, flags: [] },
  // transactions (apps/router/src/client/multi.ts, coord/exec.ts)
  { name: 'MULTI', arity: 1, plan: 'connection', keys: NONE, unqueued: true, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] },
  { name: 'EXEC', arity: 1, plan: 'connection', keys: NONE, unqueued: true, runsQueue: true, flags: ['noscript', 'loading', 'stale', 'skip_slowlog'] },
  { name: 'DISCARD', arity: 1, plan: 'connection', keys: NONE, unqueued: true, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] },
  { name: 'WATCH', arity: -2, plan: 'connection', keys: ALL, unqueued: true, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] },
  { name: 'UNWATCH', arity: 1, plan: 'connection', keys: NONE, flags: ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] },
  // every worker
  { name: 'DBSIZE', arity: 1, plan: 'each-worker', keys: NONE, combine: 'sum', workerHandler: server.dbsize, flags: R },
  { name: 'FLUSHALL', arity: -1, plan: 'each-worker', keys: NONE, combine: 'ok', workerHandler: server.flushall, flags: ['write'] },
  { name: 'FLUSHDB', arity: -1, plan: 'each-worker', keys: NONE, combine: 'ok', workerHandler: server.flushall, flags: ['write'] },
  { name: 'INFO', arity: -1, plan: 'each-worker', keys: NONE, combine: 'info', workerHandler: info.info, flags: ['loading', 'stale'] },
  // answered by the router (apps/router/src/commands/)
  { name: 'PING', arity: -1, plan: 'connection', keys: NONE, flags: F, inScript: true, inSubscribed: true },
  { name: 'ECHO', arity: 2, plan: 'connection', keys: NONE, flags: F, inScript: true },
  { name: 'QUIT', arity: -1, plan: 'connection', keys: NONE, unqueued: true, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], inSubscribed: true },
  { name: 'SELECT', arity: 2, plan: 'connection', keys: NONE, flags: F },
  { name: 'HELLO', arity: -1, plan: 'connection', keys: NONE, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], redact: 'after-auth' },
  { name: 'CLIENT', arity: -2, plan: 'connection', keys: NONE, flags: [], monitor: ['ID', 'INFO', 'SETNAME', 'GETNAME', 'SETINFO', 'REPLY', 'TRACKING', 'CACHING', 'GETREDIR', 'TRACKINGINFO'] },
  { name: 'COMMAND', arity: -1, plan: 'connection', keys: NONE, flags: [] },
  // rounds: an EXEC sends what follows a CONFIG SET once the primary has made it
  { name: 'CONFIG', arity: -2, plan: 'connection', keys: NONE, flags: [], rounds: true, monitor: ['HELP'] },
  { name: 'TIME', arity: 1, plan: 'connection', keys: NONE, flags: F, inScript: true },
  { name: 'AUTH', arity: -2, plan: 'connection', keys: NONE, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], text: TextOp.AUTH, redact: 'args' },
  // a shard handed to another worker by a live resize
  { name: 'SHARDIMPORT', arity: -3, plan: 'internal', keys: NONE, workerHandler: handover.shardimport, flags: [] },
  // the text protocol's STATS, answered by the router (listed so that its calls are counted)
  { name: 'STATS', arity: 1, plan: 'connection', keys: NONE, flags: [], textOnly: true, text: TextOp.STATS },
  ...CLIENT_STEPS, // CLIENT LIST, KILL, UNBLOCK on each worker (clients.ts)
  // Pub/Sub (apps/router/src/pubsub/): subscriptions are a connection's, kept by its worker;
  // PUBLISH runs on every worker, each delivering to its own subscribers
  { name: 'SUBSCRIBE', arity: -2, plan: 'connection', keys: NONE, flags: PUBSUB_SUB, inSubscribed: true },
  { name: 'UNSUBSCRIBE', arity: -1, plan: 'connection', keys: NONE, flags: PUBSUB_SUB, inSubscribed: true },
  { name: 'PSUBSCRIBE', arity: -2, plan: 'connection', keys: NONE, flags: PUBSUB_SUB, inSubscribed: true },
  { name: 'PUNSUBSCRIBE', arity: -1, plan: 'connection', keys: NONE, flags: PUBSUB_SUB, inSubscribed: true },
  { name: 'SSUBSCRIBE', arity: -2, plan: 'connection', keys: ALL, flags: PUBSUB_SUB, inSubscribed: true },
  { name: 'SUNSUBSCRIBE', arity: -1, plan: 'connection', keys: ALL, flags: PUBSUB_SUB, inSubscribed: true },
  { name: 'PUBLISH', arity: 3, plan: 'each-worker', keys: NONE, combine: 'sum', workerHandler: pubsub.publish, flags: PUBSUB_PUB, holdFree: true },
  { name: 'SPUBLISH', arity: 3, plan: 'each-worker', keys: ONE, combine: 'sum', workerHandler: pubsub.spublish, flags: PUBSUB_PUB, holdFree: true },
  { name: 'PUBSUB', arity: -2, plan: 'connection', keys: NONE, flags: [] },
  // PUBSUB's step on each worker (apps/router/src/commands/pubsub.ts combines them)
  { name: 'PUBSUBSTEP', arity: -2, plan: 'internal', keys: NONE, workerHandler: pubsub.pubsubStep, flags: [] },
  { name: 'RESET', arity: 1, plan: 'connection', keys: NONE, unqueued: true, flags: ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], inSubscribed: true },
  // SHUTDOWN (apps/router/src/commands/shutdown.ts): the primary stops the server as on SIGTERM
  { name: 'SHUTDOWN', arity: -1, plan: 'connection', keys: NONE, flags: ['admin', 'noscript', 'loading', 'stale', 'no_multi', 'allow_busy'], monitor: 'hidden' },
  // LATENCY (apps/router/src/commands/latency.ts) and its step on every worker
  { name: 'LATENCY', arity: -2, plan: 'connection', keys: NONE, flags: [], monitor: ['HELP'] },
  { name: 'LATENCYSTEP', arity: -2, plan: 'internal', keys: NONE, workerHandler: server.latencyStep, flags: [] },
  // SLOWLOG (apps/router/src/commands/slowlog.ts) and its step on every worker
  { name: 'SLOWLOG', arity: -2, plan: 'connection', keys: NONE, flags: [], monitor: ['HELP'] },
  { name: 'SLOWLOGSTEP', arity: -2, plan: 'internal', keys: NONE, workerHandler: server.slowlogStep, flags: [] },
  // MEMORY (apps/router/src/commands/memory.ts): USAGE's step on the key's owner
  { name: 'MEMORY', arity: -2, plan: 'connection', keys: NONE, flags: [] },
  { name: 'MEMORYUSAGE', arity: 2, plan: 'internal', keys: NONE, handler: memory.memoryUsage, flags: [] },
  // CONFIG RESETSTAT's step on each worker (apps/router/src/commands/config.ts)
  { name: 'RESETSTAT', arity: 1, plan: 'internal', keys: NONE, combine: 'ok', workerHandler: server.resetstat, flags: [] },
  // MONITOR (apps/router/src/monitor/): every worker's commands streamed to the client
  { name: 'MONITOR', arity: 1, plan: 'connection', keys: NONE, flags: ['admin', 'noscript', 'loading', 'stale'], monitor: 'hidden' },
  // a handler that misbehaves on purpose, in test clusters only (KV_testFaults.TEST_FAULTS=1): last, so no other opcode moves
  ...(testFaults.TEST_FAULTS ? [{ name: 'TESTFAULT', arity: 3, plan: 'one-key', keys: ONE, handler: testFaults.testfault, flags: [] } satisfies Entry] : []),
];

export const COMMANDS: readonly CommandSpec[] = table.map(({ keys: [firstKey, lastKey, step], ...entry }, i) =>
  Object.freeze({
    ...entry,
    opcode: i + 1,
    firstKey,
    lastKey,
    step,
    noAuth: entry.flags.includes('no_auth'),
    writes: entry.flags.includes('write'),
    readOnly: entry.flags.includes('readonly'),
    noScript: entry.flags.includes('noscript'),
    noMulti: entry.flags.includes('no_multi'),
    fast: entry.flags.includes('fast'),
  }),
);

// command-stats (by opcode: STATS, INFO commandstats) and XRUN (gather-run.ts) cannot import this table, which imports them.
registerCommandTable(COMMANDS);
useCommandLookup(lookup);

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

const RESP_NAMES = new Map(COMMANDS.filter((spec) => !spec.textOnly && spec.plan !== 'internal').map((spec) => [spec.name, spec]));

/**
 * The RESP names by a hash of their upper-case bytes (FNV-1a, low 10 bits): a lookup reads
 * argv[0]'s bytes where they lie and makes no string (it runs for every command).
 */
const NAME_BUCKETS: CommandSpec[][] = Array.from({ length: 1024 }, () => []);
function nameHash(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    let c = buf[i];
    if (c >= 0x61 && c <= 0x7a) c -= 0x20;
    h = Math.imul(h ^ c, 0x01000193);
  }
  return h & 1023;
}
for (const spec of RESP_NAMES.values()) {
  const name = Buffer.from(spec.name, 'latin1');
  NAME_BUCKETS[nameHash(name, 0, name.length)].push(spec);
}

/** The RESP command named by argv[0], any letter case. */
export function lookup(args: Args): CommandSpec | undefined {
  const buf = args.buf;
  const start = args.starts[0];
  const len = args.ends[0] - start;
  if (len === 0 || len > 16) return undefined;
  const bucket = NAME_BUCKETS[nameHash(buf, start, start + len)];
  for (let b = 0; b < bucket.length; b++) {
    const name = bucket[b].name;
    if (name.length !== len) continue;
    let i = 0;
    for (; i < len; i++) {
      let c = buf[start + i];
      if (c >= 0x61 && c <= 0x7a) c -= 0x20;
      if (c !== name.charCodeAt(i)) break;
    }
    if (i === len) return bucket[b];
  }
  return undefined;
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
