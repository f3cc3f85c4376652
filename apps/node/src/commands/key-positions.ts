import type { CommandSpec } from '../types';

/** What keysOf needs of a command: Redis's key positions (CommandSpec has them). */
export type KeyPositions = Pick<CommandSpec, 'firstKey' | 'lastKey' | 'step'>;

/**
 * The argument indexes of a command's keys, by Redis's convention: from `firstKey` to `lastKey`
 * (negative: counted from the end, -1 being the last argument) every `step`; none when
 * `firstKey` is 0. Indexes past the arguments given are left out (argc counts the name).
 */
export function* keysOf(spec: KeyPositions, args: { readonly count: number }): Generator<number, void, undefined> {
  const argc = args.count;
  if (spec.firstKey <= 0 || spec.step <= 0) return;
  const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
  for (let i = spec.firstKey; i <= last && i < argc; i += spec.step) yield i;
}

/** keysOf as an array. */
export function keyIndexes(spec: KeyPositions, args: { readonly count: number }): number[] {
  return [...keysOf(spec, args)];
}

/** The index of a command's last key for `argc` arguments (below firstKey: none), for loops that allocate nothing. */
export function lastKeyIndex(spec: KeyPositions, argc: number): number {
  if (spec.firstKey <= 0 || spec.step <= 0) return -1;
  return Math.min(spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey, argc - 1);
}
