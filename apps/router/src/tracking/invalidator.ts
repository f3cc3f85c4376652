import { OutBuffer, RESP3_REPLIES, type Args, type PushEncoder, type ReplyEncoder } from '@kv/wire';
import { PushKind } from '../links/push-kinds';
import type { Broadcaster } from './bcast';
import { workerOfClient, type ClientTracking } from './client-tracking';

/** What an invalidation needs of a client: its tracking state, protocol, subscriptions and push channel. */
export interface TrackedClient {
  readonly id: number;
  readonly session: { readonly tracking: ClientTracking | null; readonly resp: ReplyEncoder };
  readonly subs: { readonly active: number };
  pushEncoded(buf: Uint8Array, start: number, end: number): void;
  /** Bytes it owes (unsent, held, pushes not yet written). */
  readonly owed: number;
  closeForOutput(what: string): void;
}

/** What the invalidator needs of its worker. */
export interface InvalidatorHost {
  readonly self: number;
  /** Its clients with tracking on, counted for INFO's tracking_clients (the store's table keeps the figure). */
  readonly counted: { clients: number };
  /** This worker's live client of that id. */
  client(id: number): TrackedClient | undefined;
  /** Where to add a push message for `peer`; null when its link is down (the message is dropped). */
  pushTo(peer: number): PushEncoder | null;
  /** Writes out what clients now have in order. */
  flushClients(): void;
  /** client-output-limit: a client owing more is closed (invalidations are never waited for). */
  outputLimit(): number;
}

/** A worker's clients, also by id (an invalidation names its client by id). */
export class Conns<C extends { readonly id: number }> extends Set<C> {
  private readonly byId = new Map<number, C>();

  override add(conn: C): this {
    this.byId?.set(conn.id, conn);
    return super.add(conn);
  }

  override delete(conn: C): boolean {
    if (this.byId.get(conn.id) === conn) this.byId.delete(conn.id);
    return super.delete(conn);
  }

  byIdOf(id: number): C | undefined {
    return this.byId.get(id);
  }
}

const INVALIDATE = Buffer.from('invalidate');
const CHANNEL = '__redis__:invalidate';

/**
 * Client-side caching's deliveries on one worker (the store's tracking table's sink, @kv/lru
 * tracking.ts). The owner of a key calls `invalidate` once per reader of a key that changed: a
 * reader on this worker is queued and told at the end of this turn (after the reply of the
 * command that changed it, as Redis 7.0 sends it after), one on another worker gets a push frame
 * (PushKind.INVALIDATE [reader, writer, key]), which leaves after this turn's replies. Where the
 * reader lives, NOLOOP, BCAST and a client gone or no longer tracking drop it (Redis drops stale
 * readers lazily too); REDIRECT sends it on to its client, here or on its worker (PushKind.REDIRECTED),
 * and a redirect whose client is gone tells the tracking client (`tracking-redir-broken`).
 */
export class Invalidator {
  /** The ids of this worker's clients with tracking on (FLUSHALL's null invalidation). */
  private readonly clients = new Set<number>();
  /** Local deliveries waiting for the end of this turn: reader, writer, key (null: FLUSHALL's). */
  private queue: [number, number, Buffer | null][] = [];
  private scheduled = false;
  private readonly out = new OutBuffer(256);
  /** Invalidation messages sent to this worker's clients. */
  sent = 0;
  /** BCAST's prefixes over the workers (set by the worker process). */
  bcast: Broadcaster | null = null;

  constructor(private readonly host: InvalidatorHost) {}

  /** A client turned tracking on (CLIENT TRACKING ON), with BCAST `prefixes` it did not have yet. */
  start(id: number, tracking: ClientTracking, prefixes: readonly string[]): void {
    this.clients.add(id);
    this.host.counted.clients = this.clients.size;
    if (tracking.bcast) this.bcast?.add(id, prefixes);
  }

  /** A client turned tracking off (CLIENT TRACKING OFF, RESET), or closed. */
  stop(id: number, tracking: ClientTracking | null): void {
    this.clients.delete(id);
    this.host.counted.clients = this.clients.size;
    if (tracking !== null && tracking.bcast) this.bcast?.remove(id, tracking.prefixes);
  }

  /** True when this worker's client `id` tracks with NOLOOP. */
  noloop(id: number): boolean {
    return this.host.client(id)?.session.tracking?.noloop === true;
  }

  /** From the store's tracking table: a key under a BCAST prefix changed. */
  broadcast(prefix: number, writer: number, buf: Uint8Array, start: number, end: number): void {
    this.bcast?.changed(prefix, writer, buf, start, end);
  }

  /** Writes out what this worker's clients now have in order. */
  flush(): void {
    this.host.flushClients();
  }

  get self(): number {
    return this.host.self;
  }

  /** True when this worker has a live client of that id (CLIENT TRACKING REDIRECT's check). */
  hasClient(id: number): boolean {
    return this.host.client(id) !== undefined;
  }

