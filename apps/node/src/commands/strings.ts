import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import type { ReplySink } from '../reply';

/** GET key */
export function get(store: Lru, args: Args, reply: ReplySink): void {
  const value = store.get(args.latin1(0));
  if (value === undefined) reply.nil();
  else reply.bulk(value);
}

/** SET key value (the text protocol's PUT) */
export function set(store: Lru, args: Args, reply: ReplySink): void {
  if (store.set(args.latin1(0), args.latin1(1))) reply.ok();
  else reply.error('OOM command not allowed when used memory > \'maxmemory\'.');
}
