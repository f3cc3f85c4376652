import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, FRAME_HEADER_BYTES, FrameEncoder, FrameKind, NO_REPLY, ReplyKind, ReplyMode, ReplyReader } from '@kv/wire';
import { ShardSet } from '../src/shards/shards';
import { FrameReplies, ShardNode } from '../src/shards/node';
import { ReplyTo, type ReplySink } from '../src/reply';
import { commandNamed, type CommandSpec } from '../src/commands/table';

// A request is answered exactly once, whatever its handler does: enforced where replies are made
// (ShardSet's guard for every local or peer command, FrameReplies for a reply frame).

const ALL = Array.from({ length: 16 }, (_, i) => i);
const t = suite('exactly one reply per command');

/** A one-key command whose handler does what `body` says with its sink. */
function spec(name: string, body: (reply: ReplySink) => void): CommandSpec {
  return { ...commandNamed('GET'), name, handler: (_store, _args, reply) => body(reply) };
}

function setup(): { shards: ShardSet; faults: string[]; got: [ReplyKind, string][]; sink: ReplyTo } {
  const faults: string[] = [];
  const shards = new ShardSet(ALL, 1 << 20, 'allkeys-lru', { fault: (message) => faults.push(message) });
  const got: [ReplyKind, string][] = [];
  return { shards, faults, got, sink: new ReplyTo((kind, payload) => got.push([kind, payload])) };
}

t('a handler that answers and then throws: its one reply stands, the throw is reported, no error follows it', () => {
  const { shards, faults, got, sink } = setup();
  shards.executeOn(0, spec('ANSWERTHROW', (r) => {
    r.bulk('mine');
    throw new Error('after the reply');
  }), argsOf(['X', 'k']), sink);
  assert.equal(got, [[ReplyKind.BULK, 'mine']]);
  assert.equal(faults, ['a command threw after its reply: the reply stands, nothing more was sent']);
});

t('a handler that throws before answering is answered the error, once', () => {
  const { shards, faults, got, sink } = setup();
  shards.executeOn(0, spec('THROW', () => {
    throw new Error('boom');
  }), argsOf(['X', 'k']), sink);
  assert.equal(got, [[ReplyKind.ERROR, 'ERR boom']]);
  assert.equal(faults, []);
});

t('a handler that answers twice: the second is dropped and counted; one that answers nothing gets an error', () => {
  const { shards, faults, got, sink } = setup();
  shards.executeOn(0, spec('TWICE', (r) => {
    r.ok();
    r.integer(2);
  }), argsOf(['X', 'k']), sink);
  shards.runWorkerCommand({ ...commandNamed('DBSIZE'), workerHandler: () => {} }, argsOf(['DBSIZE']), sink);
  assert.equal(got, [[ReplyKind.OK, ''], [ReplyKind.ERROR, 'ERR internal error: the command gave no reply']]);
  assert.is(shards.extraReplies, 1);
  assert.equal(faults, ['a command answered more than once: the extra replies were dropped', 'a command gave no reply']);
});

t('a handler that keeps its sink and answers after returning: nothing reaches the client', () => {
  const { shards, got, sink } = setup();
  let kept: ReplySink | null = null;
  shards.executeOn(0, spec('LATE', (r) => {
    kept = r;
    r.nil();
  }), argsOf(['X', 'k']), sink);
  kept!.bulk('late');
  assert.equal(got, [[ReplyKind.NIL, '']]);
});

t('nested commands (a reply that runs the next step) each get their own guard', () => {
  const { shards, got, sink } = setup();
  const inner = spec('INNER', (r) => r.bulk('inner'));
  const outer = new ReplyTo((kind, payload) => {
    got.push([kind, payload]);
    // The outer reply runs another command before the outer handler returns, then the handler throws.
    shards.executeOn(1, inner, argsOf(['X', 'k']), sink);
  });
  shards.executeOn(0, spec('OUTER', (r) => {
    r.status('outer');
    throw new Error('late');
  }), argsOf(['X', 'k']), outer);
  assert.equal(got, [[ReplyKind.STATUS, 'outer'], [ReplyKind.BULK, 'inner']]);
});

t('a release inside waiting work (a transaction run whole in its turn) lets that work finish before the rest of the line', () => {
  const { shards } = setup();
  const order: string[] = [];
  shards.holdFor('a', -1, []);
  shards.defer(() => {
    order.push('first starts');
    shards.holdFor('inner', -1, []);
    shards.abort('inner');
    order.push('first ends');
  });
  shards.defer(() => order.push('second'));
  shards.abort('a');
  assert.equal(order, ['first starts', 'first ends', 'second']);
  assert.not.ok(shards.busy);
});

/** A request frame of GETs with the given ids, served by a node; the replies read back with their ids. */
function serve(node: ShardNode, replies: FrameReplies, requests: [id: number, opcode: number, argv: string[]][]): [number, ReplyKind, string][] {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  for (const [id, opcode, argv] of requests) enc.command(id, opcode, argsOf(argv), 0, ReplyMode.FORM);
  const frame = enc.finish()!;
  node.serveBatch(requests.length, frame, FRAME_HEADER_BYTES, frame.length, replies, 1);
  const out = replies.encoder.finish();
  if (out === null) return [];
  const reader = new ReplyReader();
  reader.reset(out, FRAME_HEADER_BYTES, out.length);
  const seen: [number, ReplyKind, string][] = [];
  for (let i = 0; i < out.readUInt32LE(5); i++) {
    const kind = reader.next();
    seen.push([reader.id, kind, out.latin1Slice(reader.start, reader.stop)]);
  }
  return seen;
}

t('a peer request is answered once with its id; one that waited behind a hold is answered with its own id when it runs', () => {
  const node = new ShardNode(ALL, 1 << 20);
  const replies = new FrameReplies();
  const GET = commandNamed('GET').opcode;
  const SET = commandNamed('SET').opcode;
  assert.equal(serve(node, replies, [[11, SET, ['SET', 'k', 'v']], [12, GET, ['GET', 'k']], [13, 250, ['NOSUCH']]]), [
    [11, ReplyKind.OK, ''],
    [12, ReplyKind.BULK, 'v'],
    [13, ReplyKind.ERROR, 'ERR unknown command'],
  ]);
  node.shards.holdFor('tx', -1, []);
  assert.equal(serve(node, replies, [[21, GET, ['GET', 'k']], [22, GET, ['GET', 'nope']]]), [], 'both wait behind the hold');
  const TXABORT = commandNamed('TXABORT').opcode;
  assert.equal(serve(node, replies, [[NO_REPLY, TXABORT, ['TXABORT', 'tx']], [31, GET, ['GET', 'k']]]), [
    [21, ReplyKind.BULK, 'v'],
    [22, ReplyKind.NIL, ''],
    [31, ReplyKind.BULK, 'v'],
  ]);
});

t.run();
