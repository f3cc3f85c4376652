import { LIST_AND_SET_DOCS, type DocEntry } from './docs-collections';
import { ZSET_DOCS } from './docs-zsets';
import { STREAM_DOCS } from './docs-streams';
import { KEY_DOCS } from './docs-keys';

/**
 * What COMMAND DOCS reports, in Redis 7's terms: summary, since, group and the argument tree that
 * redis-cli (7.2 and later) turns into help text and typing hints. Arguments are written in a
 * compact form, parsed once: `type:name[@TOKEN][{flag,...}][(sub-arguments)]`, space-separated,
 * where type is key, string, integer, double, pattern, unix-time, pure-token, oneof or block and
 * the flags are optional, multiple and multiple_token. The texts are Redis 7.0's.
 */

export type DocArgType = 'key' | 'string' | 'integer' | 'double' | 'pattern' | 'unix-time' | 'pure-token' | 'oneof' | 'block';

export interface DocArg {
  readonly name: string;
  readonly type: DocArgType;
  readonly token?: string;
  readonly flags: readonly string[];
  readonly args: readonly DocArg[];
}

export interface CommandDoc {
  readonly summary: string;
  readonly since: string;
  readonly group: string;
  readonly args: readonly DocArg[];
  /** Container commands (CLIENT, CONFIG ...): subcommand name as Redis spells it (`client|id`) to its docs. */
  readonly subcommands: readonly [string, CommandDoc][];
}

const TYPES = new Set<string>(['key', 'string', 'integer', 'double', 'pattern', 'unix-time', 'pure-token', 'oneof', 'block']);

type Entry = DocEntry;

const EXPIRY_CONDITION = 'oneof:condition{optional}(pure-token:nx@NX pure-token:xx@XX pure-token:gt@GT pure-token:lt@LT)';
const FIELD_VALUES = 'key:key block:field_value{multiple}(string:field string:value)';
const FLUSH_MODE = 'oneof:async{optional}(pure-token:async@ASYNC pure-token:sync@SYNC)';

