import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, FRAME_HEADER_BYTES, FrameEncoder, FrameKind, NO_REPLY, ReplyKind, ReplyMode, ReplyReader } from '@kv/wire';
import { MAX_WAITING, MAX_WAITING_BYTES, WaitingLine } from '../src/shards/line';
import { LINE_FULL } from '../src';
import { ShardSet } from '../src/shards/shards';
import { FrameReplies, ShardNode } from '../src/shards/node';
import { commandNamed } from '../src/commands/table';

// What waits behind a transaction's hold is bounded, by count and by bytes of arguments: past
// either, a command is answered LINE_FULL at once (never queued, never dropped in silence).

const ALL = Array.from({ length: 16 }, (_, i) => i);
const t = suite('the line behind a hold is bounded');

t(`at most ${MAX_WAITING} commands wait: the next is refused; once the line moves, commands are taken again`, () => {
  const shards = new ShardSet(ALL, 1 << 20);
  shards.holdFor('tx', -1, []);
  let ran = 0;
  for (let i = 0; i < MAX_WAITING; i++) assert.ok(shards.offer(() => ran++, 10));
  assert.not.ok(shards.offer(() => ran++, 10), 'one past the bound is refused');
  assert.is(shards.waiting.length, MAX_WAITING);
  shards.abort('tx');
  assert.is(ran, MAX_WAITING, 'every command taken ran, in its turn');
  assert.is(shards.waiting.length, 0);
  assert.is(shards.waiting.bytes, 0);
  shards.holdFor('tx2', -1, []);
  assert.ok(shards.offer(() => ran++, 10), 'taken again once there is room');
});

t(`at most ${MAX_WAITING_BYTES / 1048576} MB of copied arguments wait: a large command past it is refused, a small one still fits`, () => {
  const line = new WaitingLine();
  assert.ok(line.offer(() => {}, MAX_WAITING_BYTES - 100));
  assert.not.ok(line.offer(() => {}, 101), 'past the byte bound');
  assert.ok(line.offer(() => {}, 100), 'exactly up to it');
  line.next()!();
  assert.is(line.bytes, 100, 'bytes are counted off as work leaves the line');
  line.push(() => {}, 1 << 30);
  assert.is(line.length, 2, 'internal work (a hand-over) is always taken');
});

t('a peer request past the bound is answered LINE_FULL at once, with its own id; those taken are answered when the hold ends', () => {
  const node = new ShardNode(ALL, 1 << 20);
  const replies = new FrameReplies();
  const GET = commandNamed('GET').opcode;
  node.shards.holdFor('tx', -1, []);
  // Fill the line but for one place.
  for (let i = 0; i < MAX_WAITING - 1; i++) node.shards.offer(() => {}, 0);
  const enc = new FrameEncoder(FrameKind.REQUEST);
  enc.command(41, GET, argsOf(['GET', 'k']), 0, ReplyMode.FORM);
  enc.command(42, GET, argsOf(['GET', 'k']), 0, ReplyMode.RESP);
  const frame = enc.finish()!;
  node.serveBatch(2, frame, FRAME_HEADER_BYTES, frame.length, replies, 1);
  const read = (): [number, ReplyKind, string][] => {
    const out = replies.encoder.finish();
    if (out === null) return [];
    const reader = new ReplyReader();
    reader.reset(out, FRAME_HEADER_BYTES, out.length);
    return Array.from({ length: out.readUInt32LE(5) }, () => {
      const kind = reader.next();
      return [reader.id, kind, out.latin1Slice(reader.start, reader.stop)] as [number, ReplyKind, string];
    });
  };
  assert.equal(read(), [[42, ReplyKind.ENCODED, `-${LINE_FULL}\r\n`]], 'the first took the last place; the second is refused at once');
  const TXABORT = commandNamed('TXABORT').opcode;
  const abort = new FrameEncoder(FrameKind.REQUEST);
  abort.command(NO_REPLY, TXABORT, argsOf(['TXABORT', 'tx']));
  const bytes = abort.finish()!;
  node.serveBatch(1, bytes, FRAME_HEADER_BYTES, bytes.length, replies, 1);
  assert.equal(read(), [[41, ReplyKind.NIL, '']]);
});

t.run();
