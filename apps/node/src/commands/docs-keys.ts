import type { DocEntry } from './docs-collections';

/** COMMAND DOCS of the key-space commands of table-keys.ts (docs.ts has the format). */
export const KEY_DOCS: Record<string, DocEntry> = {
  RENAME: ['Rename a key', '1.0.0', 'generic', 'key:key key:newkey'],
  RENAMENX: ['Rename a key, only if the new key does not exist', '1.0.0', 'generic', 'key:key key:newkey'],
  COPY: ['Copy a key', '6.2.0', 'generic', 'key:source key:destination integer:destination-db@DB{optional} pure-token:replace@REPLACE{optional}'],
  RANDOMKEY: ['Return a random key from the keyspace', '1.0.0', 'generic'],
  EXPIRETIME: ['Get the expiration Unix timestamp for a key', '7.0.0', 'generic', 'key:key'],
  PEXPIRETIME: ['Get the expiration Unix timestamp for a key in milliseconds', '7.0.0', 'generic', 'key:key'],
  OBJECT: ['A container for object introspection commands', '2.2.3', 'generic', '', {
    'object|encoding': ['Inspect the internal encoding of a Redis object', '2.2.3', 'generic', 'key:key'],
    'object|freq': ['Get the logarithmic access frequency counter of a Redis object', '4.0.0', 'generic', 'key:key'],
    'object|idletime': ['Get the time since a Redis object was last accessed', '2.2.3', 'generic', 'key:key'],
    'object|refcount': ['Get the number of references to the value of the key', '2.2.3', 'generic', 'key:key'],
    'object|help': ['Show helpful text about the different subcommands', '6.2.0', 'generic'],
  }],
};
