import type * as net from 'node:net';
import * as path from 'node:path';
import { log } from '../log';
import type { PrimaryMessage, WorkerMessage } from './messages';

/** More restarts than this of one worker within RESTART_WINDOW_MS means it cannot run: give up. */
export const MAX_RESTARTS = 5;
export const RESTART_WINDOW_MS = 30_000;

/** What the primary uses of a cluster Worker (unit tests pass fakes). */
export interface WorkerLike {
  readonly process: { readonly pid?: number; kill(signal?: NodeJS.Signals): boolean };
  isConnected(): boolean;
  send(message: PrimaryMessage): boolean;
  /** With a handle: a client port's listening socket (accepting.ts). */
  send(message: PrimaryMessage, handle: net.Socket, options: { keepOpen?: boolean }, callback: (err: Error | null) => void): boolean;
  on(event: 'message', listener: (message: WorkerMessage) => void): unknown;
  on(event: 'exit', listener: (code: number | null, signal: string | null) => void): unknown;
  on(event: 'error', listener: (err: Error) => void): unknown;
}

/** One worker index: the process running it now (if any) and what the primary knows of it. */
export interface Slot<W extends WorkerLike = WorkerLike> {
  worker: W | null;
  peerPath: string | null;
  generation: number;
  ready: boolean;
  drained: boolean;
  /** When it was restarted, within the last RESTART_WINDOW_MS. */
  restarts: number[];
  /** A resize is removing it: it gets no new clients, and its exit is not a crash. */
  retiring: boolean;
  /** Called once it is linked to its peers (ready) or has exited (a resize waits for these). */
  onReady: ((ok: boolean) => void) | null;
  onExit: (() => void) | null;
}

export function newSlot<W extends WorkerLike>(): Slot<W> {
  return { worker: null, peerPath: null, generation: 0, ready: false, drained: false, restarts: [], retiring: false, onReady: null, onExit: null };
}

/** True when a worker that crashed at `now` may be restarted: no more than `max` crashes within `windowMs`. Records the crash. */
export function recordCrash(slot: Slot, now: number, max = MAX_RESTARTS, windowMs = RESTART_WINDOW_MS): boolean {
  slot.restarts = slot.restarts.filter((t) => now - t < windowMs);
  slot.restarts.push(now);
  return slot.restarts.length <= max;
}

/** What the pool needs from outside: how to fork, and whom to tell. */
export interface PoolDeps<W extends WorkerLike> {
  /** Forks the process for worker `index`, peer socket at `peerPath` (cluster.fork with the worker's environment). */
  fork(index: number, peerPath: string): W;
  /** Sent to every new worker first, before its listening sockets (the password, TLS material). */
  greeting(): PrimaryMessage[];
  /** Where peer sockets live; a dead worker's is removed. */
  runDir: string;
  removeFile(file: string): void;
  now(): number;
  /** The map's worker count: a worker at or past it that exits was being added, and is not restarted. */
  mapWorkers(): number;
  /** Shutting down: workers that exit are not restarted. */
  stopping(): boolean;
  /** A message from a slot's current worker, after the pool's own bookkeeping. */
  message(index: number, message: WorkerMessage): void;
  /** A slot's worker exited: what was handed to it or asked of it is lost. Before the slot's waiters run. */
  exited(index: number, code: number | null, signal: string | null): void;
  /** A worker exited while shutting down (after its slot is cleared). */
  exitedWhileStopping(): void;
  /** Restarting worker `index` (before the fork, which reads the restart count). */
  restarting(index: number): void;
  /** A worker keeps dying: the cluster cannot run. */
  giveUp(): void;
}

/**
 * The worker slots: forks each worker, tracks its process through start-up (peer socket listening,
 * ready), and restarts one that dies with the same index (its shards come back empty), unless it
 * dies too often, a resize is removing it, or the cluster is shutting down.
 */
export class WorkerPool<W extends WorkerLike = WorkerLike> {
  readonly slots: Slot<W>[] = [];

  constructor(private readonly deps: PoolDeps<W>) {}

