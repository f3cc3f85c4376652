import { argsOf, type Items } from '@kv/wire';
import type { Lru } from '@kv/lru';
import { arityOk, commandNamed } from '../src/commands/table';
import type { ReplySink } from '../src/types';

/** A reply as the handler tests see it (no tests in this file: a helper). */
export type Reply = string | number | bigint | null | { error: string } | { status: string } | Reply[];

/** Runs a one-key command's handler on `store` as the router would (arity checked first), and returns its reply. */
export function run(store: Lru, ...argv: string[]): Reply {
  const spec = commandNamed(argv[0].toUpperCase());
  if (!arityOk(spec, argv.length)) return { error: `ERR wrong number of arguments for '${spec.name.toLowerCase()}' command` };
  let reply: Reply | undefined;
  const set = (r: Reply) => {
    if (reply !== undefined) throw new Error(`${argv[0]} answered twice`);
    reply = r;
  };
  const list = (items: Items): Reply[] => items.map((item) => item ?? null);
  const sink: ReplySink = {
    ok: () => set({ status: 'OK' }),
    status: (text) => set({ status: text }),
    nil: () => set(null),
    bulk: (value) => set(value),
    bulkBytes: (buf, start, end) => set(Buffer.from(buf.subarray(start, end)).toString('latin1')),
    integer: (n) => set(typeof n === 'bigint' && n >= -(2n ** 53n) && n <= 2n ** 53n ? Number(n) : n),
    error: (message) => set({ error: message }),
    array: (items) => set(list(items)),
    cursor: (cursor, items) => set([cursor, list(items)]),
    map: (items) => set(list(items)),
    nullArray: () => set(null),
  };
  spec.handler!(store, argsOf(argv), sink);
  if (reply === undefined) throw new Error(`${argv[0]} did not answer`);
  return reply;
}
