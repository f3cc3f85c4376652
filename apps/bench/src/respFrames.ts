/**
 * Counts whole RESP2/RESP3 frames in a stream, telling replies from push messages (`>`) and error
 * replies, for the closed-loop modes that send commands with array or map replies (closedLoop.ts).
 * It walks the frames without building them: the benches only count.
 */
export interface FrameCounts {
  replies: number;
  errors: number;
  pushes: number;
  /** The first error reply's text, for the report. */
  firstError: string | null;
}

const AGGREGATES = new Set(['*', '~', '>', '%', '|']);

export class RespFrameCounter {
  private carry: Buffer | null = null;
  readonly counts: FrameCounts = { replies: 0, errors: 0, pushes: 0, firstError: null };

  /** Feeds a chunk; returns how many replies (not pushes) it completed. */
  feed(chunk: Buffer): number {
    const buf = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    this.carry = null;
    let pos = 0;
    let replies = 0;
    while (pos < buf.length) {
      const kind = String.fromCharCode(buf[pos]);
      const end = skipFrame(buf, pos);
      if (end < 0) break;
      if (kind === '>') this.counts.pushes++;
      else {
        replies++;
        if (kind === '-' || kind === '!') {
          this.counts.errors++;
          this.counts.firstError ??= buf.toString('latin1', pos, Math.min(end, pos + 200)).trim();
        }
      }
      pos = end;
    }
    if (pos < buf.length) this.carry = buf.subarray(pos);
    this.counts.replies += replies;
    return replies;
  }
}

/** The offset just past the frame at `pos`, or -1 when it is not all in `buf`. */
function skipFrame(buf: Buffer, pos: number): number {
  const nl = buf.indexOf(0x0a, pos);
  if (nl < 0) return -1;
  const kind = String.fromCharCode(buf[pos]);
  if (kind === '$' || kind === '=' || kind === '!') {
    const n = Number(buf.toString('latin1', pos + 1, nl - 1));
    if (n < 0) return nl + 1;
    return buf.length < nl + 1 + n + 2 ? -1 : nl + 1 + n + 2;
  }
  if (!AGGREGATES.has(kind)) return nl + 1;
  let n = Number(buf.toString('latin1', pos + 1, nl - 1));
  if (n < 0) return nl + 1;
  if (kind === '%' || kind === '|') n *= 2;
  let at = nl + 1;
  for (let i = 0; i < n; i++) {
    at = skipFrame(buf, at);
    if (at < 0) return -1;
  }
  // An attribute (`|`) precedes the frame it describes.
  return kind === '|' ? skipFrame(buf, at) : at;
}

export function resp(argv: readonly string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const a of argv) out += `$${Buffer.byteLength(a, 'latin1')}\r\n${a}\r\n`;
  return out;
}
