import { argsOf, ReplyKind, respArrayHeader, respBulkLatin1, SHARD_COUNT, unpackList, type Args, type OutBuffer } from '@kv/wire';
import { answerTo, cursorAt, cursorText, parseScan, ReplyTo, type CommandSpec, type ReplySink, type ScanRequest } from '@kv/node';
import type { Conn } from '../client/conn';
import { Gather } from './gather';
import { Slot, type Peers } from '../links/peers';

const LINK_DOWN = 'ERR the worker owning this key is down';

/**
 * SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]. The cursor is `shard * 2^32 + slot`
 * (apps/node/src/commands/scan.ts), so the shard says which worker to ask: the command runs there
 * on that one shard. When the shard runs out before COUNT keys were found, the walk goes on into
 * the next shard within the same call while the steps run here and at once, and may take one step
 * on another worker last: a step taken after waiting could see writes of commands the client sent
 * after this SCAN. So a call returns at most COUNT keys, often fewer (as Redis's may). Replies
 * [next cursor, [keys...]], cursor "0" at the end.
 */
export function runScan(conn: Conn, spec: CommandSpec, args: Args): void {
  const request = parseScan(args);
  if (typeof request === 'string') return conn.error(request);
  const scan = new Scan(conn, spec, request);
  scan.step();
  scan.inline = false;
  // Every step ran here and at once: answer in place, like a local command.
  if (!scan.owed) {
    if (scan.error !== '') conn.error(scan.error);
    else scan.encodeReply(conn.target());
  }
}

/** One SCAN call in flight: its place in the client's reply order, and the keys found so far. */
class Scan extends Gather {
  /** Placed in the client's reply order (some step had to wait for a worker). */
  owed = false;
  /**
   * Still within the client's command: a step that ends now may go on into the next shard. Once
   * a step had to wait (for a peer, or for a transaction here), the client's later commands may
   * have run, and a further step could see their writes: the call ends with that step.
   */
  inline = true;
  private cursor = '0';
  private readonly keys: string[] = [];
  private readonly sink: ReplySink;

  constructor(
    private readonly conn: Conn,
    private readonly spec: CommandSpec,
    private readonly request: ScanRequest,
  ) {
    super(conn, true, 'scan', 1);
    this.sink = new ReplyTo((kind, payload) => this.stepped(kind, payload));
  }

  /** Runs the command on the shard the walk is at, here or on its owner. */
  step(): void {
    const request = this.request;
    if (request.shard >= SHARD_COUNT) return this.finish('0');
    const router = this.conn.router;
    const owner = router.owners[request.shard];
    const args = this.stepArgs();
    if (owner === router.self) {
      const shards = router.node.shards;
      // A transaction holds this worker's shards: the step waits its turn.
      if (shards.busy) this.place();
      shards.run(() => shards.runWorkerCommand(this.spec, args, this.sink), answerTo(this.sink));
    } else if (!router.peers.isUp(owner)) {
      this.fail(LINK_DOWN);
    } else {
      this.place();
      router.peers.forward(owner, this.spec.opcode, args, new StepSlot(this));
    }
  }

  /** A shard answered [next cursor, keys...]: keep the keys, then stop or go on into the next shard. */
  stepped(kind: ReplyKind, payload: string): void {
    if (kind !== ReplyKind.BULK) return this.fail(kind === ReplyKind.ERROR ? payload : 'ERR unexpected reply to SCAN');
    const [next, ...keys] = unpackList(payload);
    for (const key of keys) this.keys.push(key);
    const request = this.request;
    const at = cursorAt(next);
    if (at === undefined) return this.fail('ERR invalid cursor');
    const shardDone = at.shard !== request.shard;
    request.shard = at.shard;
    request.slot = at.slot;
    if (next === '0' || !shardDone || this.keys.length >= request.count || !this.inline) return this.finish(next);
    this.step();
  }

  /** The command for the current step: the client's options, COUNT what is still wanted. */
  private stepArgs(): Args {
    const request = this.request;
    const parts = ['SCAN', cursorText(request.shard, request.slot), 'COUNT', String(request.count - this.keys.length)];
    if (request.match !== null) parts.push('MATCH', request.match);
    if (request.type !== null) parts.push('TYPE', request.type);
    return argsOf(parts);
  }

  private place(): void {
    if (this.owed) return;
    this.owed = true;
    this.conn.owe(this);
  }

  private fail(message: string): void {
    this.error = message;
    this.finish('0');
  }

  private finish(cursor: string): void {
    this.cursor = cursor;
    this.remaining = 0;
    this.done = true;
    if (this.owed) this.conn.router.peers.markDirty(this.conn);
  }

  override encodeReply(out: OutBuffer): boolean {
    respArrayHeader(out, 2);
    respBulkLatin1(out, this.cursor);
    respArrayHeader(out, this.keys.length);
    for (const key of this.keys) respBulkLatin1(out, key);
    return true;
  }
}

/** A step sent to another worker. */
class StepSlot extends Slot {
  constructor(private readonly scan: Scan) {
    super(scan.owner, true);
  }
  override settle(kind: ReplyKind, payload: string, _peers: Peers): void {
    this.scan.stepped(kind, payload);
  }
}

