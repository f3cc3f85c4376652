import type * as net from 'node:net';
import { HEARTBEAT_MS, type BalanceView } from '../primary/balance';
import { destroySocket, plainSocketFor } from './client-socket';
import { listenOn, type Listening } from './listen-handle';
import type { ListenerKind } from '../primary/listeners';
import type { WorkerMessage } from '../primary/messages';

/** A worker stops accepting once it has more than its share times this, plus PAUSE_SLACK... */
export const PAUSE_ABOVE = 1.1;
export const PAUSE_SLACK = 3;
/** ...and accepts again once it is back under its share times this, plus RESUME_SLACK. */
export const RESUME_BELOW = 1.04;
export const RESUME_SLACK = 2;
/** However the counts look, a pause ends after this long (the view may be wrong; the next accept decides again). */
export const MAX_PAUSE_MS = 1000;
/** A change of this worker's clients is reported within this long (a burst makes a few reports, not one per client)... */
const REPORT_COALESCE_MS = 10;
/**
 * ...or at once when it moved by this many since the last report: in a burst a worker accepts
 * for tens of milliseconds in one turn, where no timer fires, and the others would pause (and
 * stay paused) on a count of it that many turns old. Each report costs an IPC message and the
 * primary a view: every 8 clients (with tighter thresholds) took the primary's CPU per client in
 * a burst of 2,000 from about 11 to 20 µs.
 */
export const REPORT_STEP = 32;

/** What the acceptor needs of the worker around it. */
export interface AcceptorHost {
  readonly self: number;
  /** This worker's clients now. */
  clients(): number;
  /** Serves a new client (the Router: protected mode, maxclients, then a Conn). */
  adopt(socket: net.Socket): void;
  /** The socket a plain client's raw handle is read through (Router.socketFor). */
  socketFor(handle: unknown): net.Socket;
  /** Wraps a socket of the TLS port (null: none configured, the socket is closed). */
  tls(socket: net.Socket): net.Socket | null;
  send(message: WorkerMessage): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, fields: Record<string, unknown>): void;
}

/** Is a worker with `mine` clients, seeing `view`, past its share times `above` plus `slack`? (Only live workers share.) */
export function pastShare(self: number, mine: number, view: BalanceView, above: number, slack: number): boolean {
  let others = 0;
  let live = 1;
  for (let i = 0; i < view.counts.length; i++) {
    if (i === self || !view.live[i]) continue;
    others += view.counts[i];
    live++;
  }
  if (live < 2) return false;
  return mine > ((mine + others) / live) * above + slack;
}

/** One client port as this worker accepts from it: its copy listening now, and a spare copy of the socket. */
interface Port {
  server: Listening | null;
  /** A copy of the listening socket not listened on yet: resuming takes no round trip to the primary. */
  spare: unknown;
}

/**
 * A worker's side of accepting clients (ARCHITECTURE.md, "Accepting clients"): listens on the
 * client ports' sockets the primary sends (one kernel queue shared by every worker), serves what
 * it accepts, and reports its clients. Past its share, a worker that is not the keeper stops
 * accepting (closes its copy of each socket) until it is back within it; the keeper instead
 * yields, taking at most one client per turn of its event loop while past its share, so the
 * others take the rest of a burst. Each port keeps a spare copy, so either resumes at once.
 */
export class Acceptor {
  private readonly ports = new Map<ListenerKind, Port>();
  private backlog = 511;
  private view: BalanceView | null = null;
  /** The epoch of the last `keep` this worker was sent: it keeps while the view's epoch is below it. */
  private keepEpoch = 0;
  /** A `kept` to send once every port listens again. */
  private owedKept = 0;
  paused = false;
  private pausedAt = 0;
  private yielding = false;
  private closed = false;
  private reportTimer: NodeJS.Timeout | null = null;
  /** The count last sent to the primary. */
  private reported = 0;
  private readonly heartbeat: NodeJS.Timeout;
  /** The kinds listened on at least once (the primary waits for each worker's first). */
  private readonly announced = new Set<ListenerKind>();
  /** Times it stopped accepting for balance: paused, and yielded as the keeper (for STATS). */
  pauses = 0;
  yields = 0;

