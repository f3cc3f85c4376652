import { OutBuffer, ReplyKind, RESP_REPLIES, type Items, type ReplyEncoder } from '@kv/wire';
import { isError, isStatus, parseReply, type Reply } from '@kv/lua';

/**
 * A script's result in its client's protocol, as Redis converts Lua's (RESP2 rules, the script
 * not having asked for RESP3 with redis.setresp): nil is a null (`$-1`, RESP3 `_`), an integer
 * `:`, status `+`, error `-`, a table an array. Nested arrays are walked with a list, not by
 * recursion: a result may nest thousands deep (up to @kv/lua's REPLY_DEPTH_LIMIT).
 */
export function encodeReply(out: OutBuffer, reply: Reply, replies: ReplyEncoder = RESP_REPLIES): void {
  const pending: Reply[] = [reply];
  while (pending.length > 0) {
    const value = pending.pop()!;
    if (value === null) replies.nil(out);
    else if (typeof value === 'string') replies.bulk(out, value);
    else if (typeof value === 'bigint') replies.integer(out, value);
    else if (Array.isArray(value)) {
      replies.arrayHeader(out, value.length);
      for (let i = value.length - 1; i >= 0; i--) pending.push(value[i]);
    } else if (isError(value)) replies.error(out, value.err);
    else if (isStatus(value)) replies.status(out, value.ok);
  }
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
    case ReplyKind.TREE: {
      // As Lua reads every reply: its RESP2 form.
      const out = new OutBuffer(payload.length + 64);
      RESP_REPLIES.kind(out, kind, payload);
      return parseReply(out.buf, 0, out.length);
    }
    default:
      return payload;
  }
}
