import type { CommandSpec } from '@kv/node';
import type { Args, PushEncoder } from '@kv/wire';
import { PushKind } from '../links/push-kinds';
import { monitorLine, shownToMonitors } from './line';

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
 * While some has, each command run here becomes a line (line.ts), added to the push frame of each
 * other worker with monitors (one frame per link per turn) and, once per event-loop turn, given
 * together to this worker's monitors: a client's commands reach every monitor in the order they ran.
 */
export class MonitorFeed {
  /** Some worker has a monitor client: commands are fed. */
  active = false;
  private readonly local = new Set<MonitorClient>();
  private others: readonly number[] = [];
  /** Lines for this worker's monitors, this turn's, made here or received. */
  private pending: string[] = [];
  private scheduled = false;
  /** The latest ask to the primary, which a new monitor's OK waits for. */
  private asked: Promise<string | undefined> = Promise.resolve(undefined);

  constructor(private readonly host: MonitorHost) {}

  /** The workers with monitor clients, from the primary. */
  setWorkers(workers: readonly number[]): void {
    this.others = workers.filter((w) => w !== this.host.self);
    this.active = workers.length > 0;
  }

  /**
   * A command run here by a client at `addr` (or `lua`), unless the table hides it from MONITOR:
   * into each other monitoring worker's push frame now (so it goes out in this turn's flush, after
   * any request this command sent that worker), and this worker's monitors at the turn's end.
   */
  feed(spec: CommandSpec, args: Args, addr: string): void {
    if (!shownToMonitors(spec, args)) return;
    const line = monitorLine(spec, args, addr);
    for (const peer of this.others) {
      const out = this.host.pushTo(peer);
      if (out === null) continue;
      out.begin(PushKind.MONITOR, 1);
      out.latin1(line);
    }
    this.queue(line);
  }

  /** A peer's line (a push of kind MONITOR), for this worker's monitors with this turn's others. */
  received(buf: Buffer, start: number, end: number): void {
    this.queue(buf.latin1Slice(start, end));
  }

  private queue(line: string): void {
    if (this.local.size === 0) return;
    this.pending.push(line);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const lines = this.pending;
    if (lines.length === 0) return;
    // By time, as Redis's one thread orders them: a peer's line can arrive after one made later
    // here (a script's call run here, its EVAL's line pushed behind the request). Stable, so
    // each worker's lines, already in time order, keep their order.
    if (lines.length > 1) lines.sort(byTime);
    const bytes = Buffer.from(lines.join(''), 'latin1');
    this.pending = [];
    this.deliver(bytes, 0, bytes.length);
    this.host.flushClients();
  };

  /** Lines to this worker's monitors; one that stopped reading is cut at its output limit. */
  private deliver(buf: Uint8Array, start: number, end: number): void {
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
    return this.asked.then((error) => {
      // Refused (no primary): it gets the error, and no lines.
      if (error !== undefined) this.local.delete(client);
      return error;
    });
  }

  has(client: MonitorClient): boolean {
    return this.local.has(client);
  }

  /** RESET, QUIT, a closed connection: no more lines to it. */
  remove(client: MonitorClient): void {
    if (this.local.delete(client) && this.local.size === 0) this.asked = this.host.ask(false);
  }
}

/** Lines by their `+<seconds>.<micros>` stamps (as long as each other until the year 2286). */
function byTime(a: string, b: string): number {
  const x = a.slice(0, a.indexOf(' '));
  const y = b.slice(0, b.indexOf(' '));
  return x < y ? -1 : x > y ? 1 : 0;
}
