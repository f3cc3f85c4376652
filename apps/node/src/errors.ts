import { errorTexts, replyErrors } from '@kv/wire';
import { MAX_WAITING, MAX_WAITING_BYTES } from './shards/line';

/**
 * Every error reply the data side gives: Redis's exact text where Redis has the error, with a
 * code of ours, and how redis-server is made to give it (test/reply-errors.test.ts checks each
 * probe against redis-server and this server). Imports nothing from the package but the line's
 * bounds, so every module may use it.
 */
export const NODE_ERRORS = replyErrors({
  syntax: { code: 'SYNTAX', text: 'ERR syntax error', probe: { command: ['SET', 'k', 'v', 'NX', 'XX'] } },
  notInteger: { code: 'NOT_INTEGER', text: 'ERR value is not an integer or out of range', probe: { command: ['INCRBY', 'k', 'x'] } },
  notFloat: { code: 'NOT_FLOAT', text: 'ERR value is not a valid float', probe: { command: ['INCRBYFLOAT', 'k', 'x'] } },
  overflow: { code: 'OVERFLOW', text: 'ERR increment or decrement would overflow', probe: { before: [['SET', 'k', '9223372036854775807']], command: ['INCR', 'k'] } },
  decrementOverflow: { code: 'DECREMENT_OVERFLOW', text: 'ERR decrement would overflow', probe: { before: [['SET', 'k', '1']], command: ['DECRBY', 'k', '-9223372036854775808'] } },
  nanOrInfinity: { code: 'NAN_OR_INFINITY', text: 'ERR increment would produce NaN or Infinity', probe: { before: [['SET', 'k', '1']], command: ['INCRBYFLOAT', 'k', 'inf'] } },
  valueNanOrInfinity: { code: 'VALUE_NAN_OR_INFINITY', text: 'ERR value is NaN or Infinity', probe: { before: [['HSET', 'h', 'f', '1']], command: ['HINCRBYFLOAT', 'h', 'f', 'inf'] } },
  hashNotInteger: { code: 'HASH_NOT_INTEGER', text: 'ERR hash value is not an integer', probe: { before: [['HSET', 'h', 'f', 'x']], command: ['HINCRBY', 'h', 'f', '1'] } },
  hashNotFloat: { code: 'HASH_NOT_FLOAT', text: 'ERR hash value is not a float', probe: { before: [['HSET', 'h', 'f', 'x']], command: ['HINCRBYFLOAT', 'h', 'f', '1'] } },
  oom: { code: 'OOM', text: "OOM command not allowed when used memory > 'maxmemory'.", why: 'needs a full maxmemory: e2e-memory and e2e-mset-oom make it here' },
  invalidExpire: { code: 'INVALID_EXPIRE', text: (command: string) => `ERR invalid expire time in '${command}' command`, probe: { command: ['SET', 'k', 'v', 'EX', '0'], args: ['set'] } },
  wrongType: { code: 'WRONGTYPE', text: 'WRONGTYPE Operation against a key holding the wrong kind of value', probe: { before: [['SET', 'k', 'v']], command: ['HGET', 'k', 'f'] } },
  arity: { code: 'ARITY', text: (command: string) => `ERR wrong number of arguments for '${command.toLowerCase()}' command`, probe: { command: ['HSET', 'h', 'f'], args: ['hset'] } },
  outOfRangeBetween: {
    code: 'OUT_OF_RANGE_BETWEEN',
    text: 'ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807',
    probe: { before: [['HSET', 'h', 'f', '1']], command: ['HRANDFIELD', 'h', '-9223372036854775808'] },
  },
  outOfRange: { code: 'OUT_OF_RANGE', text: 'ERR value is out of range', probe: { before: [['HSET', 'h', 'f', '1']], command: ['HRANDFIELD', 'h', '-9223372036854775807', 'WITHVALUES'] } },
  invalidCursor: { code: 'INVALID_CURSOR', text: 'ERR invalid cursor', probe: { command: ['SCAN', 'abc'] } },
  unsupportedOption: { code: 'UNSUPPORTED_OPTION', text: (option: string) => `ERR Unsupported option ${option}`, probe: { command: ['EXPIRE', 'k', '10', 'foo'], args: ['foo'] } },
  nxWithOthers: { code: 'NX_WITH_OTHERS', text: 'ERR NX and XX, GT or LT options at the same time are not compatible', probe: { command: ['EXPIRE', 'k', '10', 'NX', 'XX'] } },
  gtWithLt: { code: 'GT_WITH_LT', text: 'ERR GT and LT options at the same time are not compatible', probe: { command: ['EXPIRE', 'k', '10', 'GT', 'LT'] } },
  stringTooLong: { code: 'STRING_TOO_LONG', text: 'ERR string exceeds maximum allowed size (proto-max-bulk-len)', why: 'needs a 512 MB value' },
  mustBePositive: { code: 'MUST_BE_POSITIVE', text: 'ERR value is out of range, must be positive', probe: { command: ['LPOP', 'l', '-1'] } },
  indexOutOfRange: { code: 'INDEX_OUT_OF_RANGE', text: 'ERR index out of range', probe: { before: [['RPUSH', 'l', 'a']], command: ['LSET', 'l', '5', 'b'] } },
  noSuchKey: { code: 'NO_SUCH_KEY', text: 'ERR no such key', probe: { command: ['LSET', 'l', '0', 'b'] } },
  rankZero: {
    code: 'RANK_ZERO',
    text: "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
    probe: { command: ['LPOS', 'l', 'a', 'RANK', '0'] },
  },
  countNegative: { code: 'COUNT_NEGATIVE', text: "ERR COUNT can't be negative", probe: { command: ['LPOS', 'l', 'a', 'COUNT', '-1'] } },
  maxlenNegative: { code: 'MAXLEN_NEGATIVE', text: "ERR MAXLEN can't be negative", probe: { command: ['LPOS', 'l', 'a', 'MAXLEN', '-1'] } },
  timeoutNotFloat: { code: 'TIMEOUT_NOT_FLOAT', text: 'ERR timeout is not a float or out of range', probe: { command: ['BLPOP', 'l', 'x'] } },
  timeoutNegative: { code: 'TIMEOUT_NEGATIVE', text: 'ERR timeout is negative', probe: { command: ['BLPOP', 'l', '-1'] } },
  numkeysPositive: { code: 'NUMKEYS_POSITIVE', text: 'ERR numkeys should be greater than 0', probe: { command: ['LMPOP', '0', 'l', 'LEFT'] } },
  countPositive: { code: 'COUNT_POSITIVE', text: 'ERR count should be greater than 0', probe: { command: ['LMPOP', '1', 'l', 'LEFT', 'COUNT', '0'] } },
  numkeysPastArgs: { code: 'NUMKEYS_PAST_ARGS', text: "ERR Number of keys can't be greater than number of args", probe: { command: ['SINTERCARD', '3', 'a', 'b'] } },
  limitNegative: { code: 'LIMIT_NEGATIVE', text: "ERR LIMIT can't be negative", probe: { command: ['SINTERCARD', '1', 'a', 'LIMIT', '-1'] } },
  zaddNxXx: { code: 'ZADD_NX_XX', text: 'ERR XX and NX options at the same time are not compatible', probe: { command: ['ZADD', 'z', 'NX', 'XX', '1', 'a'] } },
  zaddGtLtNx: { code: 'ZADD_GT_LT_NX', text: 'ERR GT, LT, and/or NX options at the same time are not compatible', probe: { command: ['ZADD', 'z', 'GT', 'LT', '1', 'a'] } },
  zaddIncrPair: { code: 'ZADD_INCR_PAIR', text: 'ERR INCR option supports a single increment-element pair', probe: { command: ['ZADD', 'z', 'INCR', '1', 'a', '2', 'b'] } },
  zaddNan: { code: 'ZADD_NAN', text: 'ERR resulting score is not a number (NaN)', probe: { before: [['ZADD', 'z', 'inf', 'a']], command: ['ZINCRBY', 'z', '-inf', 'a'] } },
  zrangeNotFloat: { code: 'ZRANGE_NOT_FLOAT', text: 'ERR min or max is not a float', probe: { command: ['ZRANGEBYSCORE', 'z', 'x', '1'] } },
  zrangeNotLex: { code: 'ZRANGE_NOT_LEX', text: 'ERR min or max not valid string range item', probe: { command: ['ZRANGEBYLEX', 'z', 'x', '+'] } },
  zrangeLimitRank: {
    code: 'ZRANGE_LIMIT_RANK',
    text: 'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    probe: { command: ['ZRANGE', 'z', '0', '1', 'LIMIT', '0', '1'] },
  },
  zrangeLexScores: { code: 'ZRANGE_LEX_SCORES', text: 'ERR syntax error, WITHSCORES not supported in combination with BYLEX', probe: { command: ['ZRANGE', 'z', '-', '+', 'BYLEX', 'WITHSCORES'] } },
  atLeastOneKey: {
    code: 'AT_LEAST_ONE_KEY',
    text: (command: string) => `ERR at least 1 input key is needed for '${command}' command`,
    probe: { command: ['ZUNIONSTORE', 'd', '0', 'a'], args: ['zunionstore'] },
  },
  weightNotFloat: { code: 'WEIGHT_NOT_FLOAT', text: 'ERR weight value is not a float', probe: { command: ['ZUNION', '1', 'a', 'WEIGHTS', 'x'] } },
  outOfIntRange: { code: 'OUT_OF_INT_RANGE', text: 'ERR value is out of range, value must between -2147483648 and 2147483647', probe: { command: ['COPY', '{k}a', '{k}b', 'DB', '99999999999'] } },
  lfuNotSelected: {
    code: 'LFU_NOT_SELECTED',
    text: 'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
    probe: { before: [['SET', 'k', 'v']], command: ['OBJECT', 'FREQ', 'k'] },
  },
  offsetOutOfRange: { code: 'OFFSET_OUT_OF_RANGE', text: 'ERR offset is out of range', probe: { command: ['SETRANGE', 'k', '-1', 'x'] } },
  bitOffset: { code: 'BIT_OFFSET', text: 'ERR bit offset is not an integer or out of range', probe: { command: ['SETBIT', 'k', '4294967296', '1'] } },
  bitValue: { code: 'BIT_VALUE', text: 'ERR bit is not an integer or out of range', probe: { command: ['SETBIT', 'k', '0', '2'] } },
  bitfieldOverflow: { code: 'BITFIELD_OVERFLOW', text: 'ERR Invalid OVERFLOW type specified', probe: { command: ['BITFIELD', 'k', 'OVERFLOW', 'up'] } },
  bitfieldType: {
    code: 'BITFIELD_TYPE',
    text: 'ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.',
    probe: { command: ['BITFIELD', 'k', 'GET', 'u64', '0'] },
  },
  bitfieldReadOnly: { code: 'BITFIELD_READ_ONLY', text: 'ERR BITFIELD_RO only supports the GET subcommand', probe: { command: ['BITFIELD_RO', 'k', 'SET', 'u8', '0', '1'] } },
  bitArgument: { code: 'BIT_ARGUMENT', text: 'ERR The bit argument must be 1 or 0.', probe: { command: ['BITPOS', 'k', '2'] } },
  bitopNot: { code: 'BITOP_NOT', text: 'ERR BITOP NOT must be called with a single source key.', probe: { command: ['BITOP', 'NOT', '{k}d', '{k}a', '{k}b'] } },
  lcsNotStrings: { code: 'LCS_NOT_STRINGS', text: 'ERR The specified keys must contain string values', probe: { before: [['HSET', '{k}a', 'f', 'v']], command: ['LCS', '{k}a', '{k}b'] } },
  lcsIdxAndLen: { code: 'LCS_IDX_AND_LEN', text: 'ERR If you want both the length and indexes, please just use IDX.', probe: { command: ['LCS', '{k}a', '{k}b', 'IDX', 'LEN'] } },
  lcsTooBig: { code: 'LCS_TOO_BIG', text: 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len', why: 'needs two strings of 12 KB: e2e-strings makes it here and on redis-server' },
  sameObject: { code: 'SAME_OBJECT', text: 'ERR source and destination objects are the same', probe: { command: ['COPY', 'k', 'k'] } },
  // One database, as SELECT says (the probe's redis-server has 16: 99 is past them).
  dbOutOfRange: { code: 'COPY_DB_OUT_OF_RANGE', text: 'ERR DB index is out of range', probe: { command: ['COPY', '{k}a', '{k}b', 'DB', '99'] } },
  // Redis Cluster's code for keys of several slots; here the unit is a shard (1024 slots): keys sharing a hash tag always share one.
  crossShard: {
    code: 'CROSSSLOT',
    text: "CROSSSLOT Keys in request don't hash to the same shard: give them a common hash tag, as {queue}:a and {queue}:b",
    why: 'redis-server without cluster mode never gives it: e2e-streams makes it here (XREAD BLOCK over several workers)',
  },
  // This server's own: the data side refusing what its router should never send, or a fault contained.
  notOwned: { code: 'NOT_OWNED', text: 'ERR key is not owned by this worker' },
  cursorNotOwned: { code: 'CURSOR_NOT_OWNED', text: 'ERR the shard of this cursor is not owned by this worker' },
  coordinatorGone: { code: 'COORDINATOR_GONE', text: 'ERR transaction coordinator is gone' },
  notHeld: { code: 'NOT_HELD', text: 'ERR the transaction no longer holds this worker' },
  unknownInternal: { code: 'UNKNOWN_INTERNAL', text: 'ERR unknown command' },
  noReply: { code: 'NO_REPLY', text: 'ERR internal error: the command gave no reply' },
  threw: { code: 'THREW', text: (message: string) => `ERR ${message}` },
  cannotRunWhole: { code: 'CANNOT_RUN_WHOLE', text: 'ERR this worker cannot run a transaction sent to it' },
  wholeNeedsProtocol: { code: 'WHOLE_NEEDS_PROTOCOL', text: 'ERR a whole transaction needs a client protocol' },
  lineFull: {
    code: 'LINE_FULL',
    text: `ERR too many commands are waiting for a transaction on the worker owning this key (at most ${MAX_WAITING} commands and ${MAX_WAITING_BYTES / 1048576} MB of arguments): try again`,
  },
  noScriptEngine: { code: 'NO_SCRIPT_ENGINE', text: 'ERR no script engine on this worker' },
  badShard: { code: 'BAD_SHARD', text: 'ERR bad shard' },
  mapVersion: { code: 'MAP_VERSION', text: (given: string, mine: number) => `ERR shard map version ${given} is not this worker's (${mine})` },
  notHandedHere: { code: 'NOT_HANDED_HERE', text: 'ERR shard is not being handed over to this worker' },
  badImportHash: { code: 'BAD_IMPORT_HASH', text: 'ERR bad hash in a shard import' },
  badImportEntry: { code: 'BAD_IMPORT_ENTRY', text: 'ERR bad entry in a shard import' },
  importDidNotFit: { code: 'IMPORT_DID_NOT_FIT', text: (refused: number) => `ERR ${refused} entries did not fit` },
  unknownTestFault: { code: 'UNKNOWN_TEST_FAULT', text: 'ERR unknown test fault' },
  noRouter: { code: 'NO_ROUTER', text: 'ERR this worker has no router to answer it' },
  // Streams (commands/streams.ts, stream-args.ts, stream-read.ts, stream-info.ts).
  streamInvalidId: { code: 'STREAM_INVALID_ID', text: 'ERR Invalid stream ID specified as stream command argument', probe: { command: ['XADD', 's', 'abc', 'f', 'v'] } },
  xaddZeroId: { code: 'XADD_ZERO_ID', text: 'ERR The ID specified in XADD must be greater than 0-0', probe: { command: ['XADD', 's', '0-0', 'f', 'v'] } },
  xaddIdTooSmall: {
    code: 'XADD_ID_TOO_SMALL',
    text: 'ERR The ID specified in XADD is equal or smaller than the target stream top item',
    probe: { before: [['XADD', 's', '5-0', 'f', 'v']], command: ['XADD', 's', '4-0', 'f', 'v'] },
  },
  xaddExhausted: {
    code: 'XADD_EXHAUSTED',
    text: 'ERR The stream has exhausted the last possible ID, unable to add more items',
    probe: { before: [['XADD', 's', '18446744073709551615-18446744073709551615', 'f', 'v']], command: ['XADD', 's', '*', 'f', 'v'] },
  },
  maxlenMinidTogether: {
    code: 'MAXLEN_MINID_TOGETHER',
    text: 'ERR syntax error, MAXLEN and MINID options at the same time are not compatible',
    probe: { command: ['XADD', 's', 'MAXLEN', '1', 'MINID', '1', '*', 'f', 'v'] },
  },
  maxlenArgNegative: { code: 'MAXLEN_ARG_NEGATIVE', text: 'ERR The MAXLEN argument must be >= 0.', probe: { command: ['XADD', 's', 'MAXLEN', '-1', '*', 'f', 'v'] } },
  limitArgNegative: { code: 'LIMIT_ARG_NEGATIVE', text: 'ERR The LIMIT argument must be >= 0.', probe: { command: ['XADD', 's', 'MAXLEN', '~', '1', 'LIMIT', '-1', '*', 'f', 'v'] } },
  limitWithoutStrategy: {
    code: 'LIMIT_WITHOUT_STRATEGY',
    text: 'ERR syntax error, LIMIT cannot be used without specifying a trimming strategy',
    probe: { command: ['XADD', 's', 'LIMIT', '1', '*', 'f', 'v'] },
  },
  xtrimWithoutStrategy: { code: 'XTRIM_WITHOUT_STRATEGY', text: 'ERR syntax error, XTRIM must be called with a trimming strategy', probe: { command: ['XTRIM', 's', 'LIMIT', '0'] } },
  limitWithoutApprox: {
    code: 'LIMIT_WITHOUT_APPROX',
    text: 'ERR syntax error, LIMIT cannot be used without the special ~ option',
    probe: { command: ['XADD', 's', 'MAXLEN', '1', 'LIMIT', '1', '*', 'f', 'v'] },
  },
  rangeStartInvalid: { code: 'RANGE_START_INVALID', text: 'ERR invalid start ID for the interval', probe: { command: ['XRANGE', 's', '(18446744073709551615-18446744073709551615', '+'] } },
  rangeEndInvalid: { code: 'RANGE_END_INVALID', text: 'ERR invalid end ID for the interval', probe: { command: ['XRANGE', 's', '-', '(0-0'] } },
  xreadUnbalanced: {
    code: 'XREAD_UNBALANCED',
    text: "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.",
    probe: { command: ['XREAD', 'STREAMS', 'a', 'b', 'c'] },
  },
  xreadGroupOption: {
    code: 'XREAD_GROUP_OPTION',
    text: 'ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.',
    probe: { command: ['XREAD', 'GROUP', 'g', 'c', 'STREAMS', 's', '0'] },
  },
  xreadNoack: { code: 'XREAD_NOACK', text: 'ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.', probe: { command: ['XREAD', 'NOACK', 'STREAMS', 's', '0'] } },
  xreadGtId: {
    code: 'XREAD_GT_ID',
    text: 'ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.',
    probe: { command: ['XREAD', 'STREAMS', 's', '>'] },
  },
  timeoutNotInteger: { code: 'TIMEOUT_NOT_INTEGER', text: 'ERR timeout is not an integer or out of range', probe: { command: ['XREAD', 'BLOCK', 'x', 'STREAMS', 's', '0'] } },
  unknownSubcommand: {
    code: 'XINFO_UNKNOWN_SUBCOMMAND',
    text: (given: string, container: string) => `ERR unknown subcommand '${given.slice(0, 128)}'. Try ${container} HELP.`,
    probe: { command: ['XINFO', 'foo', 's'], args: ['foo', 'XINFO'] },
  },
  subcommandSyntax: {
    code: 'XINFO_SUBCOMMAND_SYNTAX',
    text: (given: string, container: string) => `ERR unknown subcommand or wrong number of arguments for '${given.slice(0, 128)}'. Try ${container} HELP.`,
    probe: { before: [['XADD', 's', '1-1', 'f', 'v']], command: ['XINFO', 'stream', 's', 'foo'], args: ['stream', 'XINFO'] },
  },
  // XSETID (Redis 7.0's forms; commands/streams.ts).
  xsetidEntriesNegative: { code: 'XSETID_ENTRIES_NEGATIVE', text: 'ERR entries_added must be positive', probe: { command: ['XSETID', 's', '1-1', 'ENTRIESADDED', '-1'] } },
  xsetidBelowMaxDeleted: {
    code: 'XSETID_BELOW_MAX_DELETED',
    text: 'ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id',
    probe: { command: ['XSETID', 's', '1-1', 'MAXDELETEDID', '2-0'] },
  },
  xsetidBelowTop: {
    code: 'XSETID_BELOW_TOP',
    text: 'ERR The ID specified in XSETID is smaller than the target stream top item',
    probe: { before: [['XADD', 's', '5-0', 'f', 'v']], command: ['XSETID', 's', '4-0'] },
  },
  xsetidEntriesBelowLength: {
    code: 'XSETID_ENTRIES_BELOW_LENGTH',
    text: 'ERR The entries_added specified in XSETID is smaller than the target stream length',
    probe: { before: [['XADD', 's', '5-0', 'f', 'v'], ['XADD', 's', '6-0', 'f', 'v']], command: ['XSETID', 's', '7-0', 'ENTRIESADDED', '1'] },
  },
  // SORT (commands/sort.ts): a weight that is no double; BY or GET patterns whose keys may be on another shard, in Redis 7.4 Cluster's words (7.0's cluster refused every BY pattern and GET)
  sortNotDouble: { code: 'SORT_NOT_DOUBLE', text: "ERR One or more scores can't be converted into double", probe: { before: [['RPUSH', 'l', 'a']], command: ['SORT', 'l'] } },
  sortByAcross: {
    code: 'SORT_BY_ACROSS',
    text: 'ERR BY option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.',
    why: 'redis-server without cluster mode never gives it: e2e-sort makes it here',
  },
  sortGetAcross: {
    code: 'SORT_GET_ACROSS',
    text: 'ERR GET option of SORT denied in Cluster mode when keys formed by the pattern may be in different slots.',
    why: 'redis-server without cluster mode never gives it: e2e-sort makes it here',
  },
  // This server keeps no consumer groups (README, "Streams"): every command of theirs answers this.
  noConsumerGroups: {
    code: 'NO_CONSUMER_GROUPS',
    text: 'ERR consumer groups are not supported by this server (XGROUP, XREADGROUP, XACK, XCLAIM, XAUTOCLAIM, XPENDING, XINFO GROUPS and CONSUMERS)',
    why: "this server's own: redis-server has consumer groups; e2e-streams makes it here",
  },
});

/** The texts, by name, as the handlers answer them. */
export const ERR = errorTexts(NODE_ERRORS);
