import type * as net from 'node:net';
import type { OutBuffer } from '@kv/wire';
import type { ClientHost, ClientLike } from './host';
import type { ReplyOrder } from './reply-order';
import { log } from '../log';

/** Stop reading a client whose unsent replies pass this; resume on drain. */
const OUTPUT_HIGH_WATER = 1024 * 1024;
/**
 * Stop reading a client with this many replies owed; resume below half. Forwarded commands'
 * replies are not yet counted anywhere, so without it a client that never reads would have every
 * command it sends forwarded, answered by the peer and held here before the first byte is owed.
 */
const MAX_IN_FLIGHT = 1024;
/** How long a client closed by the server may go on sending (dropped) before its socket is destroyed. */
const LINGER_MS = 2000;

/** What Flow needs of its connection. */
export interface FlowClient extends ClientLike {
  readonly order: ReplyOrder;
}

/** What says a client's later input waits for a transaction of its own (its plans). */
export interface InputWait {
  readonly blocked: boolean;
  /** It waits for a blocked command (BLPOP ...): the socket is still read, so a client that leaves is noticed, as Redis does. */
  readonly blockedCommand: boolean;
}

/** Input kept unparsed behind a blocked command before the socket is paused after all. */
const BLOCKED_INPUT_BYTES = 64 * 1024;

/**
 * A client's flow control and lifecycle: when its input is read, stashed (during a transaction,
 * a resize's pause, or past the output limits) and replayed in order; backpressure on its
 * replies; and closing (QUIT, protocol errors, half-close, lingering on unread input).
 */
export class Flow {
  closed = false;
  /** QUIT or a protocol error: read nothing more, close once the owed replies are out. */
  closing = false;
  /** The client sent FIN: nothing more will come. */
  inputEnded = false;
  private pendingInput: Buffer[] = [];
  private paused = false;
  /** Closed by the server while the client may still send: its input is read and dropped. */
  private lingering = false;
  /** A 'drain' listener is set to resume reading. */
  private drainWait = false;

  constructor(
    private readonly client: FlowClient,
    private readonly socket: net.Socket,
    private readonly router: ClientHost,
    private readonly waits: InputWait,
  ) {}

  /** True when a read may be parsed now; else it waits (copied) behind what waits already. */
  accepts(chunk: Buffer): boolean {
    if (this.lingering) return false;
    if (!this.waits.blocked && !this.router.paused && this.pendingInput.length === 0) return true;
    // A copy: the chunk may be the worker's read buffer, reused by the next read.
    this.pendingInput.push(Buffer.from(chunk));
    if (!this.keepsReading()) this.socket.pause();
    return false;
  }

  /** Behind a blocked command the socket goes on being read (its end noticed), up to a bound. */
  private keepsReading(): boolean {
    if (!this.waits.blockedCommand || this.router.paused) return false;
    let bytes = 0;
    for (const chunk of this.pendingInput) bytes += chunk.length;
    return bytes <= BLOCKED_INPUT_BYTES;
  }

  /** The rest of a read, from `pos`, waits: for a transaction, or (`forOutput`) for replies to drain. */
  stash(chunk: Buffer, pos: number, forOutput: boolean): void {
    if (pos < chunk.length) this.pendingInput.push(Buffer.from(chunk.subarray(pos)));
    if (forOutput) this.paused = true;
    if (forOutput || !this.keepsReading()) this.socket.pause();
  }

  /**
   * Too many replies owed to read on: past MAX_IN_FLIGHT, or any while a peer link is past its
   * high-water mark of unsent bytes (a client feeding it stops until its own replies are back).
   */
  tooManyInFlight(): boolean {
    const inFlight = this.client.order.inFlight;
    return inFlight > MAX_IN_FLIGHT || (inFlight > 0 && this.router.peers.blocked > 0);
  }

  /** A read is done: close if asked to; or look again once this turn is over for stashed input nothing else will resume. */
  afterRead(): void {
    if (this.closing) this.closeWhenSettled();
    // Stashed with nothing left to drain or to come back (the socket took every byte): no 'drain'
    // or reply will resume it.
    else if (this.paused && !this.closed && !this.drainWait && this.pendingInput.length > 0) setImmediate(() => this.maybeResume());
  }

