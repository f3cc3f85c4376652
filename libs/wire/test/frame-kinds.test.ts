import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Args } from '../src/args';
import { FRAME_HEADER_BYTES, FrameEncoder, FrameError, FrameKind, LAST_REPLY_KIND, ReplyKind, ReplyMode, ReplyReader, RequestReader, decodeItems } from '../src';

// The reply kinds and modes RESP3 brought: mode RESP3, MAP and NULL_ARRAY replies, and what a
// corrupt one looks like to the reader.

const t = suite('wire:frame kinds (RESP3, MAP, NULL_ARRAY)');

function argsOf(parts: string[]): Args {
  const buf = Buffer.from(parts.join(''), 'latin1');
  const args = new Args(2);
  args.reset(buf);
  let pos = 0;
  for (const p of parts) {
    args.push(pos, pos + p.length);
    pos += p.length;
  }
  return args;
}

function replies(fill: (enc: FrameEncoder) => void): { bytes: Buffer; reader: ReplyReader } {
  const enc = new FrameEncoder(FrameKind.REPLY);
  fill(enc);
  const bytes = enc.finish()!;
  const reader = new ReplyReader();
  reader.reset(bytes, FRAME_HEADER_BYTES, bytes.length);
  return { bytes, reader };
}

function throwsFrameError(fn: () => unknown, message: RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, FrameError);
    assert.match((err as Error).message, message);
    return;
  }
  assert.unreachable(`no FrameError (${message})`);
}

t('a request of mode RESP3 carries it; a mode past RESP3 is corrupt', () => {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  enc.command(1, 5, argsOf(['GET', 'k']), 0, ReplyMode.RESP3);
  enc.command(2, 6, argsOf(['GET', 'k']), 0, ReplyMode.RESP);
  const frame = enc.finish()!;
  const reader = new RequestReader();
  reader.reset(frame, FRAME_HEADER_BYTES, frame.length);
  assert.is(reader.next(), 5);
  assert.is(reader.mode, ReplyMode.RESP3);
  assert.is(reader.next(), 6);
  assert.is(reader.mode, ReplyMode.RESP);
  const bad = Buffer.from(frame);
  bad[FRAME_HEADER_BYTES + 5] = ReplyMode.RESP3 + 1;
  reader.reset(bad, FRAME_HEADER_BYTES, bad.length);
  throwsFrameError(() => reader.next(), /unknown reply mode 4/);
});

t('a MAP reply carries field and value pairs (nil values too) in ARRAY layout; NULL_ARRAY has no payload', () => {
  const items = ['f1', 'v1', 'f2', undefined, '', 'x'.repeat(300), '\u00ff\u0000', ''];
  const { bytes, reader } = replies((enc) => {
    enc.replyMap(1, items);
    enc.replyMap(2, []);
    enc.reply(3, ReplyKind.NULL_ARRAY);
    enc.replyArray(4, ['a']);
  });
  assert.is(bytes.readUInt32LE(5), 4);
  assert.is(reader.next(), ReplyKind.MAP);
  assert.equal(decodeItems(bytes, reader.start, reader.stop, ReplyKind.MAP), items);
  assert.is(reader.next(), ReplyKind.MAP);
  assert.equal(decodeItems(bytes, reader.start, reader.stop, ReplyKind.MAP), []);
  assert.is(reader.next(), ReplyKind.NULL_ARRAY);
  assert.is(reader.stop - reader.start, 0);
  assert.is(reader.next(), ReplyKind.ARRAY);
  assert.equal(decodeItems(bytes, reader.start, reader.stop), ['a']);
});

t('replyMap refuses an odd count of items (a bug in the caller, not a frame to send)', () => {
  const enc = new FrameEncoder(FrameKind.REPLY);
  assert.throws(() => enc.replyMap(1, ['f1', 'v1', 'f2']), /even count/);
});

t('a corrupt MAP is refused: odd count, a count its bytes cannot hold, an item of another kind, bytes after the last item', () => {
  const { bytes, reader } = replies((enc) => enc.replyMap(1, ['f', 'v']));
  reader.next();
  const start = reader.start;
  const stop = reader.stop;
  const odd = Buffer.from(bytes);
  odd.writeUInt32LE(3, start);
  throwsFrameError(() => decodeItems(odd, start, stop, ReplyKind.MAP), /odd count/);
  // The same count read as an ARRAY is only short of bytes.
  throwsFrameError(() => decodeItems(odd, start, stop), /items in|truncated|past the reply end/);
  const huge = Buffer.from(bytes);
  huge.writeUInt32LE(0xfffffffe, start);
  throwsFrameError(() => decodeItems(huge, start, stop, ReplyKind.MAP), /items in \d+ bytes/);
  const item = Buffer.from(bytes);
  item[start + 4] = ReplyKind.MAP;
  throwsFrameError(() => decodeItems(item, start, stop, ReplyKind.MAP), /array item of kind 9/);
  const longer = Buffer.concat([bytes.subarray(0, stop), Buffer.from([0])]);
  throwsFrameError(() => decodeItems(longer, start, stop + 1, ReplyKind.MAP), /after the last array item/);
  throwsFrameError(() => decodeItems(bytes, start, start + 3, ReplyKind.MAP), /truncated array/);
});

t('a reply of an unknown kind is corrupt: 0 and every kind past the last', () => {
  for (const kind of [0, LAST_REPLY_KIND + 1, 0x7f, 0xff]) {
    const body = Buffer.from([1, 0, 0, 0, kind, 0, 0, 0, 0]);
    const reader = new ReplyReader();
    reader.reset(body, 0, body.length);
    throwsFrameError(() => reader.next(), new RegExp(`unknown reply kind ${kind}`));
  }
  for (let kind = ReplyKind.OK; kind <= LAST_REPLY_KIND; kind++) {
    const body = Buffer.from([1, 0, 0, 0, kind, 0, 0, 0, 0]);
    const reader = new ReplyReader();
    reader.reset(body, 0, body.length);
    assert.is(reader.next(), kind);
  }
});

t.run();
