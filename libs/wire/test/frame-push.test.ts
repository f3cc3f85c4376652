import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Args } from '../src/args';
import { CLIENT_ID_FLAG, FRAME_HEADER_BYTES, FrameDecoder, FrameEncoder, FrameError, FrameKind, PushEncoder, PushReader, ReplyMode, RequestReader, type FrameSink } from '../src';

// Push frames (messages that answer no request) and a request that names its asking client.

const t = suite('wire:push frames and client ids');

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

/** Every message of a push frame, as [kind, parts]. */
function read(frame: Buffer): [number, string[]][] {
  const frames: [FrameKind, number, Buffer, number, number][] = [];
  const sink: FrameSink = { frame: (kind, count, buf, start, end) => void frames.push([kind, count, Buffer.from(buf.subarray(start, end)), 0, end - start]) };
  new FrameDecoder().feed(frame, sink);
  assert.is(frames.length, 1);
  const [kind, count, body] = frames[0];
  assert.is(kind, FrameKind.PUSH);
  const reader = new PushReader();
  reader.reset(body, 0, body.length);
  const out: [number, string[]][] = [];
  for (let i = 0; i < count; i++) {
    const k = reader.next();
    const parts: string[] = [];
    for (let j = 0; j < reader.args.count; j++) parts.push(reader.args.latin1(j));
    out.push([k, parts]);
  }
  return out;
}

t('push messages cross whole, in order, binary parts and empty ones included', () => {
  const enc = new PushEncoder();
  enc.begin(1, 3);
  enc.latin1('ch');
  const bytes = Buffer.from([0, 255, 13, 10]);
  enc.part(bytes, 0, bytes.length);
  enc.latin1('');
  enc.begin(7, 0);
  enc.begin(2, 1);
  enc.latin1('x'.repeat(70_000));
  assert.is(enc.count, 3);
  const frame = enc.frames.finish()!;
  assert.is(frame[4], FrameKind.PUSH);
  assert.equal(read(frame), [
    [1, ['ch', '\x00\xff\r\n', '']],
    [7, []],
    [2, ['x'.repeat(70_000)]],
  ]);
  assert.is(enc.count, 0);
});

t('a message is added whole: a part past it, or a new one before the last ends, is refused', () => {
  const enc = new PushEncoder();
  enc.begin(1, 1);
  assert.throws(() => enc.begin(1, 1), /still owes 1/);
  enc.latin1('a');
  assert.throws(() => enc.latin1('b'), /past its message/);
  assert.is(enc.count, 1);
});

t('a corrupt push message is a FrameError: truncated, a part past the end, a count its bytes cannot hold', () => {
  const enc = new PushEncoder();
  enc.begin(1, 2);
  enc.latin1('abc');
  enc.latin1('de');
  const body = enc.frames.finish()!.subarray(FRAME_HEADER_BYTES);
  const reader = new PushReader();
  reader.reset(body, 0, 3);
  throwsFrameError(() => reader.next(), /truncated push message/);
  reader.reset(body, 0, body.length - 1);
  throwsFrameError(() => reader.next(), /push part past the frame end/);
  const huge = Buffer.from(body);
  huge.writeUInt32LE(1_000_000, 1);
  reader.reset(huge, 0, huge.length);
  throwsFrameError(() => reader.next(), /push message of 1000000 parts/);
});

t('a request may name its asking client (a flag in the mode byte and an f64 after it); one that does not reads client 0', () => {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  enc.command(1, 5, argsOf(['GET', 'k']), 0, ReplyMode.RESP3, 2 ** 40 + 17);
  enc.command(2, 6, argsOf(['SET', 'k', 'v']), 0, ReplyMode.RESP);
  const frame = enc.finish()!;
  assert.is(frame[FRAME_HEADER_BYTES + 5], ReplyMode.RESP3 | CLIENT_ID_FLAG);
  const reader = new RequestReader();
  reader.reset(frame, FRAME_HEADER_BYTES, frame.length);
  assert.is(reader.next(), 5);
  assert.is(reader.mode, ReplyMode.RESP3);
  assert.is(reader.client, 2 ** 40 + 17);
  assert.equal([reader.args.latin1(0), reader.args.latin1(1)], ['GET', 'k']);
  assert.is(reader.next(), 6);
  assert.is(reader.mode, ReplyMode.RESP);
  assert.is(reader.client, 0);
  assert.is(reader.args.count, 3);
  // Cut inside the client id: corrupt, not a misread.
  reader.reset(frame, FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + 12);
  throwsFrameError(() => reader.next(), /truncated request/);
});

t.run();
