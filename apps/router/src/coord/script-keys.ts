import type { Args } from '@kv/wire';

/**
 * The argument indexes of the keys a script declares: EVAL script numkeys key... arg...
 * (EVALSHA and the _RO forms alike). None when numkeys is not a count that fits.
 */
export function declaredKeys(args: Args): number[] {
  const n = numkeys(args);
  const out: number[] = [];
  for (let i = 0; i < n; i++) out.push(3 + i);
  return out;
}

/** numkeys of an EVAL-like command, or -1 when it is not an integer from 0 to argc - 3. */
export function numkeys(args: Args): number {
  if (args.count < 3) return -1;
  const text = args.latin1(2);
  if (!/^\d{1,10}$/.test(text)) return -1;
  const n = Number(text);
  return n <= args.count - 3 ? n : -1;
}

/** A body that names PUBLISH or SPUBLISH (any case): its calls may wait for every worker's delivery. */
const NAMES_PUBLISH = /publish/i;

/**
 * True when a script (EVAL body, or EVALSHA's cached one) may publish on a server of several
 * workers: it must then run under a hold, never at once here or sent whole to its owner, because
 * the other workers' receiver counts come later (coord/script.ts).
 */
export function scriptMayPublish(workers: number, body: string | undefined): boolean {
  return workers > 1 && body !== undefined && NAMES_PUBLISH.test(body);
}
