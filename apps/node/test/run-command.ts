import { argsOf, doubleText, type Items } from '@kv/wire';
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
    tree: (buf, start, end) => set(treeReply(buf, start, end)),
  };
  spec.handler!(store, argsOf(argv), sink);
  if (reply === undefined) throw new Error(`${argv[0]} did not answer`);
  return reply;
}

/** A reply tree (@kv/wire's tree.ts) as RESP2 gives it: doubles as bulk strings, maps and pairs flat, in this file's Reply shape. */
export function treeReply(buf: Buffer, start: number, end: number): Reply {
  let p = start;
  const item = (): Reply => {
    const tag = buf[p++];
    if (tag === 2 || tag === 3) return null;
    if (tag === 5) {
      p += 8;
      return doubleText(buf.readDoubleLE(p - 8));
    }
    const n = buf.readUInt32LE(p);
    p += 4;
    if (tag === 1 || tag === 4 || tag === 6) {
      const text = buf.latin1Slice(p, p + n);
      p += n;
      if (tag === 1) return text;
      if (tag === 6) return { status: text };
      const big = BigInt(text);
      return big >= -(2n ** 53n) && big <= 2n ** 53n ? Number(big) : big;
    }
    const out: Reply[] = [];
    for (let i = tag === 8 || tag === 10 ? n * 2 : n; i > 0; i--) out.push(item());
    return out;
  };
  const reply = item();
  if (p !== end) throw new Error('bytes after a reply tree');
  return reply;
}