const ENTRIES: Record<string, Entry> = {
  GET: ['Get the value of a key', '1.0.0', 'string', 'key:key'],
  SET: [
    'Set the string value of a key',
    '1.0.0',
    'string',
    'key:key string:value oneof:condition{optional}(pure-token:nx@NX pure-token:xx@XX) pure-token:get@GET{optional} ' +
      'oneof:expiration{optional}(integer:seconds@EX integer:milliseconds@PX unix-time:unix-time-seconds@EXAT ' +
      'unix-time:unix-time-milliseconds@PXAT pure-token:keepttl@KEEPTTL)',
  ],
  SETNX: ['Set the value of a key, only if the key does not exist', '1.0.0', 'string', 'key:key string:value'],
  SETEX: ['Set the value and expiration of a key', '2.0.0', 'string', 'key:key integer:seconds string:value'],
  PSETEX: ['Set the value and expiration in milliseconds of a key', '2.6.0', 'string', 'key:key integer:milliseconds string:value'],
  GETSET: ['Set the string value of a key and return its old value', '1.0.0', 'string', 'key:key string:value'],
  GETDEL: ['Get the value of a key and delete the key', '6.2.0', 'string', 'key:key'],
  GETEX: [
    'Get the value of a key and optionally set its expiration',
    '6.2.0',
    'string',
    'key:key oneof:expiration{optional}(integer:seconds@EX integer:milliseconds@PX unix-time:unix-time-seconds@EXAT ' +
      'unix-time:unix-time-milliseconds@PXAT pure-token:persist@PERSIST)',
  ],
  APPEND: ['Append a value to a key', '2.0.0', 'string', 'key:key string:value'],
  STRLEN: ['Get the length of the value stored in a key', '2.2.0', 'string', 'key:key'],
  INCR: ['Increment the integer value of a key by one', '1.0.0', 'string', 'key:key'],
  DECR: ['Decrement the integer value of a key by one', '1.0.0', 'string', 'key:key'],
  INCRBY: ['Increment the integer value of a key by the given amount', '1.0.0', 'string', 'key:key integer:increment'],
  DECRBY: ['Decrement the integer value of a key by the given number', '1.0.0', 'string', 'key:key integer:decrement'],
  INCRBYFLOAT: ['Increment the float value of a key by the given amount', '2.6.0', 'string', 'key:key double:increment'],
  MGET: ['Get the values of all the given keys', '1.0.0', 'string', 'key:key{multiple}'],
  MSET: ['Set multiple keys to multiple values', '1.0.1', 'string', 'block:key_value{multiple}(key:key string:value)'],
  MSETNX: ['Set multiple keys to multiple values, only if none of the keys exist', '1.0.1', 'string', 'block:key_value{multiple}(key:key string:value)'],
  HSET: ['Set the string value of a hash field', '2.0.0', 'hash', FIELD_VALUES],
  HSETNX: ['Set the value of a hash field, only if the field does not exist', '2.0.0', 'hash', 'key:key string:field string:value'],
  HMSET: ['Set multiple hash fields to multiple values', '2.0.0', 'hash', FIELD_VALUES],
  HGET: ['Get the value of a hash field', '2.0.0', 'hash', 'key:key string:field'],
  HMGET: ['Get the values of all the given hash fields', '2.0.0', 'hash', 'key:key string:field{multiple}'],
  HGETALL: ['Get all the fields and values in a hash', '2.0.0', 'hash', 'key:key'],
  HDEL: ['Delete one or more hash fields', '2.0.0', 'hash', 'key:key string:field{multiple}'],
  HEXISTS: ['Determine if a hash field exists', '2.0.0', 'hash', 'key:key string:field'],
  HLEN: ['Get the number of fields in a hash', '2.0.0', 'hash', 'key:key'],
  HKEYS: ['Get all the fields in a hash', '2.0.0', 'hash', 'key:key'],
  HVALS: ['Get all the values in a hash', '2.0.0', 'hash', 'key:key'],
  HSTRLEN: ['Get the length of the value of a hash field', '3.2.0', 'hash', 'key:key string:field'],
  HINCRBY: ['Increment the integer value of a hash field by the given number', '2.0.0', 'hash', 'key:key string:field integer:increment'],
  HINCRBYFLOAT: ['Increment the float value of a hash field by the given amount', '2.6.0', 'hash', 'key:key string:field double:increment'],
  HRANDFIELD: [
    'Get one or multiple random fields from a hash',
    '6.2.0',
    'hash',
    'key:key block:options{optional}(integer:count pure-token:withvalues@WITHVALUES{optional})',
  ],
  HSCAN: [
    'Incrementally iterate hash fields and associated values',
    '2.8.0',
    'hash',
    'key:key integer:cursor pattern:pattern@MATCH{optional} integer:count@COUNT{optional}',
  ],
  ...LIST_AND_SET_DOCS,
  DEL: ['Delete a key', '1.0.0', 'generic', 'key:key{multiple}'],
  UNLINK: ['Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.', '4.0.0', 'generic', 'key:key{multiple}'],
  EXISTS: ['Determine if a key exists', '1.0.0', 'generic', 'key:key{multiple}'],
  TOUCH: ['Alters the last access time of a key(s). Returns the number of existing keys specified.', '3.2.1', 'generic', 'key:key{multiple}'],
  TYPE: ['Determine the type stored at key', '1.0.0', 'generic', 'key:key'],
  TTL: ['Get the time to live for a key in seconds', '1.0.0', 'generic', 'key:key'],
  PTTL: ['Get the time to live for a key in milliseconds', '2.6.0', 'generic', 'key:key'],
  PERSIST: ['Remove the expiration from a key', '2.2.0', 'generic', 'key:key'],
  EXPIRE: ["Set a key's time to live in seconds", '1.0.0', 'generic', `key:key integer:seconds ${EXPIRY_CONDITION}`],
  PEXPIRE: ["Set a key's time to live in milliseconds", '2.6.0', 'generic', `key:key integer:milliseconds ${EXPIRY_CONDITION}`],
  EXPIREAT: ['Set the expiration for a key as a UNIX timestamp', '1.2.0', 'generic', `key:key unix-time:unix-time-seconds ${EXPIRY_CONDITION}`],
  PEXPIREAT: [
    'Set the expiration for a key as a UNIX timestamp specified in milliseconds',
    '2.6.0',
    'generic',
    `key:key unix-time:unix-time-milliseconds ${EXPIRY_CONDITION}`,
  ],
  KEYS: ['Find all keys matching the given pattern', '1.0.0', 'generic', 'pattern:pattern'],
  SCAN: [
    'Incrementally iterate the keys space',
    '2.8.0',
    'generic',
    'integer:cursor pattern:pattern@MATCH{optional} integer:count@COUNT{optional} string:type@TYPE{optional}',
  ],
  DBSIZE: ['Return the number of keys in the selected database', '1.0.0', 'server'],
  FLUSHALL: ['Remove all keys from all databases', '1.0.0', 'server', FLUSH_MODE],
  FLUSHDB: ['Remove all keys from the current database', '1.0.0', 'server', FLUSH_MODE],
  INFO: ['Get information and statistics about the server', '1.0.0', 'server', 'string:section{optional,multiple}'],
  MULTI: ['Mark the start of a transaction block', '1.2.0', 'transactions'],
  EXEC: ['Execute all commands issued after MULTI', '1.2.0', 'transactions'],
  DISCARD: ['Discard all commands issued after MULTI', '2.0.0', 'transactions'],
  WATCH: ['Watch the given keys to determine execution of the MULTI/EXEC block', '2.2.0', 'transactions', 'key:key{multiple}'],
  UNWATCH: ['Forget about all watched keys', '2.2.0', 'transactions'],
  EVAL: ['Execute a Lua script server side', '2.6.0', 'scripting', 'string:script integer:numkeys key:key{optional,multiple} string:arg{optional,multiple}'],
  EVALSHA: ['Execute a Lua script server side', '2.6.0', 'scripting', 'string:sha1 integer:numkeys key:key{optional,multiple} string:arg{optional,multiple}'],
  EVAL_RO: ['Execute a read-only Lua script server side', '7.0.0', 'scripting', 'string:script integer:numkeys key:key{optional,multiple} string:arg{optional,multiple}'],
  EVALSHA_RO: ['Execute a read-only Lua script server side', '7.0.0', 'scripting', 'string:sha1 integer:numkeys key:key{optional,multiple} string:arg{optional,multiple}'],
  SCRIPT: ['A container for Lua scripts management commands', '2.6.0', 'scripting', '', {
    'script|exists': ['Check existence of scripts in the script cache.', '2.6.0', 'scripting', 'string:sha1{multiple}'],
    'script|flush': ['Remove all the scripts from the script cache.', '2.6.0', 'scripting', FLUSH_MODE],
    'script|kill': ['Kill the script currently in execution.', '2.6.0', 'scripting'],
    'script|load': ['Load the specified Lua script into the script cache.', '2.6.0', 'scripting', 'string:script'],
    'script|help': ['Show helpful text about the different subcommands', '5.0.0', 'scripting'],
  }],
  PING: ['Ping the server', '1.0.0', 'connection', 'string:message{optional}'],
  ECHO: ['Echo the given string', '1.0.0', 'connection', 'string:message'],
  QUIT: ['Close the connection', '1.0.0', 'connection'],
  SELECT: ['Change the selected database for the current connection', '1.0.0', 'connection', 'integer:index'],
  AUTH: ['Authenticate to the server', '1.0.0', 'connection', 'string:username{optional} string:password'],
  HELLO: [
    'Handshake with Redis',
    '6.0.0',
    'connection',
    'block:arguments{optional}(integer:protover block:username_password@AUTH{optional}(string:username string:password) ' +
      'string:clientname@SETNAME{optional})',
  ],
  CLIENT: ['A container for client connection commands', '2.4.0', 'connection', '', {
    'client|getname': ['Get the current connection name', '2.6.9', 'connection'],
    'client|setname': ['Set the current connection name', '2.6.9', 'connection', 'string:connection-name'],
    'client|id': ['Returns the client ID for the current connection', '5.0.0', 'connection'],
    'client|info': ['Returns information about the current client connection.', '6.2.0', 'connection'],
    'client|list': [
      'Get the list of client connections',
      '2.4.0',
      'connection',
      'oneof:normal_master_replica_pubsub@TYPE{optional}(pure-token:normal@normal pure-token:master@master pure-token:replica@replica ' +
        'pure-token:pubsub@pubsub) block:id@ID{optional}(integer:client-id{multiple})',
    ],
    // Redis 7.2's (7.0 has no CLIENT SETINFO).
    'client|setinfo': ['Sets information specific to the client or connection.', '7.2.0', 'connection', 'oneof:attr(string:libname@lib-name string:libver@lib-ver)'],
    'client|tracking': [
      'Enable or disable server assisted client side caching support',
      '6.0.0',
      'connection',
      'oneof:status(pure-token:on@ON pure-token:off@OFF) integer:client-id@REDIRECT{optional} string:prefix@PREFIX{optional,multiple,multiple_token} ' +
        'pure-token:bcast@BCAST{optional} pure-token:optin@OPTIN{optional} pure-token:optout@OPTOUT{optional} pure-token:noloop@NOLOOP{optional}',
    ],
    'client|caching': ['Instruct the server about tracking or not keys in the next request', '6.0.0', 'connection', 'oneof:mode(pure-token:yes@YES pure-token:no@NO)'],
    'client|getredir': ['Get tracking notifications redirection client ID if any', '6.0.0', 'connection'],
    'client|trackinginfo': ['Return information about server assisted client side caching for the current connection', '6.2.0', 'connection'],
  }],
  COMMAND: ['Get array of Redis command details', '2.8.13', 'server', '', {
    'command|count': ['Get total number of Redis commands', '2.8.13', 'server'],
    'command|docs': ['Get array of specific Redis command documentation', '7.0.0', 'server', 'string:command-name{optional,multiple}'],
    'command|info': [
      'Get array of specific Redis command details, or all when no argument is given.',
      '2.8.13',
      'server',
      'string:command-name{optional,multiple}',
    ],
  }],
  CONFIG: ['A container for server configuration commands', '2.0.0', 'server', '', {
    'config|get': ['Get the values of configuration parameters', '2.0.0', 'server', 'block:parameter{multiple}(string:parameter)'],
    'config|set': ['Set configuration parameters to the given values', '2.0.0', 'server', 'block:parameter_value{multiple}(string:parameter string:value)'],
    'config|resetstat': ['Reset the stats returned by INFO', '2.0.0', 'server'],
    'config|rewrite': ['Rewrite the configuration file with the in memory configuration', '2.8.0', 'server'],
    'config|help': ['Show helpful text about the different subcommands', '5.0.0', 'server'],
  }],
  SHUTDOWN: [
    'Synchronously save the dataset to disk and then shut down the server',
    '1.0.0',
    'server',
    'oneof:nosave_save{optional}(pure-token:nosave@NOSAVE pure-token:save@SAVE) pure-token:now@NOW{optional} pure-token:force@FORCE{optional} pure-token:abort@ABORT{optional}',
  ],
  MONITOR: ['Listen for all requests received by the server in real time', '1.0.0', 'server'],
  LATENCY: ['A container for latency diagnostics commands', '2.8.13', 'server', '', {
    'latency|latest': ['Return the latest latency samples for all events.', '2.8.13', 'server'],
    'latency|history': ['Return timestamp-latency samples for the event.', '2.8.13', 'server', 'string:event'],
    'latency|reset': ['Reset latency data for one or more events.', '2.8.13', 'server', 'string:event{optional,multiple}'],
    'latency|doctor': ['Return a human readable latency analysis report.', '2.8.13', 'server'],
    'latency|help': ['Show helpful text about the different subcommands.', '2.8.13', 'server'],
  }],
  SLOWLOG: ['A container for slow log commands', '2.2.12', 'server', '', {
    'slowlog|get': ['Get the slow log\'s entries', '2.2.12', 'server', 'integer:count{optional}'],
    'slowlog|len': ['Get the slow log\'s length', '2.2.12', 'server'],
    'slowlog|reset': ['Clear all entries from the slow log', '2.2.12', 'server'],
    'slowlog|help': ['Show helpful text about the different subcommands', '6.2.0', 'server'],
  }],
  MEMORY: ['A container for memory diagnostics commands', '4.0.0', 'server', '', {
    'memory|usage': ['Estimate the memory usage of a key', '4.0.0', 'server', 'key:key integer:count@SAMPLES{optional}'],
    'memory|stats': ['Show memory usage details', '4.0.0', 'server'],
    'memory|doctor': ['Outputs memory problems report', '4.0.0', 'server'],
    'memory|malloc-stats': ['Show allocator internal stats', '4.0.0', 'server'],
    'memory|purge': ['Ask the allocator to release memory', '4.0.0', 'server'],
    'memory|help': ['Show helpful text about the different subcommands', '4.0.0', 'server'],
  }],
  TIME: ['Return the current server time', '2.6.0', 'server'],
  RESET: ['Reset the connection', '6.2.0', 'connection'],
  SUBSCRIBE: ['Listen for messages published to the given channels', '2.0.0', 'pubsub', 'string:channel{multiple}'],
  UNSUBSCRIBE: ['Stop listening for messages posted to the given channels', '2.0.0', 'pubsub', 'string:channel{optional,multiple}'],
  PSUBSCRIBE: ['Listen for messages published to channels matching the given patterns', '2.0.0', 'pubsub', 'block:pattern{multiple}(pattern:pattern)'],
  PUNSUBSCRIBE: ['Stop listening for messages posted to channels matching the given patterns', '2.0.0', 'pubsub', 'pattern:pattern{optional,multiple}'],
  SSUBSCRIBE: ['Listen for messages published to the given shard channels', '7.0.0', 'pubsub', 'string:shardchannel{multiple}'],
  SUNSUBSCRIBE: ['Stop listening for messages posted to the given shard channels', '7.0.0', 'pubsub', 'string:shardchannel{optional,multiple}'],
  PUBLISH: ['Post a message to a channel', '2.0.0', 'pubsub', 'string:channel string:message'],
  SPUBLISH: ['Post a message to a shard channel', '7.0.0', 'pubsub', 'string:shardchannel string:message'],
  PUBSUB: ['A container for Pub/Sub commands', '2.8.0', 'pubsub', '', {
    'pubsub|channels': ['List active channels', '2.8.0', 'pubsub', 'pattern:pattern{optional}'],
    'pubsub|numpat': ['Get the count of unique patterns pattern subscriptions', '2.8.0', 'pubsub'],
    'pubsub|numsub': ['Get the count of subscribers for channels', '2.8.0', 'pubsub', 'string:channel{optional,multiple}'],
    'pubsub|shardchannels': ['List active shard channels', '7.0.0', 'pubsub', 'pattern:pattern{optional}'],
    'pubsub|shardnumsub': ['Get the count of subscribers for shard channels', '7.0.0', 'pubsub', 'string:shardchannel{optional,multiple}'],
  }],
};

