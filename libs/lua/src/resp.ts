import type { Reply } from './values';

/**
 * Parses one RESP2 reply at buf[start, end) (a command's reply, as the server encoded it for a
 * script) into a Reply: bulk → string, integer → bigint, nil bulk and nil array → null,
 * status → { ok }, error → { err }, array → Reply[]. Throws on bytes that are not one whole reply.
 */
export function parseReply(buf: Buffer, start: number, end: number): Reply {
  const at = { pos: start };
  const value = parseAt(buf, at, end, 0);
  if (at.pos !== end) throw new Error('trailing bytes after a reply');
  return value;
}

function line(buf: Buffer, at: { pos: number }, end: number): string {
  const cr = buf.indexOf(13, at.pos);
  if (cr < 0 || cr + 1 >= end || buf[cr + 1] !== 10) throw new Error('unterminated reply line');
  const text = buf.toString('latin1', at.pos + 1, cr);
  at.pos = cr + 2;
  return text;
}

function parseAt(buf: Buffer, at: { pos: number }, end: number, depth: number): Reply {
  if (at.pos >= end || depth > 128) throw new Error('truncated reply');
  const type = buf[at.pos];
  const text = line(buf, at, end);
  switch (type) {
    case 0x2b: // +
      return { ok: text };
    case 0x2d: // -
      return { err: text };
    case 0x3a: // :
      return BigInt(text);
    case 0x24: {
      // $
      const len = Number(text);
      if (len < 0) return null;
      const value = buf.toString('latin1', at.pos, at.pos + len);
      at.pos += len + 2;
      if (at.pos > end) throw new Error('truncated bulk');
      return value;
    }
    case 0x2a: {
      // *
      const n = Number(text);
      if (n < 0) return null;
      const items: Reply[] = [];
      for (let i = 0; i < n; i++) items.push(parseAt(buf, at, end, depth + 1));
      return items;
    }
    default:
      throw new Error(`not a RESP2 reply: ${String.fromCharCode(type)}`);
  }
}
