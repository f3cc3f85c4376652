import * as net from 'node:net';

/**
 * RESP2 and RESP3 replies as bytes, for the differential suite: a reply is read whole off a raw
 * socket and kept as the exact bytes the server sent, next to a tree that keeps every type
 * marker (so a normalised tree encodes back to the same bytes when nothing was normalised).
 */
export type Node =
  | { t: '+' | '-' | ':' | '_' | ',' | '#' | '(' ; v: string }
  | { t: '$' | '!' | '='; v: string | null }
  | { t: '*' | '~' | '>' | '%' | '|'; items: Node[] | null };

const LINE = new Set(['+', '-', ':', '_', ',', '#', '(']);
const BULK = new Set(['$', '!', '=']);
const AGGREGATE = new Set(['*', '~', '>']);
const PAIRS = new Set(['%', '|']);

/**
 * Parses one reply at `at`; undefined when the buffer does not hold all of it yet. Aggregates are
 * walked with a list, not by recursion: a script's reply may nest thousands deep.
 */
export function parse(buf: Buffer, at = 0): { node: Node; end: number } | undefined {
  const open: { node: Node & { items: Node[] }; left: number }[] = [];
  let end = at;
  for (;;) {
    const nl = buf.indexOf('\r\n', end, 'latin1');
    if (nl < 0) return undefined;
    const t = String.fromCharCode(buf[end]);
    const head = buf.latin1Slice(end + 1, nl);
    const n = Number(head);
    let node: Node;
    if (LINE.has(t)) {
      node = { t, v: head } as Node;
      end = nl + 2;
    } else if (BULK.has(t)) {
      if (n >= 0 && buf.length < nl + 2 + n + 2) return undefined;
      node = { t, v: n < 0 ? null : buf.latin1Slice(nl + 2, nl + 2 + n) } as Node;
      end = n < 0 ? nl + 2 : nl + 2 + n + 2;
    } else if (AGGREGATE.has(t) || PAIRS.has(t)) {
      end = nl + 2;
      const count = PAIRS.has(t) ? 2 * n : n;
      if (n >= 0 && count > 0) {
        open.push({ node: { t, items: [] } as Node & { items: Node[] }, left: count });
        continue;
      }
      node = { t, items: n < 0 ? null : [] } as Node;
    } else throw new Error(`not a RESP reply: ${JSON.stringify(buf.latin1Slice(end, nl))}`);
    // Hand the finished node up through every aggregate it completes.
    for (;;) {
      const parent = open.at(-1);
      if (parent === undefined) return { node, end };
      parent.node.items.push(node);
      if (--parent.left > 0) break;
      open.pop();
      node = parent.node;
    }
  }
}

export function encode(node: Node): string {
  if ('items' in node) {
    if (node.items === null) return `${node.t}-1\r\n`;
    const count = PAIRS.has(node.t) ? node.items.length / 2 : node.items.length;
    return `${node.t}${count}\r\n${node.items.map(encode).join('')}`;
  }
  if (BULK.has(node.t)) return node.v === null ? `${node.t}-1\r\n` : `${node.t}${node.v.length}\r\n${node.v}\r\n`;
  return `${node.t}${node.v}\r\n`;
}

export function encodeCommand(argv: string[]): Buffer {
  return Buffer.from(`*${argv.length}\r\n${argv.map((a) => `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`).join('')}`, 'latin1');
}

/** A reply as read: its bytes (latin1) and its tree; or what went wrong instead. */
export type Reply = { raw: string; node: Node } | { failed: string };

/** A raw socket that sends commands one at a time and reads each reply whole. */
export class RawConn {
  private buffered: Buffer = Buffer.alloc(0);
  private wake: (() => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk]);
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawConn> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ port, host });
      socket.once('connect', () => resolve(new RawConn(socket)));
      socket.once('error', reject);
    });
  }

  async command(argv: string[], timeoutMs = 5_000): Promise<Reply> {
    if (this.closed) return { failed: '(connection closed)' };
    this.socket.write(encodeCommand(argv));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = parse(this.buffered);
      if (parsed !== undefined) {
        const raw = this.buffered.latin1Slice(0, parsed.end);
        this.buffered = this.buffered.subarray(parsed.end);
        return { raw, node: parsed.node };
      }
      if (this.closed) return { failed: '(connection closed)' };
      const left = deadline - Date.now();
      if (left <= 0) {
        this.close();
        return { failed: `(no reply in ${timeoutMs} ms)` };
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.wake = () => {
          clearTimeout(timer);
          this.wake = null;
          resolve();
        };
      });
    }
  }

  close(): void {
    this.closed = true;
    this.socket.destroy();
  }
}
