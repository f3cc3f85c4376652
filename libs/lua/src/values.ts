/**
 * A command's reply or a script's result as a value, between the Lua engine and the server:
 * a bulk string (latin1, one char per byte), an integer, nil, a status (`{ ok }`), an error
 * (`{ err }`) or an array of them. Redis's conversion rules apply at the edges (engine.ts).
 */
export type Reply = string | bigint | null | StatusReply | ErrorReply | Reply[];

export interface StatusReply {
  readonly ok: string;
}

export interface ErrorReply {
  readonly err: string;
}

export function isError(reply: Reply): reply is ErrorReply {
  return reply !== null && typeof reply === 'object' && !Array.isArray(reply) && 'err' in reply;
}

export function isStatus(reply: Reply): reply is StatusReply {
  return reply !== null && typeof reply === 'object' && !Array.isArray(reply) && 'ok' in reply;
}

/**
 * A command's reply as RESP2 bytes, buf[start, end), handed to the engine to read straight into
 * Lua (resp-push.ts) instead of as a Reply: the host may reuse it for its next call.
 */
export class EncodedReply {
  buf: Buffer = Buffer.alloc(0);
  start = 0;
  end = 0;

  set(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.start = start;
    this.end = end;
    return this;
  }
}