  write(bytes: Buffer): void {
    if (this.closed) return;
    this.router.net.output += bytes.length;
    this.socket.write(bytes);
    this.checkOutput();
  }

  /** Writes what `out` holds (a copy: `out` is reused for the next client) and empties it. */
  writeOut(out: OutBuffer): void {
    if (this.closed) return out.clear();
    this.write(out.take());
  }

  /**
   * Backpressure: replies owed (unsent on the socket, or held behind an owed one) past the
   * high-water mark stop reading from this client until they drain; past the client output
   * limit the client is closed, so one client that never reads cannot grow the server.
   */
  checkOutput(): void {
    const order = this.client.order;
    const owed = this.socket.writableLength + order.heldBytes;
    if (owed > this.router.limits.clientOutputLimit) {
      log('warn', 'client closed for overcoming of output buffer limits', { worker: this.router.self, class: 'normal', owed, limit: this.router.limits.clientOutputLimit });
      return this.closeForOutput();
    }
    if ((owed > OUTPUT_HIGH_WATER || order.inFlight > MAX_IN_FLIGHT) && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    if (this.paused) this.waitForDrain();
  }

  /** Closes the client for what it left unread (client-output-limit, or its class's client-output-buffer-limit): counted. */
  closeForOutput(): void {
    if (this.closed) return;
    this.router.outputLimitClosed++;
    this.closed = true;
    this.socket.destroy();
  }

  /** One 'drain' listener at a time, however often a paused client is checked. */
  private waitForDrain(): void {
    if (this.drainWait || this.socket.writableLength === 0) return;
    this.drainWait = true;
    this.socket.once('drain', () => {
      this.drainWait = false;
      this.maybeResume();
    });
  }

  maybeResume(): void {
    if (!this.paused || this.closed || this.router.draining || this.router.paused || this.closing || this.waits.blocked) return;
    const order = this.client.order;
    if (this.socket.writableLength + order.heldBytes > OUTPUT_HIGH_WATER) return this.waitForDrain();
    // Owed replies still coming: the connection checks again as they are written.
    if (order.inFlight > MAX_IN_FLIGHT / 2 || (order.inFlight > 0 && this.router.peers.blocked > 0)) return;
    this.paused = false;
    if (this.pendingInput.length > 0) this.replayInput();
    else this.socket.resume();
  }

  /** A resize's pause is over: run what this client sent during it. */
  resumeInput(): void {
    if (this.closed) return;
    if (!this.waits.blocked) this.replayInput();
    // Replies that drained during the pause left it waiting for a 'drain' that has come and gone.
    this.maybeResume();
  }

  /** Runs what waited, in order; a chunk that meets a new transaction or pause waits again. */
  replayInput(): void {
    const input = this.pendingInput;
    this.pendingInput = [];
    if (!this.paused && !this.router.draining && !this.router.paused && !this.closing && !this.inputEnded) this.socket.resume();
    for (const chunk of input) this.router.receive(this.client, chunk, true);
    this.finishIfInputDone();
  }

  /** Input that waited is never run (its client left while blocked). */
  dropInput(): void {
    this.pendingInput = [];
  }

  /** After a half-close: once everything sent is answered, close. */
  finishIfInputDone(): void {
    if (!this.inputEnded || this.waits.blocked || this.pendingInput.length > 0) return;
    this.closing = true;
    this.closeWhenSettled();
  }

  /** Stops reading; replies already owed still go out. */
  stopReading(): void {
    this.socket.pause();
    this.paused = true;
  }

  closeWhenSettled(): void {
    this.stopReading();
    if (this.client.order.waiting || this.lingering) return;
    this.socket.end();
    if (!this.inputEnded) this.linger();
  }

  /**
   * After QUIT or a protocol error, the client may still be sending. Closing with its bytes
   * unread would reset the connection, and a reset can destroy the last replies before the client
   * reads them; waiting for it to close would leave a client that never reads its replies stuck
   * writing. So read and drop its input until it closes, for at most LINGER_MS.
   */
  private linger(): void {
    this.lingering = true;
    const socket = this.socket;
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    socket.once('close', () => clearTimeout(timer));
    socket.resume();
  }
}