  /** Slot `index`, created if there is none (a resize adding workers). */
  slot(index: number): Slot<W> {
    return this.slots[index] ?? (this.slots[index] = newSlot<W>());
  }

  /** Drops the slots from `count` up (a resize removed them). */
  truncate(count: number): void {
    this.slots.length = Math.min(this.slots.length, count);
  }

  /** Indexes of the workers running now. */
  running(): number[] {
    return this.slots.flatMap((s, index) => (s.worker !== null && s.worker.isConnected() ? [index] : []));
  }

  /** The worker of `index` if it runs and its channel is open. */
  connected(index: number): W | null {
    const worker = this.slots[index]?.worker;
    return worker != null && worker.isConnected() ? worker : null;
  }

  broadcast(message: PrimaryMessage): void {
    for (const s of this.slots) if (s.worker !== null && s.worker.isConnected()) s.worker.send(message);
  }

  /** Every worker's peer socket path, null for those not listening. */
  peerMap(): (string | null)[] {
    return this.slots.map((s) => (s.peerPath !== null && s.worker !== null ? s.peerPath : null));
  }

  allReady(): boolean {
    return this.slots.every((s) => s.ready);
  }

  allExited(): boolean {
    return this.slots.every((s) => s.worker === null);
  }

  allDrained(): boolean {
    return this.slots.every((s) => s.worker === null || s.drained);
  }

  fork(index: number): void {
    const slot = this.slot(index);
    slot.generation++;
    slot.ready = false;
    slot.drained = false;
    const peerPath = path.join(this.deps.runDir, `w${index}.${slot.generation}.sock`);
    const worker = this.deps.fork(index, peerPath);
    slot.worker = worker;
    slot.peerPath = null;
    // Before any client message (the channel keeps order): the password is not in the environment.
    for (const message of this.deps.greeting()) worker.send(message);
    log('debug', 'worker forked', { worker: index, worker_pid: worker.process.pid, generation: slot.generation });
    worker.on('message', (message: WorkerMessage) => this.onMessage(index, worker, peerPath, message));
    worker.on('exit', (code, signal) => this.onExit(index, worker, code, signal));
    // A send racing the worker's exit fails on the closed channel; the exit handler does the rest.
    worker.on('error', (err) => log('warn', 'worker channel error', { worker: index, error: err.message }));
  }

  private onMessage(index: number, worker: W, peerPath: string, message: WorkerMessage): void {
    const slot = this.slots[index];
    // A message from a process this slot has replaced (or a slot a resize removed).
    if (slot?.worker !== worker) return;
    if (message.t === 'peer-listening') slot.peerPath = peerPath;
    else if (message.t === 'drained') slot.drained = true;
    else if (message.t === 'ready') slot.ready = true;
    this.deps.message(index, message);
    if (message.t === 'ready') {
      slot.onReady?.(true);
      slot.onReady = null;
    }
  }

  private onExit(index: number, worker: W, code: number | null, signal: string | null): void {
    const slot = this.slots[index];
    if (slot?.worker !== worker) return;
    slot.worker = null;
    slot.ready = false;
    if (slot.peerPath !== null) this.deps.removeFile(slot.peerPath);
    slot.peerPath = null;
    this.deps.exited(index, code, signal);
    slot.onReady?.(false);
    slot.onReady = null;
    const onExit = slot.onExit;
    slot.onExit = null;
    onExit?.();
    if (this.deps.stopping()) return this.deps.exitedWhileStopping();
    // Retired by a resize, or added by one that then failed: not a crash, nothing to restart.
    if (slot.retiring) return;
    if (index >= this.deps.mapWorkers()) return log('warn', 'worker being added died', { worker: index, code, signal });
    if (!recordCrash(slot, this.deps.now())) {
      log('error', 'worker keeps dying, giving up', { worker: index, restarts: slot.restarts.length, window_ms: RESTART_WINDOW_MS });
      return this.deps.giveUp();
    }
    log('warn', 'worker died, restarting with its shards empty', { worker: index, code, signal });
    this.deps.restarting(index);
    this.fork(index);
  }
}
