import type * as net from 'node:net';
import { Admission } from './admission';
import { AcceptBalance, HEARTBEAT_MS } from './balance';
import type { ClientListeners, ListenerKind } from './listeners';
import type { WorkerMessage } from './messages';
import type { WorkerPool } from './slots';

/** What the primary does for the workers that accept clients: hands out the sockets once, balances. */
export interface AcceptingDeps {
  listeners: ClientListeners;
  pool: WorkerPool;
  maxclients: number;
  /** Every worker listens on every client port: the server accepts (logged once as the ready line). */
  allListening(): void;
}

/**
 * Gives each ready worker a copy of the client ports' listening sockets (and another each time it
 * uses its spare: acceptor.ts), learns when the server first accepts, and runs the balance
 * (balance.ts) over the workers' reports of their clients. The primary never accepts a client.
 */
export class Accepting {
  readonly balance: AcceptBalance;
  readonly admission: Admission;
  /** Cleared by the first start, after which a worker that becomes ready gets the sockets at once. */
  private started = false;
  private announced = false;
  /** Per worker index: the sockets were sent to its current process. */
  private readonly given: boolean[] = [];
  /** Per worker index: the kinds its current process said it listens on. */
  private readonly listening: Set<ListenerKind>[] = [];
  private readonly timer: NodeJS.Timeout;
  private stopped = false;

  constructor(private readonly deps: AcceptingDeps) {
    const { pool } = deps;
    this.balance = new AcceptBalance({
      slots: () => pool.slots.length,
      eligible: (index) => {
        const slot = pool.slots[index];
        return this.given[index] === true && slot !== undefined && slot.ready && !slot.retiring && pool.connected(index) !== null;
      },
      send: (index, message) => pool.connected(index)?.send(message),
      broadcast: (message) => pool.broadcast(message),
      now: Date.now,
      setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
    });
    this.admission = new Admission(deps.maxclients, {
      running: () => pool.running(),
      send: (index, message) => pool.connected(index)?.send(message),
      setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
    });
    this.timer = setInterval(() => this.balance.tick(), HEARTBEAT_MS);
    this.timer.unref();
  }

  /** Every worker is ready for the first time: give them all the sockets. */
  start(): void {
    this.started = true;
    for (const index of this.deps.pool.running()) if (this.deps.pool.slots[index].ready) this.give(index);
  }

  /** Worker `index` is ready (restarted, or added by a resize): it accepts too, once started. */
  ready(index: number): void {
    if (this.started) this.give(index);
  }

  /** Worker `index`'s process is gone: it holds no socket and no clients. */
  exited(index: number): void {
    this.given[index] = false;
    this.listening[index] = new Set();
    this.balance.forget(index);
    this.admission.forget(index);
  }

  /** Handles the messages of this part; false for the others. */
  message(index: number, message: WorkerMessage): boolean {
    switch (message.t) {
      case 'listening':
        (this.listening[index] ??= new Set()).add(message.kind);
        this.checkAllListening();
        return true;
      case 'clients':
        this.balance.report(index, message.clients);
        return true;
      case 'relisten':
        this.give(index, message.kind);
        return true;
      case 'kept':
        this.balance.kept(index, message.epoch);
        return true;
      case 'admit':
        this.admission.ask(index, message.want);
        return true;
      case 'returned':
        this.admission.returned(index, message.count);
        return true;
      default:
        return false;
    }
  }

  /** Shutting down: the primary's copies close; the workers close theirs as they drain. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.deps.listeners.close();
  }

  /** Sends worker `index` a copy of each client port's socket (or of `only`'s). */
  private give(index: number, only?: ListenerKind): void {
    const worker = this.deps.pool.connected(index);
    if (worker === null || this.stopped) return;
    this.given[index] = true;
    const { listeners } = this.deps;
    for (const kind of listeners.kinds()) {
      if (only !== undefined && kind !== only) continue;
      const handle = listeners.handle(kind);
      if (handle === null) continue;
      // A send racing the worker's exit fails on the closed channel; the exit handler does the rest.
      worker.send({ t: 'listen', kind, backlog: listeners.backlog }, handle as unknown as net.Socket, {}, () => {});
    }
    // It may take clients from now on: the others learn it within VIEW_COALESCE_MS, so that after a
    // resize the old workers stop at their new share before the next heartbeat, not 100 ms later.
    this.balance.refresh();
  }

  private checkAllListening(): void {
    if (this.announced || !this.started) return;
    const kinds = this.deps.listeners.kinds();
    const { pool } = this.deps;
    for (let index = 0; index < pool.slots.length; index++) {
      if (!kinds.every((kind) => this.listening[index]?.has(kind))) return;
    }
    this.announced = true;
    this.deps.allListening();
  }
}
