import type { CommandSpec } from '@kv/node';
import type { Args, PushEncoder } from '@kv/wire';
import { PushKind } from '../links/push-kinds';
import { monitorLine } from './line';

/** A client in MONITOR mode, as the feed writes to it (Conn). */
export interface MonitorClient {
  /** Bytes between replies, whatever the protocol (Redis sends a monitor's lines as status replies in RESP3 too). */
  pushEncoded(buf: Uint8Array, start: number, end: number): void;
  /** Bytes owed to the client, unsent or behind owed replies. */
  readonly owed: number;
  closeForOutput(what: string): void;
}

export interface MonitorHost {
  readonly self: number;
  /** A peer's push frame to add to, or null when its link is down. */
  pushTo(peer: number): PushEncoder | null;
  /** The normal class's hard output limit (client-output-limit; 0: none). */
  outputLimit(): number;
  /** Writes out what was given to clients outside a client's read (Peers.flushDirty). */
  flushClients(): void;
  /** Asks the primary to mark this worker as having monitors or not; resolves once every worker knows. */
  ask(on: boolean): Promise<string | undefined>;
}

/**
 * MONITOR on one worker. The primary keeps which workers have monitor clients and tells every
 * worker (`setWorkers`); while none has, `active` is false and a command costs this one check.
 * While some has, each command run here becomes a line (line.ts); the lines of one event-loop
 * turn go together, once, to this worker's monitors and in one push frame to each other worker
 * with monitors: a client's commands reach every monitor in the order they ran.
 */
export class MonitorFeed {
  /** Some worker has a monitor client: commands are fed. */
  active = false;
  private readonly local = new Set<MonitorClient>();
  private others: readonly number[] = [];
  private pending = '';
  private scheduled = false;
  /** The latest ask to the primary, which a new monitor's OK waits for. */
  private asked: Promise<string | undefined> = Promise.resolve(undefined);

  constructor(private readonly host: MonitorHost) {}

  /** The workers with monitor clients, from the primary. */
  setWorkers(workers: readonly number[]): void {
    this.others = workers.filter((w) => w !== this.host.self);
    this.active = workers.length > 0;
  }

  /** A command run here by a client at `addr`. */
  feed(spec: CommandSpec, args: Args, addr: string): void {
    this.pending += monitorLine(spec, args, addr);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    if (this.pending === '') return;
    const bytes = Buffer.from(this.pending, 'latin1');
    this.pending = '';
    this.deliver(bytes, 0, bytes.length);
    this.host.flushClients();
    for (const peer of this.others) {
      const out = this.host.pushTo(peer);
      if (out === null) continue;
      out.begin(PushKind.MONITOR, 1);
      out.part(bytes, 0, bytes.length);
    }
  };

  /** Lines (made here or pushed by a peer) to this worker's monitors; one that stopped reading is cut at its output limit. */
  deliver(buf: Uint8Array, start: number, end: number): void {
    const limit = this.host.outputLimit();
    for (const client of this.local) {
      client.pushEncoded(buf, start, end);
      if (limit > 0 && client.owed > limit) {
        this.remove(client);
        client.closeForOutput('normal');
      }
    }
  }

  /** MONITOR: resolves (undefined, or the error to answer) once every worker feeds it. */
  add(client: MonitorClient): Promise<string | undefined> {
    if (this.local.has(client)) return Promise.resolve(undefined);
    this.local.add(client);
    if (this.local.size === 1) this.asked = this.host.ask(true);
    return this.asked;
  }

  has(client: MonitorClient): boolean {
    return this.local.has(client);
  }

  /** RESET, QUIT, a closed connection: no more lines to it. */
  remove(client: MonitorClient): void {
    if (this.local.delete(client) && this.local.size === 0) this.asked = this.host.ask(false);
  }
}