/** Docs by upper-case command name; a command without an entry gets none (COMMAND DOCS skips it). */
export const COMMAND_DOCS: ReadonlyMap<string, CommandDoc> = new Map(Object.entries({ ...ENTRIES, ...ZSET_DOCS, ...STREAM_DOCS, ...KEY_DOCS }).map(([name, entry]) => [name, toDoc(entry)]));

function toDoc([summary, since, group, args = '', subcommands = {}]: Entry): CommandDoc {
  return {
    summary,
    since,
    group,
    args: parseArgs(args),
    subcommands: Object.entries(subcommands).map(([name, entry]) => [name, toDoc(entry)]),
  };
}

/** Parses the compact argument form; throws on a malformed one (a bug in the table above). */
export function parseArgs(text: string): DocArg[] {
  let p = 0;
  const fail = (what: string): never => {
    throw new Error(`command docs: ${what} at ${p} in ${JSON.stringify(text)}`);
  };
  const word = (stops: string): string => {
    const start = p;
    while (p < text.length && !stops.includes(text[p])) p++;
    if (p === start) fail('empty word');
    return text.slice(start, p);
  };
  const list = (close: string): DocArg[] => {
    const args: DocArg[] = [];
    while (p < text.length && text[p] !== close) {
      if (args.length > 0) {
        if (text[p] !== ' ') fail('expected a space');
        p++;
      }
      const type = word(':');
      if (!TYPES.has(type)) fail(`unknown type ${type}`);
      p++;
      const name = word(' @{()');
      let token: string | undefined;
      let flags: string[] = [];
      let sub: DocArg[] = [];
      if (text[p] === '@') {
        p++;
        token = word(' {()');
      }
      if (text[p] === '{') {
        p++;
        flags = word('}').split(',');
        p++;
      }
      if (text[p] === '(') {
        p++;
        sub = list(')');
        if (text[p] !== ')') fail('expected )');
        p++;
      }
      args.push({ name, type: type as DocArgType, token, flags, args: sub });
    }
    return args;
  };
  const args = list('');
  if (p !== text.length) fail('trailing text');
  return args;
}
