import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import type { ReplySink } from '../reply';
import * as strings from './strings';

export type Handler = (store: Lru, args: Args, reply: ReplySink) => void;

/** A command as data: the router finds its key and owner from this, the worker runs `handler`. */
export interface CommandSpec {
  readonly name: string;
  /** Stable small number carried in inter-process frames instead of the name. */
  readonly opcode: number;
  /** Arguments after the name; negative means at least -arity (Redis's convention). */
  readonly arity: number;
  /** Index of the key among the arguments after the name. */
  readonly keyIndex: number;
  readonly handler: Handler;
}

export const enum Opcode {
  GET = 1,
  SET = 2,
}

export const COMMANDS: readonly CommandSpec[] = [
  { name: 'GET', opcode: Opcode.GET, arity: 1, keyIndex: 0, handler: strings.get },
  { name: 'SET', opcode: Opcode.SET, arity: 2, keyIndex: 0, handler: strings.set },
];

/** Commands indexed by opcode, for frames from peers. */
export const BY_OPCODE: readonly (CommandSpec | undefined)[] = (() => {
  const table: (CommandSpec | undefined)[] = [];
  for (const spec of COMMANDS) table[spec.opcode] = spec;
  return table;
})();
