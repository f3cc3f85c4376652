import type * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Endpoint } from './cli';
import { connectSocket } from './client';
import { createReplyScanner, REPLY_ERROR, REPLY_NIL, REPLY_OK, type Protocol, type ReplyKind, type ReplyScanner, type ReplySink } from './replyScanner';

/**
 * Bulk writes and reads over a fixed key space `key:000000000`, `key:000000001`, ... as fast as
 * the server takes them: C connections, each sending P requests in one write and the next P when
 * all are answered. Connections take their batches from one shared cursor, so keys are written in
 * index order (to within C x P), which is what "the last 10% written" relies on.
 */

const KEY_PREFIX = 'key:';
const KEY_DIGITS = 9;
/** Bytes of every key bulkKey() makes. */
export const BULK_KEY_BYTES = KEY_PREFIX.length + KEY_DIGITS;
/** The value holds its key's index, so a value served for the wrong key is caught. */
export const MIN_BULK_VALUE_BYTES = KEY_DIGITS + 1;
export const MAX_BULK_KEYS = 10 ** KEY_DIGITS;
const FILL = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const CONNECT_TIMEOUT_MS = 5_000;
const CR_LF = '\r\n';

export function bulkKey(index: number): string {
  return KEY_PREFIX + String(index).padStart(KEY_DIGITS, '0');
}

/** `<index, 9 digits>:` then filler up to size bytes. */
export function bulkValue(index: number, size: number): string {
  if (size < MIN_BULK_VALUE_BYTES) throw new RangeError(`bulk values need at least ${MIN_BULK_VALUE_BYTES} bytes`);
  let value = String(index).padStart(KEY_DIGITS, '0') + ':';
  while (value.length < size) value += FILL.slice(0, size - value.length);
  return value;
}

export type BulkOp = 'set' | 'get';

/** One request as sent on the wire: RESP SET/GET or text PUT/GET. */
export function encodeRequest(proto: Protocol, op: BulkOp, index: number, valueSize: number): string {
  const key = bulkKey(index);
  if (proto === 'text') return op === 'set' ? `PUT ${key} ${bulkValue(index, valueSize)}\n` : `GET ${key}\n`;
  const keyPart = `$${key.length}${CR_LF}${key}${CR_LF}`;
  if (op === 'get') return `*2${CR_LF}$3${CR_LF}GET${CR_LF}${keyPart}`;
  return `*3${CR_LF}$3${CR_LF}SET${CR_LF}${keyPart}$${valueSize}${CR_LF}${bulkValue(index, valueSize)}${CR_LF}`;
}

export interface BulkSpec {
  endpoint: Endpoint;
  proto: Protocol;
  op: BulkOp;
  /** Key indices [from, to). */
  from: number;
  to: number;
  valueSize: number;
  connections: number;
  pipeline: number;
  /** The whole pass is abandoned (sockets destroyed) after this long. */
  timeoutMs: number;
}

export interface BulkResult {
  op: BulkOp;
  /** Requests answered. */
  answered: number;
  /** set: OK replies; get: values found, and equal to what was written. */
  ok: number;
  /** get: not found. */
  misses: number;
  /** Error replies, wrong values, replies of the wrong kind. */
  badReplies: number;
  /** Requests sent but never answered (connection lost, or the pass timed out). */
  unanswered: number;
  connectionErrors: number;
  timedOut: boolean;
  firstProblem: string | null;
  seconds: number;
  requestsPerSecond: number;
}

class Pass {
  cursor: number;
  answered = 0;
  ok = 0;
  misses = 0;
  badReplies = 0;
  unanswered = 0;
  connectionErrors = 0;
  firstProblem: string | null = null;

  constructor(readonly spec: BulkSpec) {
    this.cursor = spec.from;
  }

  problem(text: string): void {
    this.firstProblem ??= text;
  }

  /** Takes the next batch of key indices: [start, start + count). */
  take(): [number, number] {
    const start = this.cursor;
    const count = Math.min(this.spec.pipeline, this.spec.to - start);
    this.cursor += count;
    return [start, count];
  }
}

class BulkConnection implements ReplySink {
  private readonly scanner: ReplyScanner;
  private batchStart = 0;
  private batchCount = 0;
  private replied = 0;
  private finished = false;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((resolve) => (this.resolveDone = resolve));

