import type { CommandSpec } from '../types';

/** Key positions, Redis's first/last/step. */
export type KeyPositions = readonly [firstKey: number, lastKey: number, step: number];

/** One command table entry as written (table.ts and its parts): `keys` becomes firstKey/lastKey/step; the booleans read from `flags` are filled in. */
export type Entry = Omit<CommandSpec, 'opcode' | 'firstKey' | 'lastKey' | 'step' | 'noAuth' | 'writes' | 'readOnly' | 'noScript' | 'noMulti' | 'fast'> & { readonly keys: KeyPositions };
