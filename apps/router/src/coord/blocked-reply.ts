import { argsOf, ReplyKind, type Args, type Items, type ReplyMode } from '@kv/wire';
import { commandNamed, routeKeyIndex, type CommandSpec } from '@kv/node';
import type { Failable, Pending } from '../links/types';

const LPUSH = commandNamed('LPUSH');
const RPUSH = commandNamed('RPUSH');
const ZADD = commandNamed('ZADD');

/** Where a push-back goes: the owner, over its link (Peers.forward). */
export interface PushBackLink {
  forward(peer: number, opcode: number, args: Args, slot: Pending): number;
}

/** A push-back's reply goes nowhere: nobody asked for it. */
const NOBODY: Pending = { client: { failed() {} }, mode: 0 as ReplyMode, settle() {}, settleEncoded() {} };

/**
 * The reply of a blocking command forwarded to its owner (BLPOP ...). Passed on as it comes;
 * but when its client left while it waited (`left`, set with the cancel) and the owner had
 * already served it (the cancel and the served reply crossed on the link), the elements it carries
 * are pushed back to the end of the list they came from, so none is lost. A BLMOVE's element is
 * in its destination already: nothing to do.
 */
export class BlockedReply implements Pending {
  left = false;
  /** The end the elements came from (true: left), or null for none (a move, or a sorted set's pop: `scores`). */
  private readonly fromLeft: boolean | null;
  /** The reply carries members and scores (BZPOPMIN, BZMPOP): added back with ZADD. */
  private readonly scores: boolean;

  constructor(
    private readonly owed: Pending,
    spec: CommandSpec,
    args: Args,
    private readonly owner: number,
    private readonly link: PushBackLink,
  ) {
    const side = spec.blocking!.side;
    this.scores = side === 'scores';
    if (side === 'arg') {
      const first = routeKeyIndex(spec, args);
      const at = first + Number(args.latin1(first - 1));
      this.fromLeft = at < args.count ? args.latin1(at).toUpperCase() === 'LEFT' : null;
    } else this.fromLeft = side === 'none' || side === 'scores' ? null : side === 'left';
  }

  get client(): Failable {
    return this.owed.client;
  }

  get mode(): ReplyMode {
    return this.owed.mode;
  }

  settle(kind: ReplyKind, payload: string, items?: Items): void {
    this.owed.settle(kind, payload, items);
  }

  settleEncoded(buf: Buffer, start: number, end: number): void {
    const popped = this.left && (this.fromLeft !== null || this.scores) && buf[start] !== 0x2d /* - */;
    if (popped && this.fromLeft !== null) this.pushBack(bulksOf(buf, start, end));
    else if (popped) this.addBack(bulksOf(buf, start, end));
    // What went back is not the client's: it gets the empty answer a cancelled wait gets.
    if (popped) this.owed.settle(ReplyKind.NULL_ARRAY, '');
    else this.owed.settleEncoded!(buf, start, end);
  }

  /** [key, element...] as popped: pushed back in reverse, so the list is as before the pop. */
  private pushBack(bulks: string[]): void {
    if (bulks.length < 2) return;
    const argv = [(this.fromLeft ? LPUSH : RPUSH).name, bulks[0]];
    for (let i = bulks.length - 1; i >= 1; i--) argv.push(bulks[i]);
    this.link.forward(this.owner, (this.fromLeft ? LPUSH : RPUSH).opcode, argsOf(argv), NOBODY);
  }

  /** [key, member, score...] as popped: added back with their scores. */
  private addBack(bulks: string[]): void {
    if (bulks.length < 3) return;
    const argv = [ZADD.name, bulks[0]];
    for (let i = 1; i + 1 < bulks.length; i += 2) argv.push(bulks[i + 1], bulks[i]);
    this.link.forward(this.owner, ZADD.opcode, argsOf(argv), NOBODY);
  }
}

/** The bulk strings and RESP3 doubles (as text) of a RESP2/RESP3 reply in order (aggregate headers skipped); [] for a null or an error. */
export function bulksOf(buf: Buffer, start: number, end: number): string[] {
  const out: string[] = [];
  let at = start;
  while (at < end) {
    const lineEnd = buf.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0 || lineEnd >= end) break;
    const head = buf[at];
    if (head === 0x2c /* , */) {
      out.push(buf.latin1Slice(at + 1, lineEnd));
      at = lineEnd + 2;
      continue;
    }
    const n = Number(buf.latin1Slice(at + 1, lineEnd));
    at = lineEnd + 2;
    if (head === 0x24 /* $ */ && n >= 0) {
      out.push(buf.latin1Slice(at, at + n));
      at += n + 2;
    } else if (head !== 0x2a /* * */ || n < 0) return out;
  }
  return out;
}