  constructor(private readonly host: AcceptorHost) {
    this.heartbeat = setInterval(() => {
      this.report();
      if (this.paused) this.maybeResume();
    }, HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** The primary sent a copy of a listening socket: listen on it, or keep it as the spare. */
  listen(kind: ListenerKind, handle: unknown, backlog: number): void {
    this.backlog = backlog;
    if (handle === undefined || handle === null) return;
    const port = this.ports.get(kind) ?? { server: null, spare: null };
    this.ports.set(kind, port);
    if (this.closed || port.spare !== null) return closeHandle(handle);
    port.spare = handle;
    if (port.server === null && !this.paused && !this.yielding) this.open(kind, port);
  }

  /** The primary's view of every worker's clients and the keeper. */
  balance(view: BalanceView): void {
    this.view = view;
    // A worker past its share stops before its next accept, not after (a resize just added workers).
    if (this.paused) this.maybeResume();
    else if (this.shouldPause()) this.pause();
  }

  /** Asked to be the keeper: accept from now on, then say so. */
  keep(epoch: number): void {
    this.keepEpoch = epoch;
    if (this.closed) return;
    if (this.paused) this.resume();
    this.owedKept = epoch;
    this.settleKept();
  }

  /** Says `kept` once every port has a listening server (a resume may wait for a copy of a socket). */
  private settleKept(): void {
    if (this.owedKept === 0) return;
    for (const port of this.ports.values()) if (port.server === null) return;
    this.host.send({ t: 'kept', epoch: this.owedKept });
    this.owedKept = 0;
  }

  /** Stops accepting for good (drain, retire): the clients in the queue are left to the other workers. */
  close(): void {
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const port of this.ports.values()) {
      port.server?.close();
      port.server = null;
      if (port.spare !== null) closeHandle(port.spare);
      port.spare = null;
    }
  }

  /** A client came or left: report the count soon, or now when it moved by REPORT_STEP. */
  changed(): void {
    if (Math.abs(this.host.clients() - this.reported) >= REPORT_STEP) return this.report();
    if (this.reportTimer !== null) return;
    this.reportTimer = setTimeout(() => this.report(), REPORT_COALESCE_MS);
  }

  private report(): void {
    if (this.reportTimer !== null) clearTimeout(this.reportTimer);
    this.reportTimer = null;
    if (this.closed) return;
    this.reported = this.host.clients();
    this.host.send({ t: 'clients', clients: this.reported });
  }

  private keeping(): boolean {
    const view = this.view;
    return view === null || view.keeper === this.host.self || this.keepEpoch > view.epoch;
  }

  private past(above: number, slack: number): boolean {
    return this.view !== null && pastShare(this.host.self, this.host.clients(), this.view, above, slack);
  }

  /** May this worker stop accepting now? Only when another live worker keeps accepting. */
  private shouldPause(): boolean {
    const view = this.view;
    if (view === null || this.keeping() || view.keeper < 0 || !view.live[view.keeper]) return false;
    return this.past(PAUSE_ABOVE, PAUSE_SLACK);
  }

  private open(kind: ListenerKind, port: Port): void {
    const handle = port.spare;
    if (handle === null || this.closed) return;
    port.spare = null;
    port.server = listenOn(
      handle,
      this.backlog,
      (client) => this.accepted(kind, kind === 'tls' ? plainSocketFor(client) : this.host.socketFor(client)),
      (socket) => this.accepted(kind, socket),
      (err) => this.failed(kind, err),
    );
    if (!this.announced.has(kind)) {
      this.announced.add(kind);
      this.host.send({ t: 'listening', kind });
    }
    // The copy just used is replaced, so the next pause or yield can resume at once again.
    this.host.send({ t: 'relisten', kind });
    this.settleKept();
  }

  private stopListening(): void {
    for (const port of this.ports.values()) {
      port.server?.close();
      port.server = null;
    }
  }

  private resumeListening(): void {
    for (const [kind, port] of this.ports) if (port.server === null) this.open(kind, port);
  }

  private accepted(kind: ListenerKind, socket: net.Socket): void {
    // First, before anything can fail on it: an unheard error would kill the worker.
    socket.on('error', destroySocket);
    if (kind === 'tls') {
      const secure = this.host.tls(socket);
      if (secure === null) return void socket.destroy();
      this.host.adopt(secure);
    } else this.host.adopt(socket);
    if (this.paused || this.yielding || this.closed) return;
    // Checked at every accept, so a worker that wakes first to a burst stops at its share.
    if (this.shouldPause()) this.pause();
    else if (this.keeping() && this.past(PAUSE_ABOVE, PAUSE_SLACK)) this.yieldTurn();
  }

  /** The keeper past its share: leave the rest of what is queued to the others until the next turn. */
  private yieldTurn(): void {
    this.yields++;
    this.yielding = true;
    this.stopListening();
    // Now, not within REPORT_COALESCE_MS: the others paused on counts where it had fewer, and resume on the view this makes.
    this.report();
    setImmediate(() => {
      this.yielding = false;
      if (!this.paused) this.resumeListening();
    });
  }

  private pause(): void {
    this.host.log('debug', 'paused accepting', { worker: this.host.self, clients: this.host.clients(), view: this.view });
    this.pauses++;
    this.paused = true;
    this.pausedAt = Date.now();
    this.stopListening();
    this.report();
  }

  private maybeResume(): void {
    const view = this.view;
    const long = Date.now() - this.pausedAt >= MAX_PAUSE_MS;
    const keeperGone = view === null || view.keeper < 0 || !view.live[view.keeper];
    if (long || keeperGone || this.keeping() || !this.past(RESUME_BELOW, RESUME_SLACK)) this.resume();
  }

  private resume(): void {
    if (this.closed) return;
    this.host.log('debug', 'resumed accepting', { worker: this.host.self, clients: this.host.clients(), view: this.view });
    this.paused = false;
    if (!this.yielding) this.resumeListening();
  }

  /** EMFILE and the like: this worker cannot take clients now; the others can. */
  private failed(kind: ListenerKind, err: NodeJS.ErrnoException): void {
    this.host.log('warn', 'cannot accept a client', { worker: this.host.self, port: kind, error: err.code ?? err.message });
    if (!this.paused && !this.keeping()) this.pause();
  }
}

function closeHandle(handle: unknown): void {
  (handle as { close?: () => void }).close?.();
}
