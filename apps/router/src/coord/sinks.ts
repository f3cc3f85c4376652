import type { OutBuffer, ReplyEncoder } from '@kv/wire';
import type { ReplySink } from '@kv/node';

/** A ReplySink that encodes each reply with `replies` into `out`. */
export function encodingSink(out: OutBuffer, replies: ReplyEncoder): ReplySink {
  return {
    ok: () => replies.ok(out),
    status: (text) => replies.status(out, text),
    nil: () => replies.nil(out),
    bulk: (value) => replies.bulk(out, value),
    bulkBytes: (buf, start, end) => replies.bulkBytes(out, buf, start, end),
    integer: (n) => replies.integer(out, n),
    error: (message) => replies.error(out, message),
    array: (items) => replies.array(out, items),
    map: (items) => replies.map(out, items),
    nullArray: () => replies.nullArray(out),
    cursor: (cursor, items) => replies.cursor(out, cursor, items),
    tree: (buf, start, end) => replies.tree(out, buf, start, end),
  };
}
