import { ReplyKind, respArrayHeader, respBulkLatin1, respError, respNull, respSimple, type Items, type OutBuffer } from '@kv/wire';
import { isError, isStatus, type Reply } from '@kv/lua';

/** A script's result in RESP2: nil is a nil bulk, an integer `:`, status `+`, error `-`. */
export function encodeReply(out: OutBuffer, reply: Reply): void {
  if (reply === null) return respNull(out);
  if (typeof reply === 'string') return respBulkLatin1(out, reply);
  if (typeof reply === 'bigint') return out.latin1(`:${reply}\r\n`);
  if (Array.isArray(reply)) {
    respArrayHeader(out, reply.length);
    for (const item of reply) encodeReply(out, item);
    return;
  }
  if (isError(reply)) return respError(out, reply.err);
  if (isStatus(reply)) return respSimple(out, reply.ok);
}

/** A reply in its inter-process form as a value for Lua. */
export function kindToReply(kind: ReplyKind, payload: string, items?: Items): Reply {
  switch (kind) {
    case ReplyKind.OK:
      return { ok: 'OK' };
    case ReplyKind.STATUS:
      return { ok: payload };
    case ReplyKind.NIL:
      return null;
    case ReplyKind.INTEGER:
      return BigInt(payload);
    case ReplyKind.ERROR:
      return { err: payload };
    case ReplyKind.ARRAY:
      return (items ?? []).map((item) => item ?? null);
    default:
      return payload;
  }
}
