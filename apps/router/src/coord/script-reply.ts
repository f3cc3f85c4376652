import { ReplyKind, RESP_REPLIES, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { isError, isStatus, type Reply } from '@kv/lua';

/**
 * A script's result in its client's protocol, as Redis converts Lua's (RESP2 rules, the script
 * not having asked for RESP3 with redis.setresp): nil is a null (`$-1`, RESP3 `_`), an integer
 * `:`, status `+`, error `-`, a table an array.
 */
export function encodeReply(out: OutBuffer, reply: Reply, replies: ReplyEncoder = RESP_REPLIES): void {
  if (reply === null) return replies.nil(out);
  if (typeof reply === 'string') return replies.bulk(out, reply);
  if (typeof reply === 'bigint') return replies.integer(out, reply);
  if (Array.isArray(reply)) {
    replies.arrayHeader(out, reply.length);
    for (const item of reply) encodeReply(out, item, replies);
    return;
  }
  if (isError(reply)) return replies.error(out, reply.err);
  if (isStatus(reply)) return replies.status(out, reply.ok);
}

/** A reply in its inter-process form as a value for Lua (a MAP as its flat list, as RESP2 gives it). */
export function kindToReply(kind: ReplyKind, payload: string, items?: Items): Reply {
  switch (kind) {
    case ReplyKind.OK:
      return { ok: 'OK' };
    case ReplyKind.STATUS:
      return { ok: payload };
    case ReplyKind.NIL:
    case ReplyKind.NULL_ARRAY:
      return null;
    case ReplyKind.INTEGER:
      return BigInt(payload);
    case ReplyKind.ERROR:
      return { err: payload };
    case ReplyKind.ARRAY:
    case ReplyKind.MAP:
      return (items ?? []).map((item) => item ?? null);
    default:
      return payload;
  }
}
