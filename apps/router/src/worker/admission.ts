import type * as net from 'node:net';
import type { WorkerMessage } from '../primary/messages';

/**
 * Places of maxclients a worker keeps unused, so that admitting a client asks no one: an eighth of
 * an even share, 1 to 64. Near the limit the others' unused places are reclaimed for a client that
 * needs one, so the headroom never turns a client away while the server has room.
 */
export function headroom(maxclients: number, workers: number): number {
  return Math.max(1, Math.min(64, Math.floor(maxclients / (8 * Math.max(1, workers)))));
}

export interface AdmissionHost {
  /** This worker's clients now. */
  clients(): number;
  /** Serves a client that has a place (Router.serve: it joins `clients()` at once, unless it is gone). */
  serve(socket: net.Socket): void;
  /** Turns a client away: the server is full (Router.refuse). */
  refuse(socket: net.Socket): void;
  send(message: WorkerMessage): void;
}

/**
 * A worker's side of maxclients (primary/admission.ts): it holds places the primary granted, admits
 * a client at once while its clients are fewer, and otherwise holds the client (accepted, unread)
 * until the primary grants a place or says the server is full.
 */
export class WorkerAdmission {
  /** Places granted to this worker and not given back: its clients plus its unused ones. */
  private granted = 0;
  private asked = false;
  private serving = false;
  /** The server has no free place: keep no headroom, give back each place as it frees up. */
  private scarce = false;
  private readonly queue: net.Socket[] = [];

  constructor(
    private readonly host: AdmissionHost,
    private readonly keep: number,
  ) {}

  /** Asks for the headroom before the first client. */
  start(): void {
    this.ask(this.keep);
  }

  /** Clients accepted and waiting for a place. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Router.admit: true to serve `socket` now; else it waits here for a place. */
  admit(socket: net.Socket): boolean {
    if (this.queue.length === 0 && this.host.clients() < this.granted) {
      // After this one: ask for more before the unused places run out, so no client waits.
      if (!this.scarce && this.granted - this.host.clients() - 1 < this.keep / 2) this.ask(this.keep);
      return true;
    }
    this.queue.push(socket);
    this.ask(this.queue.length + (this.scarce ? 0 : this.keep));
    return false;
  }

  /** The primary granted `count` places; `full`: none is left for the clients still waiting; `scarce`: none is free. */
  grant(count: number, full: boolean, scarce = false): void {
    this.asked = false;
    this.scarce = scarce;
    this.granted += count;
    this.serveWaiting();
    if (this.queue.length === 0) return this.trim();
    if (!full) return this.ask(this.queue.length + (this.scarce ? 0 : this.keep));
    for (const socket of this.queue.splice(0)) this.host.refuse(socket);
  }

  /** A client came or went: serve one that waits, or give back places held past twice the headroom. */
  changed(): void {
    this.serveWaiting();
    this.trim();
  }

  /** Another worker's client needs a place: give back every unused one (none while clients wait). */
  reclaim(): void {
    this.scarce = true;
    const unused = this.queue.length > 0 ? 0 : Math.max(0, this.granted - this.host.clients());
    this.granted -= unused;
    this.host.send({ t: 'returned', count: unused });
  }

  /** Draining: the clients still waiting are closed (nothing was read from them). */
  close(): void {
    for (const socket of this.queue.splice(0)) socket.destroy();
  }

  private serveWaiting(): void {
    // Serving one is a change too: not again from inside.
    if (this.serving) return;
    this.serving = true;
    while (this.queue.length > 0 && this.host.clients() < this.granted) this.host.serve(this.queue.shift()!);
    this.serving = false;
  }

  private trim(): void {
    const unused = this.granted - this.host.clients();
    if (this.queue.length > 0 || this.asked || unused <= (this.scarce ? 0 : 2 * this.keep)) return;
    const back = this.scarce ? unused : unused - this.keep;
    this.granted -= back;
    this.host.send({ t: 'returned', count: back });
  }

  private ask(want: number): void {
    if (this.asked) return;
    this.asked = true;
    this.host.send({ t: 'admit', want });
  }
}
