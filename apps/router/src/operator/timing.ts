import type { Args } from '@kv/wire';
import type { CommandSpec, ReplySink, SlowCommands } from '@kv/node';
import { address } from '../commands/client';
import { LatencyMonitor } from './latency';
import { SlowLog } from './slowlog';

/** A client as a timed command knows it (a connection's session). */
export interface TimedClient {
  readonly name: string;
  readonly socket: { readonly remoteAddress?: string; readonly remotePort?: number };
}

/**
 * A worker's timing of commands for SLOWLOG (slowlog.ts) and LATENCY (latency.ts): what its
 * clients ran here (client/dispatch.ts), what it ran for a peer's client (ShardNode), and how long
 * a forwarded command's reply took to come back (its own latency event).
 */
export class CommandTiming implements SlowCommands {
  readonly slowlog: SlowLog;
  readonly latency = new LatencyMonitor();

  constructor(worker: number) {
    this.slowlog = new SlowLog(worker);
  }

  get timing(): boolean {
    return this.slowlog.thresholdMicros >= 0 || this.latency.thresholdMs > 0;
  }

  /** The worker at the other end of a peer link, by the link's id (set by the worker process: Peers.linkIdOf); -1 when gone. */
  peerOfLink: (link: number) => number = () => -1;

  /** A command took `micros` where it ran: for a client of this worker, or of the worker at the other end of link `client` (a number). */
  ran(spec: CommandSpec, args: Args, micros: number, client: TimedClient | number): void {
    const slowlog = this.slowlog;
    if (slowlog.thresholdMicros >= 0 && micros >= slowlog.thresholdMicros) {
      const from = typeof client === 'number' ? { addr: '', name: `worker-${this.peerOfLink(client)}` } : { addr: address(client.socket.remoteAddress, client.socket.remotePort), name: client.name };
      slowlog.add(spec, args, micros, from);
    }
    this.latency.add(spec.fast ? 'fast-command' : 'command', micros / 1000);
  }

  ranForPeer(spec: CommandSpec, args: Args, micros: number, source: number): void {
    this.ran(spec, args, micros, source);
  }

  /** A forwarded one-key command's reply came back `ms` after it started (no allocation: one function for all). */
  readonly forwarded = (ms: number): void => this.latency.add('forwarded-command', ms);

  step(args: Args, reply: ReplySink): void {
    this.slowlog.step(args, reply);
  }

  /** LATENCYSTEP ALL (every event's series, JSON) | RESET [event ...] (the names reset, JSON). */
  latencyStep(args: Args, reply: ReplySink): void {
    if (args.latin1(1) === 'all') return reply.bulk(JSON.stringify(this.latency.all()));
    const names: string[] = [];
    for (let i = 2; i < args.count; i++) names.push(args.latin1(i));
    reply.bulk(JSON.stringify(this.latency.reset(names)));
  }
}
