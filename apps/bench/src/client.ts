import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import type { Endpoint } from './cli';
import type { Keyspace } from './keyspace';
import type { LoadState } from './loadState';
import {
  createReplyScanner,
  REPLY_ERROR,
  REPLY_NIL,
  REPLY_OK,
  REPLY_VALUE,
  type Protocol,
  type ReplyKind,
  type ReplyScanner,
  type ReplySink,
} from './replyScanner';

const OP_GET = 0;
const OP_PUT = 1;
const PREFILL_BATCH = 64;

const MODE_IDLE = 0;
const MODE_PREFILL = 1;
const MODE_LOAD = 2;

export function connectSocket(endpoint: Endpoint, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = endpoint.ca === undefined ? net.connect({ host: endpoint.host, port: endpoint.port }) : tls.connect({ host: endpoint.host, port: endpoint.port, ca: endpoint.ca });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${endpoint.host}:${endpoint.port} timed out`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    socket.once(endpoint.ca === undefined ? 'connect' : 'secureConnect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      // Errors are counted by whoever uses the socket next; this only keeps an idle socket's error from being uncaught.
      socket.on('error', () => {});
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}

export interface ConnectionSettings {
  protocol: Protocol;
  pipeline: number;
  getRatio: number;
}

/**
 * One closed-loop connection: sends a batch of requests in one write, checks each reply in order
 * against what it sent, and sends the next batch only when the whole batch is answered.
 */
export class BenchConnection implements ReplySink {
  /** Worker index reported by STATS, when asked. */
  worker: number | null = null;
  private keys: Int32Array = new Int32Array(0);
  private readonly scanner: ReplyScanner;
  private readonly pipeline: number;
  private readonly getThreshold: number;
  private readonly batchOps: Uint8Array;
  private readonly batchKeys: Int32Array;
  /** For GETs: the key's counter when the GET was sent, i.e. what the reply must show. */
  private readonly batchExpected: Float64Array;
  /** Two, alternated, so a batch is never encoded over bytes a pending write may still hold. */
  private readonly buffers: [Buffer, Buffer];
  private flip = 0;
  private mode = MODE_IDLE;
  private inFlight = 0;
  private replied = 0;
  private sentAt = 0;
  private receivedAt = 0;
  private prefillNext = 0;
  private rng: number;
  private closed = false;
  private closing = false;
  private waiter: (() => void) | null = null;

  constructor(
    private readonly socket: net.Socket,
    private readonly keyspace: Keyspace,
    private readonly state: LoadState,
    settings: ConnectionSettings,
  ) {
    this.scanner = createReplyScanner(settings.protocol);
    this.pipeline = settings.pipeline;
    this.getThreshold = settings.getRatio * 2 ** 32;
    const slots = Math.max(settings.pipeline, PREFILL_BATCH);
    this.batchOps = new Uint8Array(slots);
    this.batchKeys = new Int32Array(slots);
    this.batchExpected = new Float64Array(slots);
    this.buffers = [Buffer.allocUnsafe(slots * keyspace.maxRequestBytes), Buffer.allocUnsafe(slots * keyspace.maxRequestBytes)];
    this.rng = (Math.random() * 0xffffffff) | 1;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => {
      if (!this.closing) this.state.noteError('connectionErrors', () => err.message);
    });
    socket.on('close', () => {
      if (!this.closing && !this.closed) this.state.noteError('connectionErrors', () => 'server closed the connection');
      this.closed = true;
      this.settle();
    });
  }

  setKeys(keys: Int32Array): void {
    this.keys = keys;
  }

  get keyCount(): number {
    return this.keys.length;
  }

  /** True while a batch is unanswered. */
  get busy(): boolean {
    return this.mode !== MODE_IDLE && !this.closed;
  }

  /** Writes each of this connection's keys once; resolves when all are acknowledged (or the socket closed). */
  prefill(): Promise<void> {
    if (this.keys.length === 0 || this.closed) return Promise.resolve();
    this.mode = MODE_PREFILL;
    this.prefillNext = 0;
    const done = this.waitForIdle();
    this.sendBatch();
    return done;
  }

  startLoad(): void {
    if (this.keys.length === 0 || this.closed) return;
    this.mode = MODE_LOAD;
    this.sendBatch();
  }

  /** Resolves once the batch in flight (if any) is answered after LoadState.stopping was set. */
  waitForIdle(): Promise<void> {
    if (this.closed || this.mode === MODE_IDLE) return Promise.resolve();
    return new Promise((resolve) => (this.waiter = resolve));
  }

  close(): void {
    this.closing = true;
    this.socket.destroy();
  }

  private settle(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  private nextRandom(): number {
    let x = this.rng;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.rng = x;
    return x >>> 0;
  }

  private sendBatch(): void {
    const out = this.buffers[(this.flip ^= 1)];
    const keyspace = this.keyspace;
    let at = 0;
    let count: number;
    if (this.mode === MODE_PREFILL) {
      count = Math.min(PREFILL_BATCH, this.keys.length - this.prefillNext);
      for (let i = 0; i < count; i++) {
        const key = this.keys[this.prefillNext++];
        this.batchOps[i] = OP_PUT;
        this.batchKeys[i] = key;
        at = keyspace.writePut(key, out, at);
      }
    } else {
      count = this.pipeline;
      for (let i = 0; i < count; i++) {
        const key = this.keys[this.nextRandom() % this.keys.length];
        this.batchKeys[i] = key;
        if (this.nextRandom() < this.getThreshold) {
          this.batchOps[i] = OP_GET;
          this.batchExpected[i] = keyspace.lastCounter(key);
          at = keyspace.writeGet(key, out, at);
        } else {
          this.batchOps[i] = OP_PUT;
          at = keyspace.writePut(key, out, at);
        }
      }
    }
    this.inFlight = count;
    this.replied = 0;
    this.sentAt = performance.now();
    this.socket.write(out.subarray(0, at));
  }

  private onData(chunk: Buffer): void {
    this.receivedAt = performance.now();
    try {
      this.scanner.push(chunk, this);
    } catch (err) {
      this.state.noteError('unexpectedReplies', () => `unparsable reply bytes: ${(err as Error).message}`);
      this.socket.destroy();
    }
  }

  onReply(kind: ReplyKind, buf: Buffer, start: number, end: number): void {
    if (this.replied >= this.inFlight) {
      this.state.noteError('unexpectedReplies', () => `reply with no request outstanding: '${buf.toString('latin1', start, end)}'`);
      return;
    }
    const i = this.replied++;
    const key = this.batchKeys[i];
    if (this.batchOps[i] === OP_PUT) {
      if (kind !== REPLY_OK) this.reportBadReply(kind, 'PUT', key, 'OK', buf, start, end);
    } else if (kind === REPLY_VALUE) {
      const expected = this.batchExpected[i];
      if (!this.keyspace.matchesValue(key, expected, buf, start, end)) {
        this.state.noteError(
          'mismatches',
          () => `GET key:${key} expected '${this.keyspace.expectedValueText(key, expected)}' or NOTFOUND, got '${buf.toString('latin1', start, end)}'`,
        );
      }
    } else if (kind !== REPLY_NIL) {
      this.reportBadReply(kind, 'GET', key, 'a value or NOTFOUND', buf, start, end);
    }
    if (this.state.measuring && this.mode === MODE_LOAD) {
      this.state.ops++;
      this.state.latency.record((this.receivedAt - this.sentAt) * 1000);
    }
    if (this.replied === this.inFlight) this.onBatchAnswered();
  }

  private reportBadReply(kind: ReplyKind, op: string, key: number, wanted: string, buf: Buffer, start: number, end: number): void {
    this.state.noteError(kind === REPLY_ERROR ? 'errorReplies' : 'unexpectedReplies', () => {
      const got = kind === REPLY_NIL ? 'NOTFOUND/nil' : `'${buf.toString('latin1', start, end)}'`;
      return `${op} key:${key} expected ${wanted}, got ${got}`;
    });
  }

  private onBatchAnswered(): void {
    if (this.mode === MODE_PREFILL) {
      if (this.prefillNext < this.keys.length) return this.sendBatch();
    } else if (!this.state.stopping) {
      return this.sendBatch();
    }
    this.mode = MODE_IDLE;
    this.inFlight = 0;
    this.settle();
  }
}
