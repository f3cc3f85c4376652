import * as net from 'node:net';
import type { Node } from '../../../test/compat/resp-raw';
import { RespStream } from './resp-stream';
import { prng } from '../../../test-support/prng';
import { RespClient, sleep } from './harness';

/**
 * Client-side caching under the live fuzz test: RESP3 clients that stay with CLIENT TRACKING ON
 * (default mode, BCAST with one prefix, OPTIN) read the checker's keys while the checker writes
 * them. The test keeps, for each tracker and key, whether the key has been read (its reply came)
 * since its last invalidation; a write sent then owes an invalidation that must come after the
 * write was sent (none lost). A tracker in default or OPTIN mode may be told only of keys it read
 * with tracking (at most once per such read), a BCAST one only of keys under its prefix, and of
 * each write under it. No flush is sent, so a null invalidation is wrong too. Their connections
 * must survive the fuzzing.
 */
export const BCAST_PREFIX = 'chk:1';
type Mode = 'default' | 'bcast' | 'optin';

/** One clock over every tracker and the checker: a write's send and an invalidation's arrival compare on it. */
let clock = 0;
const tick = () => ++clock;

class Tracker extends RespStream {
  private readonly waiting: ((node: Node) => void)[] = [];
  /** Reads sent with tracking on (all in default mode, those after CACHING YES in OPTIN), by key. */
  readonly trackedReads = new Map<string, number>();
  /** Keys read since their last invalidation: a write now owes one. */
  private readonly armed = new Set<string>();
  /** Each key's invalidations, as clock times of arrival. */
  private readonly told = new Map<string, number[]>();
  /** Invalidations owed: the key, and the clock when its write was sent. */
  readonly owed: { key: string; at: number }[] = [];
  invalidations = 0;
  reads = 0;

  constructor(
    socket: net.Socket,
    readonly mode: Mode,
  ) {
    super(socket);
  }

  protected take(node: Node): void {
    if (node.t === '>') this.push(node as Node & { items: Node[] | null });
    else if (this.waiting.length > 0) this.waiting.shift()!(node);
    else this.problem ??= `a reply to nothing: ${JSON.stringify(node).slice(0, 120)}`;
  }

  private push(node: Node & { items: Node[] | null }): void {
    const items = node.items ?? [];
    const keys = items[1];
    if (items.length !== 2 || !('v' in items[0]) || items[0].v !== 'invalidate' || keys === undefined || !('items' in keys)) {
      this.problem ??= `not an invalidation: ${JSON.stringify(node).slice(0, 120)}`;
      return;
    }
    if (keys.items === null) {
      this.problem ??= 'a null invalidation (a flush) while nothing was flushed';
      return;
    }
    const now = tick();
    for (const k of keys.items) {
      const key = 'v' in k ? String(k.v) : '?';
      this.invalidations++;
      this.armed.delete(key);
      const times = this.told.get(key) ?? [];
      times.push(now);
      this.told.set(key, times);
      if (this.mode === 'bcast') {
        if (!key.startsWith(BCAST_PREFIX)) this.problem ??= `BCAST ${BCAST_PREFIX}: told of ${key}`;
      } else if (times.length > (this.trackedReads.get(key) ?? 0)) {
        this.problem ??= `${this.mode}: told of ${key} ${times.length} times after ${this.trackedReads.get(key) ?? 0} tracked reads`;
      }
    }
  }

  /**
   * Sends commands at once and resolves with their replies; `onReply` hears each as it is read,
   * before any push read after it (a promise's callback would run after the whole chunk's pushes).
   */
  send(commands: string[][], onReply?: (i: number, node: Node) => void): Promise<Node[]> {
    this.socket.write(Buffer.concat(commands.map((argv) => RespClient.encode(...argv))));
    return Promise.all(
      commands.map(
        (_, i) =>
          new Promise<Node>((resolve) =>
            this.waiting.push((node) => {
              onReply?.(i, node);
              resolve(node);
            }),
          ),
      ),
    );
  }

  /** The checker is about to send a write of `key`: what it owes this tracker. */
  beforeWrite(key: string, at: number): void {
    if (this.mode === 'bcast' ? key.startsWith(BCAST_PREFIX) : this.armed.delete(key)) this.owed.push({ key, at });
  }