  constructor(
    private readonly socket: net.Socket,
    private readonly pass: Pass,
  ) {
    this.scanner = createReplyScanner(pass.spec.proto);
    socket.on('data', (chunk: Buffer) => {
      try {
        this.scanner.push(chunk, this);
      } catch (err) {
        this.fail(`unparseable reply: ${(err as Error).message}`);
      }
    });
    socket.on('error', (err) => this.fail(err.message));
    socket.on('close', () => this.fail('server closed the connection'));
  }

  start(): void {
    this.sendNext();
  }

  /** Stops now, counting what is still owed as unanswered. */
  abandon(): void {
    if (this.finished) return;
    this.pass.unanswered += this.batchCount - this.replied;
    this.finish();
  }

  onReply(kind: ReplyKind, buf: Buffer, start: number, end: number): void {
    if (this.finished) return;
    const pass = this.pass;
    const index = this.batchStart + this.replied;
    this.replied++;
    pass.answered++;
    if (kind === REPLY_ERROR) {
      pass.badReplies++;
      pass.problem(`error reply for ${bulkKey(index)}: ${buf.toString('latin1', start, end)}`);
    } else if (pass.spec.op === 'set') {
      if (kind === REPLY_OK) pass.ok++;
      else {
        pass.badReplies++;
        pass.problem(`unexpected reply to SET ${bulkKey(index)}: ${buf.toString('latin1', start, end)}`);
      }
    } else if (kind === REPLY_NIL) {
      pass.misses++;
    } else {
      const got = buf.toString('latin1', start, end);
      if (got === bulkValue(index, pass.spec.valueSize)) pass.ok++;
      else {
        pass.badReplies++;
        pass.problem(`wrong value for ${bulkKey(index)}: '${got}'`);
      }
    }
    if (this.replied === this.batchCount) this.sendNext();
  }

  private sendNext(): void {
    const [start, count] = this.pass.take();
    this.batchStart = start;
    this.batchCount = count;
    this.replied = 0;
    if (count === 0) return this.finish();
    const { proto, op, valueSize } = this.pass.spec;
    let text = '';
    for (let i = 0; i < count; i++) text += encodeRequest(proto, op, start + i, valueSize);
    this.socket.write(Buffer.from(text, 'latin1'));
  }

  private fail(reason: string): void {
    if (this.finished) return;
    this.pass.connectionErrors++;
    this.pass.problem(reason);
    this.abandon();
  }

  private finish(): void {
    this.finished = true;
    this.socket.destroy();
    this.resolveDone();
  }
}

/** Runs one pass over keys [from, to); never rejects once connected, and never outlives timeoutMs. */
export async function runBulk(spec: BulkSpec): Promise<BulkResult> {
  const pass = new Pass(spec);
  const connects = await Promise.allSettled(Array.from({ length: spec.connections }, () => connectSocket(spec.endpoint, CONNECT_TIMEOUT_MS)));
  const conns: BulkConnection[] = [];
  for (const connect of connects) {
    if (connect.status === 'fulfilled') conns.push(new BulkConnection(connect.value, pass));
    else {
      pass.connectionErrors++;
      pass.problem(`connect: ${(connect.reason as Error).message}`);
    }
  }
  const began = performance.now();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    pass.problem(`pass did not finish within ${spec.timeoutMs} ms`);
    for (const conn of conns) conn.abandon();
  }, spec.timeoutMs);
  for (const conn of conns) conn.start();
  await Promise.all(conns.map((conn) => conn.done));
  clearTimeout(timer);
  const seconds = (performance.now() - began) / 1000;
  // Keys never taken (every connection died or the pass timed out) were not sent at all.
  const unsent = spec.to - pass.cursor;
  return {
    op: spec.op,
    answered: pass.answered,
    ok: pass.ok,
    misses: pass.misses,
    badReplies: pass.badReplies,
    unanswered: pass.unanswered + unsent,
    connectionErrors: pass.connectionErrors,
    timedOut,
    firstProblem: pass.firstProblem,
    seconds,
    requestsPerSecond: pass.answered / seconds,
  };
}

/** True if every request of the pass was answered without an error reply or a wrong value. */
export function bulkClean(result: BulkResult): boolean {
  return result.badReplies === 0 && result.unanswered === 0 && result.connectionErrors === 0 && !result.timedOut;
}
