import type { DocEntry } from './docs-collections';

/** COMMAND DOCS of the key-space commands of table-keys.ts (docs.ts has the format). */
export const KEY_DOCS: Record<string, DocEntry> = {
  RENAME: ['Rename a key', '1.0.0', 'generic', 'key:key key:newkey'],
  RENAMENX: ['Rename a key, only if the new key does not exist', '1.0.0', 'generic', 'key:key key:newkey'],
  COPY: ['Copy a key', '6.2.0', 'generic', 'key:source key:destination integer:destination-db@DB{optional} pure-token:replace@REPLACE{optional}'],
  RANDOMKEY: ['Return a random key from the keyspace', '1.0.0', 'generic'],
  EXPIRETIME: ['Get the expiration Unix timestamp for a key', '7.0.0', 'generic', 'key:key'],
  PEXPIRETIME: ['Get the expiration Unix timestamp for a key in milliseconds', '7.0.0', 'generic', 'key:key'],
  GETRANGE: ['Get a substring of the string stored at a key', '2.4.0', 'string', 'key:key integer:start integer:end'],
  SUBSTR: ['Get a substring of the string stored at a key', '1.0.0', 'string', 'key:key integer:start integer:end'],
  SETRANGE: ['Overwrite part of a string at key starting at the specified offset', '2.2.0', 'string', 'key:key integer:offset string:value'],
  LCS: [
    'Find longest common substring',
    '7.0.0',
    'string',
    'key:key1 key:key2 pure-token:len@LEN{optional} pure-token:idx@IDX{optional} integer:len@MINMATCHLEN{optional} pure-token:withmatchlen@WITHMATCHLEN{optional}',
  ],
  SETBIT: ['Sets or clears the bit at offset in the string value stored at key', '2.2.0', 'bitmap', 'key:key integer:offset integer:value'],
  GETBIT: ['Returns the bit value at offset in the string value stored at key', '2.2.0', 'bitmap', 'key:key integer:offset'],
  BITCOUNT: ['Count set bits in a string', '2.6.0', 'bitmap', 'key:key block:index{optional}(integer:start integer:end oneof:index_unit{optional}(pure-token:byte@BYTE pure-token:bit@BIT))'],
  BITPOS: [
    'Find first bit set or clear in a string',
    '2.8.7',
    'bitmap',
    'key:key integer:bit block:index{optional}(integer:start block:end_index{optional}(integer:end oneof:index_unit{optional}(pure-token:byte@BYTE pure-token:bit@BIT)))',
  ],
  BITFIELD: [
    'Perform arbitrary bitfield integer operations on strings',
    '3.2.0',
    'bitmap',
    'key:key oneof:operation{optional,multiple}(block:encoding_offset@GET(string:encoding integer:offset) block:write(oneof:wrap_sat_fail@OVERFLOW{optional}(pure-token:wrap@WRAP pure-token:sat@SAT pure-token:fail@FAIL) ' +
      'oneof:write_operation(block:encoding_offset_value@SET(string:encoding integer:offset integer:value) block:encoding_offset_increment@INCRBY(string:encoding integer:offset integer:increment))))',
  ],
  BITFIELD_RO: [
    'Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD',
    '6.0.0',
    'bitmap',
    'key:key block:encoding_offset@GET{optional,multiple,multiple_token}(string:encoding integer:offset)',
  ],
  SORT: [
    'Sort the elements in a list, set or sorted set',
    '1.0.0',
    'generic',
    'key:key pattern:pattern@BY{optional} block:offset_count@LIMIT{optional}(integer:offset integer:count) pattern:pattern@GET{optional,multiple,multiple_token} ' +
      'oneof:order{optional}(pure-token:asc@ASC pure-token:desc@DESC) pure-token:sorting@ALPHA{optional} key:destination@STORE{optional}',
  ],
  SORT_RO: [
    'Sort the elements in a list, set or sorted set. Read-only variant of SORT.',
    '7.0.0',
    'generic',
    'key:key pattern:pattern@BY{optional} block:offset_count@LIMIT{optional}(integer:offset integer:count) pattern:pattern@GET{optional,multiple,multiple_token} ' +
      'oneof:order{optional}(pure-token:asc@ASC pure-token:desc@DESC) pure-token:sorting@ALPHA{optional}',
  ],
  BITOP: ['Perform bitwise operations between strings', '2.6.0', 'bitmap', 'string:operation key:destkey key:key{multiple}'],
  OBJECT: ['A container for object introspection commands', '2.2.3', 'generic', '', {
    'object|encoding': ['Inspect the internal encoding of a Redis object', '2.2.3', 'generic', 'key:key'],
    'object|freq': ['Get the logarithmic access frequency counter of a Redis object', '4.0.0', 'generic', 'key:key'],
    'object|idletime': ['Get the time since a Redis object was last accessed', '2.2.3', 'generic', 'key:key'],
    'object|refcount': ['Get the number of references to the value of the key', '2.2.3', 'generic', 'key:key'],
    'object|help': ['Show helpful text about the different subcommands', '6.2.0', 'generic'],
  }],
};