  /** Reads random checked keys while `running()`: each read's reply arms its key when the read was tracked. */
  async read(running: () => boolean, keys: number, seed: number): Promise<void> {
    const rand = prng(seed);
    const key = () => `chk:${Math.floor(rand() * keys)}`;
    while (running() && this.problem === null) {
      const batch: { argv: string[]; keys: string[]; tracked: boolean }[] = [];
      for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) {
        const k = key();
        const r = rand();
        const tracked = this.mode === 'default' || (this.mode === 'optin' && r < 0.6);
        if (this.mode === 'default' && r < 0.2) {
          const ks = [k, key(), key()];
          batch.push({ argv: ['MGET', ...ks], keys: ks, tracked });
        } else {
          batch.push({ argv: [r < 0.4 ? 'STRLEN' : 'GET', k], keys: [k], tracked });
        }
      }
      for (const b of batch) if (b.tracked) for (const k of b.keys) this.trackedReads.set(k, (this.trackedReads.get(k) ?? 0) + 1);
      const commands: string[][] = [];
      const readAt: (typeof batch)[number][] = [];
      for (const b of batch) {
        if (this.mode === 'optin' && b.tracked) commands.push(['CLIENT', 'CACHING', 'YES']);
        readAt[commands.length] = b;
        commands.push(b.argv);
      }
      await this.send(commands, (i, reply) => {
        const b = readAt[i];
        if (reply.t === '-') this.problem ??= `${commands[i].join(' ')}: ${JSON.stringify(reply)}`;
        if (b !== undefined && b.tracked) for (const k of b.keys) this.armed.add(k);
      });
      this.reads += batch.length;
      await sleep(Math.floor(rand() * 3));
    }
  }

  /** What it was owed and not told: each owed key needs an invalidation after its write was sent. */
  unpaid(): { key: string; at: number }[] {
    return this.owed.filter(({ key, at }) => !(this.told.get(key) ?? []).some((t) => t > at));
  }
}

export class TrackingWatch {
  private constructor(readonly trackers: Tracker[]) {}

  /** One tracker per mode, each confirmed; BCAST's prefix known by every worker before it returns. */
  static async start(port: number): Promise<TrackingWatch> {
    const trackers: Tracker[] = [];
    for (const mode of ['default', 'bcast', 'optin'] as const) {
      const socket = net.createConnection({ port, host: '127.0.0.1' });
      const t = new Tracker(socket, mode);
      await new Promise((resolve) => socket.once('connect', resolve));
      const on = mode === 'default' ? [] : mode === 'bcast' ? ['BCAST', 'PREFIX', BCAST_PREFIX] : ['OPTIN'];
      const [, ok] = await t.send([['HELLO', '3'], ['CLIENT', 'TRACKING', 'ON', ...on]]);
      if (!('v' in ok) || ok.v !== 'OK') throw new Error(`CLIENT TRACKING ON ${on.join(' ')}: ${JSON.stringify(ok)}`);
      trackers.push(t);
    }
    // Every worker knows the prefix once a write of a key in each worker's shards is told (16 keys: all on one worker 1 time in 2^15).
    const bcast = trackers[1];
    const probe = await RespClient.connect(port);
    const probes = Array.from({ length: 16 }, (_, i) => `${BCAST_PREFIX}:probe:${i}`);
    for (let tries = 0; ; tries++) {
      const at = tick();
      for (const k of probes) bcast.beforeWrite(k, at);
      await probe.pipeline(probes.map((k) => ['SET', k, 'x']));
      await sleep(20);
      if (bcast.unpaid().length === 0) break;
      if (tries > 100) throw new Error('BCAST: the prefix did not reach every worker');
    }
    probe.close();
    bcast.owed.length = 0;
    return new TrackingWatch(trackers);
  }

  /** The checker's hook: called before each write is sent. */
  readonly beforeWrite = (keys: readonly string[]): void => {
    const at = tick();
    for (const t of this.trackers) for (const k of keys) t.beforeWrite(k, at);
  };

  read(running: () => boolean, keys: number, seed: number): Promise<void[]> {
    return Promise.all(this.trackers.map((t, i) => t.read(running, keys, seed + 1000 + i)));
  }

  /** Each tracker's problem, once every owed invalidation came (or 5 s passed). */
  async problems(): Promise<string[]> {
    for (let waited = 0; waited < 5000 && this.trackers.some((t) => t.unpaid().length > 0 && t.problem === null); waited += 20) await sleep(20);
    // Each connection still answers, in order.
    await Promise.all(
      this.trackers.map(async (t) => {
        const pong = await Promise.race([t.send([['PING']]).then(([r]) => 'v' in r && r.v === 'PONG'), sleep(2000).then(() => false)]);
        if (!pong) t.problem ??= 'PING got no PONG after the fuzzing';
      }),
    );
    return this.trackers.flatMap((t) => {
      if (t.problem !== null) return [`tracker ${t.mode}: ${t.problem}`];
      const unpaid = t.unpaid();
      if (unpaid.length > 0) return [`tracker ${t.mode}: ${unpaid.length} of ${t.owed.length} invalidations lost, first ${unpaid[0].key}`];
      if (t.owed.length === 0) return [`tracker ${t.mode}: was owed no invalidation (${t.reads} reads): the check did not run`];
      return [];
    });
  }

  /** Invalidations owed and told, over the trackers. */
  get figures(): { owed: number; told: number; reads: number } {
    const sum = (f: (t: Tracker) => number) => this.trackers.reduce((n, t) => n + f(t), 0);
    return { owed: sum((t) => t.owed.length), told: sum((t) => t.invalidations), reads: sum((t) => t.reads) };
  }

  close(): void {
    for (const t of this.trackers) t.socket.destroy();
  }
}
