import type { DocEntry } from './docs-collections';

/** COMMAND DOCS for the stream commands (docs.ts reads them; its compact argument form), Redis 7.0's texts. */

const TRIM = 'oneof:strategy(pure-token:maxlen@MAXLEN pure-token:minid@MINID) oneof:operator{optional}(pure-token:equal@= pure-token:approximately@~) string:threshold integer:count@LIMIT{optional}';

export const STREAM_DOCS: Record<string, DocEntry> = {
  XADD: [
    'Appends a new entry to a stream',
    '5.0.0',
    'stream',
    `key:key pure-token:nomkstream@NOMKSTREAM{optional} block:trim{optional}(${TRIM}) oneof:id_or_auto(pure-token:auto_id@* string:id) block:field_value{multiple}(string:field string:value)`,
  ],
  XTRIM: ["Trims the stream to (approximately if '~' is passed) a certain size", '5.0.0', 'stream', `key:key block:trim(${TRIM})`],
  XDEL: [
    'Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.',
    '5.0.0',
    'stream',
    'key:key string:id{multiple}',
  ],
  XLEN: ['Return the number of entries in a stream', '5.0.0', 'stream', 'key:key'],
  XSETID: ['An internal command for replicating stream values', '5.0.0', 'stream', 'key:key string:last-id integer:entries_added@ENTRIESADDED{optional} string:max_deleted_entry_id@MAXDELETEDID{optional}'],
  XRANGE: ['Return a range of elements in a stream, with IDs matching the specified IDs interval', '5.0.0', 'stream', 'key:key string:start string:end integer:count@COUNT{optional}'],
  XREVRANGE: [
    'Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE',
    '5.0.0',
    'stream',
    'key:key string:end string:start integer:count@COUNT{optional}',
  ],
  XREAD: [
    'Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.',
    '5.0.0',
    'stream',
    'integer:count@COUNT{optional} integer:milliseconds@BLOCK{optional} block:streams@STREAMS(key:key{multiple} string:id{multiple})',
  ],
  XINFO: ['A container for stream introspection commands', '5.0.0', 'stream', '', {
    'xinfo|stream': ['Get information about a stream', '5.0.0', 'stream', 'key:key block:full@FULL{optional}(integer:count@COUNT{optional})'],
    'xinfo|consumers': ['List the consumers in a consumer group', '5.0.0', 'stream', 'key:key string:groupname'],
    'xinfo|groups': ['List the consumer groups of a stream', '5.0.0', 'stream', 'key:key'],
    'xinfo|help': ['Show helpful text about the different subcommands', '5.0.0', 'stream'],
  }],
  XGROUP: ['A container for consumer groups commands', '5.0.0', 'stream'],
  XREADGROUP: [
    'Return new entries from a stream using a consumer group, or access the history of the pending entries for a given consumer. Can block.',
    '5.0.0',
    'stream',
    'block:group_consumer@GROUP(string:group string:consumer) integer:count@COUNT{optional} integer:milliseconds@BLOCK{optional} pure-token:noack@NOACK{optional} block:streams@STREAMS(key:key{multiple} string:id{multiple})',
  ],
  XACK: [
    'Marks a pending message as correctly processed, effectively removing it from the pending entries list of the consumer group. Return value of the command is the number of messages successfully acknowledged, that is, the IDs we were actually able to resolve in the PEL.',
    '5.0.0',
    'stream',
    'key:key string:group string:id{multiple}',
  ],
  XCLAIM: [
    'Changes (or acquires) ownership of a message in a consumer group, as if the message was delivered to the specified consumer.',
    '5.0.0',
    'stream',
    'key:key string:group string:consumer string:min-idle-time string:id{multiple} integer:ms@IDLE{optional} unix-time:unix-time-milliseconds@TIME{optional} integer:count@RETRYCOUNT{optional} pure-token:force@FORCE{optional} pure-token:justid@JUSTID{optional} string:id@LASTID{optional}',
  ],
  XAUTOCLAIM: [
    'Changes (or acquires) ownership of messages in a consumer group, as if the messages were delivered to the specified consumer.',
    '6.2.0',
    'stream',
    'key:key string:group string:consumer string:min-idle-time string:start integer:count@COUNT{optional} pure-token:justid@JUSTID{optional}',
  ],
  XPENDING: [
    'Return information and entries from a stream consumer group pending entries list, that are messages fetched but never acknowledged.',
    '5.0.0',
    'stream',
    'key:key string:group block:filters{optional}(integer:min-idle-time@IDLE{optional} string:start string:end integer:count string:consumer{optional})',
  ],
};
