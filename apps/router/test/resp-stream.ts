import type * as net from 'node:net';
import { parse, type Node } from '../../../test/compat/resp-raw';

/**
 * A connection that stays open in a test and is read as a stream of RESP values (the live fuzz
 * test's subscribers and tracking clients): each whole value is handed to `take` as it is parsed,
 * in order, so replies and pushes are seen in the order the server wrote them. `problem` keeps the
 * first thing wrong: a malformed value, a socket error, or the server closing it.
 */
export abstract class RespStream {
  private buf: Buffer = Buffer.alloc(0);
  problem: string | null = null;

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => this.feed(chunk));
    socket.on('error', (err) => (this.problem ??= `socket error: ${err.message}`));
    socket.on('close', () => (this.problem ??= 'closed by the server'));
  }

  protected abstract take(node: Node): void;

  private feed(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    let at = 0;
    for (;;) {
      let one: ReturnType<typeof parse>;
      try {
        one = parse(this.buf, at);
      } catch (err) {
        this.problem ??= `malformed: ${(err as Error).message}`;
        return;
      }
      if (one === undefined) break;
      at = one.end;
      this.take(one.node);
    }
    this.buf = this.buf.subarray(at);
  }
}
