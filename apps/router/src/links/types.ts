import type { Args, Items, ReplyKind, ReplyMode } from '@kv/wire';
import type { FrameReplies, Histogram, ShardNode } from '@kv/node';

/** Whose a reply is: a fault while settling it fails this client (or hand-over) only. */
export interface Failable {
  /** Handling one of its replies threw (a bug): close this client, and only it. */
  failed(err: Error): void;
}

/**
 * A reply still to come for a command sent to another worker (or waiting its turn here): a
 * client's place in its reply order, a part of a plan over several owners, a hand-over chunk.
 */
export interface Pending {
  readonly client: Failable;
  /** The form its reply is asked in: FORM, or the client's protocol (then it comes ENCODED). */
  readonly mode: ReplyMode;
  /** The reply, in its inter-process form (payload as latin1; an ARRAY's or MAP's items), or the link's failure. */
  settle(kind: ReplyKind, payload: string, items?: Items): void;
  /**
   * The reply as bytes in the client's protocol (mode TEXT, RESP or RESP3): buf[start, end), valid
   * only until the link's reply frame has been handled (Peers.flushDirty runs at its end).
   */
  settleEncoded?(buf: Buffer, start: number, end: number): void;
}

/** A client whose settled replies are written once per read of a link (see Peers.markDirty); failed() when writing them throws. */
export interface Flushable extends Failable {
  /** True while queued in the dirty list (set and cleared by Peers). */
  dirty: boolean;
  /** Some of its replies were settled: write out what is now in order. */
  flushResolved(): void;
}

export interface PeerEvents {
  onLinkDown(peer: number, reason: string): void;
  /** A link to `peer` is up (its hello done): what a peer must know of this worker is sent (BCAST prefixes). */
  onLinkUp?(peer: number): void;
  onCorruptFrame(peer: number, error: Error): void;
  /** Settling one client's reply threw: that client was closed, the link goes on. */
  onSettleFault?(peer: number, error: Error): void;
  /** A reply named no request owed on the link (a bug): it was dropped, the link goes on. */
  onStrayReply?(peer: number, id: number, kind: number): void;
  /** A push message's handler threw, or no handler takes its kind (a bug): it was dropped, the link goes on. */
  onPushFault?(peer: number, kind: number, error: Error): void;
}

/** What a link needs of the worker's set of links (Peers implements it). */
export interface LinkHost {
  readonly node: ShardNode;
  readonly events: PeerEvents;
  /** Commands per request frame sent, over all links. */
  readonly frameCommands: Histogram;
  /** A link accepted from a higher-numbered worker named itself `peer`. */
  adopt(link: LinkLike, peer: number): void;
  scheduleFlush(): void;
  flushDirty(): void;
  /** A link's socket passed LINK_HIGH_WATER unsent (+1) or drained (-1). */
  linkBlocked(change: 1 | -1): void;
  /** A push message from `peer` (its parts in `args`, valid during the call): handed to its kind's handler. */
  pushed(kind: number, args: Args, peer: number): void;
}

/** What handles push messages of one kind from peers (the parts are valid during the call only). */
export type PushHandler = (args: Args, peer: number) => void;

/** A link as Peers.adopt sees it (PeerLink in link.ts). */
export interface LinkLike {
  peer: number;
}

export type { FrameReplies };