  /** From the store's tracking table: `reader` read the key buf[start, end), which changed. */
  invalidate(reader: number, writer: number, buf: Buffer, start: number, end: number): void {
    const worker = workerOfClient(reader);
    if (worker === this.host.self) return this.later(reader, writer, Buffer.from(buf.subarray(start, end)));
    const out = this.host.pushTo(worker);
    if (out === null) return;
    out.begin(PushKind.INVALIDATE, 3);
    out.latin1(String(reader));
    out.latin1(String(writer));
    out.part(buf, start, end);
  }

  /** FLUSHALL / FLUSHDB ran on this worker: each of its tracking clients gets a null invalidation. */
  flushed(): void {
    for (const id of this.clients) this.later(id, 0, null);
  }

  /** A peer's PushKind.INVALIDATE: [reader, writer, key]. */
  received(args: Args): void {
    this.deliver(Number(args.latin1(0)), Number(args.latin1(1)), [args.buf.subarray(args.starts[2], args.ends[2])], false);
  }

  /** A peer's PushKind.REDIRECTED: [target, origin, keys...] (no key: a null invalidation). */
  redirected(args: Args): void {
    const target = this.host.client(Number(args.latin1(0)));
    const origin = Number(args.latin1(1));
    if (target !== undefined) {
      const keys: Uint8Array[] = [];
      for (let i = 2; i < args.count; i++) keys.push(args.buf.subarray(args.starts[i], args.ends[i]));
      return this.send(target, true, keys.length > 0 ? keys : null);
    }
    const out = this.host.pushTo(workerOfClient(origin));
    if (out === null) return;
    out.begin(PushKind.REDIR_BROKEN, 1);
    out.latin1(String(origin));
  }

  /** A peer's PushKind.REDIR_BROKEN: [origin]: its redirect's client is gone. */
  broken(args: Args): void {
    const client = this.host.client(Number(args.latin1(0)));
    if (client !== undefined && client.session.tracking !== null) this.tellBroken(client, client.session.tracking);
  }

  private later(reader: number, writer: number, key: Buffer | null): void {
    this.queue.push([reader, writer, key]);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.drain());
  }

  private drain(): void {
    this.scheduled = false;
    const queue = this.queue;
    this.queue = [];
    for (const [reader, writer, key] of queue) this.deliver(reader, writer, key === null ? null : [key], false);
    this.host.flushClients();
  }

  /**
   * To `reader` (of this worker), as its tracking says: `keys` (null: FLUSHALL's null). A key's
   * invalidation (`bcast` false) goes to default-mode clients only, NOLOOP leaving out the
   * client's own writes; a broadcast (bcast.ts, which applied NOLOOP per key) to BCAST ones.
   */
  deliver(reader: number, writer: number, keys: Uint8Array[] | null, bcast: boolean): void {
    const client = this.host.client(reader);
    const tracking = client?.session.tracking;
    if (client === undefined || tracking === undefined || tracking === null) return;
    if (keys !== null && (tracking.bcast !== bcast || (tracking.noloop && writer === reader))) return;
    if (tracking.redirect === 0) return this.send(client, false, keys);
    const worker = workerOfClient(tracking.redirect);
    if (worker !== this.host.self) {
      const out = this.host.pushTo(worker);
      if (out === null) return;
      out.begin(PushKind.REDIRECTED, 2 + (keys?.length ?? 0));
      out.latin1(String(tracking.redirect));
      out.latin1(String(reader));
      for (const key of keys ?? []) out.part(key, 0, key.length);
      return;
    }
    const target = this.host.client(tracking.redirect);
    if (target === undefined) return this.tellBroken(client, tracking);
    this.send(target, true, keys);
  }

  /**
   * Redis's sendTrackingMessage: RESP3 gets `>2 invalidate [keys]` (or `_`); RESP2 only through a
   * redirect, as a Pub/Sub message on __redis__:invalidate, and only to a client in Pub/Sub mode.
   */
  private send(client: TrackedClient, redirected: boolean, keys: Uint8Array[] | null): void {
    const resp = client.session.resp;
    const out = this.out;
    out.clear();
    if (resp === RESP3_REPLIES) {
      resp.pushHeader(out, 2);
      resp.bulkBytes(out, INVALIDATE, 0, INVALIDATE.length);
    } else if (redirected && client.subs.active > 0) {
      resp.pushHeader(out, 3);
      resp.bulk(out, 'message');
      resp.bulk(out, CHANNEL);
    } else return;
    if (keys === null) resp.nil(out);
    else {
      resp.arrayHeader(out, keys.length);
      for (const key of keys) resp.bulkBytes(out, key, 0, key.length);
    }
    client.pushEncoded(out.buf, 0, out.length);
    this.sent++;
    // A client that reads nothing must not grow the worker: invalidations are bounded as any reply.
    if (client.owed > this.host.outputLimit()) client.closeForOutput('normal');
  }

  /** The redirect's client is gone: RESP3 tracking clients are told each time, as Redis tells them. */
  private tellBroken(client: TrackedClient, tracking: ClientTracking): void {
    tracking.brokenRedirect = true;
    const resp = client.session.resp;
    if (resp !== RESP3_REPLIES) return;
    const out = this.out;
    out.clear();
    resp.pushHeader(out, 2);
    resp.bulk(out, 'tracking-redir-broken');
    resp.integer(out, tracking.redirect);
    client.pushEncoded(out.buf, 0, out.length);
    this.host.flushClients();
  }
}
