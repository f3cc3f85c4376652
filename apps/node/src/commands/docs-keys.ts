import type { DocEntry } from './docs-collections';

/** COMMAND DOCS of the key-space commands of table-keys.ts (docs.ts has the format). */
export const KEY_DOCS: Record<string, DocEntry> = {
  RENAME: ['Rename a key', '1.0.0', 'generic', 'key:key key:newkey'],
  RENAMENX: ['Rename a key, only if the new key does not exist', '1.0.0', 'generic', 'key:key key:newkey'],
  COPY: ['Copy a key', '6.2.0', 'generic', 'key:source key:destination integer:destination-db@DB{optional} pure-token:replace@REPLACE{optional}'],
};
