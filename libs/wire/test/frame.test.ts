import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Args } from '../src/args';
import { fnv1a } from '../src/fnv';
import { SHARD_COUNT, shardOf, shardOfString } from '../src/keyslot';
import {
  FRAME_HEADER_BYTES,
  FrameDecoder,
  FrameEncoder,
  FrameError,
  FrameKind,
  LAST_FRAME_KIND,
  type FrameSink,
  MAX_FRAME_BYTES,
  ReplyKind,
  ReplyMode,
  ReplyReader,
  RequestReader,
  decodeItems,
  helloFrame,
  helloVersion,
  NO_REPLY,
} from '../src';
import { OutBuffer } from '../src/out';
import { prng } from '../../../test-support/prng';


function randomBytes(rand: () => number, n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor(rand() * 256);
  return out;
}

/** Args over one buffer holding the given parts, with some junk around them so offsets matter. */
function argsOf(parts: Buffer[]): Args {
  const args = new Args(2);
  const buf = Buffer.concat([Buffer.from('<<'), ...parts.flatMap((p) => [p, Buffer.from('|')])]);
  args.reset(buf);
  let pos = 2;
  for (const p of parts) {
    args.push(pos, pos + p.length);
    pos += p.length + 1;
  }
  return args;
}

/** A request or reply as the tests write it: without an id, the n-th of its frame gets id n + 1. */
interface Command {
  id?: number;
  opcode: number;
  args: Buffer[];
}
interface Reply {
  id?: number;
  kind: ReplyKind;
  payload: Buffer;
}
type Frame = { kind: FrameKind.REQUEST; commands: Command[] } | { kind: FrameKind.REPLY; replies: Reply[] };

/**
 * A FrameSink that reads each frame completely while it is handed over (its buffer may be reused
 * afterwards), copying every argument and payload.
 */
class Collector implements FrameSink {
  readonly frames: Frame[] = [];
  private readonly requests = new RequestReader();
  private readonly replies = new ReplyReader();
  frame(kind: FrameKind, count: number, buf: Buffer, start: number, end: number): void {
    if (kind === FrameKind.REQUEST) {
      const commands: Command[] = [];
      this.requests.reset(buf, start, end);
      for (let i = 0; i < count; i++) {
        const opcode = this.requests.next();
        const a = this.requests.args;
        const args: Buffer[] = [];
        for (let j = 0; j < a.count; j++) args.push(Buffer.from(a.buf.subarray(a.starts[j], a.ends[j])));
        commands.push({ id: this.requests.id, opcode, args });
      }
      this.frames.push({ kind, commands });
    } else {
      const replies: Reply[] = [];
      this.replies.reset(buf, start, end);
      for (let i = 0; i < count; i++) {
        const k = this.replies.next();
        replies.push({ id: this.replies.id, kind: k, payload: Buffer.from(this.replies.buf.subarray(this.replies.start, this.replies.stop)) });
      }
      this.frames.push({ kind: FrameKind.REPLY, replies });
    }
  }
}

function encodeRequests(commands: Command[]): Buffer {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  commands.forEach((c, i) => enc.command(c.id ?? i + 1, c.opcode, argsOf(c.args)));
  const frame = enc.finish();
  assert.ok(frame);
  return frame!;
}

function encodeReplies(replies: Reply[]): Buffer {
  const enc = new FrameEncoder(FrameKind.REPLY);
  replies.forEach((r, i) => {
    if (r.payload.length === 0 && (r.kind === ReplyKind.OK || r.kind === ReplyKind.NIL)) enc.reply(r.id ?? i + 1, r.kind);
    else enc.replyLatin1(r.id ?? i + 1, r.kind, r.payload.toString('latin1'));
  });
  const frame = enc.finish();
  assert.ok(frame);
  return frame!;
}

function decode(chunks: Buffer[]): Frame[] {
  const dec = new FrameDecoder();
  const sink = new Collector();
  for (const c of chunks) dec.feed(c, sink);
  return sink.frames;
}

/** Comparable form: Buffers as hex so assert.equal diffs them. */
function show(frames: Frame[]): unknown {
  return frames.map((f) =>
    f.kind === FrameKind.REQUEST
      ? { kind: 'REQUEST', commands: f.commands.map((c, i) => ({ id: c.id ?? i + 1, opcode: c.opcode, args: c.args.map((a) => a.toString('hex')) })) }
      : { kind: 'REPLY', replies: f.replies.map((r, i) => ({ id: r.id ?? i + 1, kind: r.kind, payload: r.payload.toString('hex') })) },
  );
}

const rand0 = prng(0xf4a3e);
const REQUESTS_A: Command[] = [
  { opcode: 1, args: [] },
  { opcode: 2, args: [Buffer.from('key')] },
  { opcode: 3, args: [Buffer.from('key'), Buffer.from('a value with spaces')] },
  { opcode: 4, args: [Buffer.alloc(0), Buffer.alloc(0), Buffer.alloc(0)] },
  { opcode: 255, args: [Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x0a, 0x0d]), randomBytes(rand0, 31), randomBytes(rand0, 32)] },
  { opcode: 0, args: [randomBytes(rand0, 256), randomBytes(rand0, 256)] },
  { opcode: 7, args: Array.from({ length: 12 }, (_, i) => randomBytes(rand0, i * 3)) }, // more than Args' initial 8
];
const REQUESTS_B: Command[] = [{ opcode: 9, args: [Buffer.from('k')] }];
const REPLIES: Reply[] = [
  { kind: ReplyKind.OK, payload: Buffer.alloc(0) },
  { kind: ReplyKind.NIL, payload: Buffer.alloc(0) },
  { kind: ReplyKind.BULK, payload: Buffer.alloc(0) },
  { kind: ReplyKind.BULK, payload: Buffer.from([0x00, 0x80, 0xff, 0x0a, 0x20]) },
  { kind: ReplyKind.BULK, payload: randomBytes(rand0, 256) },
  { kind: ReplyKind.ERROR, payload: Buffer.alloc(0) },
  { kind: ReplyKind.ERROR, payload: Buffer.from('ERROR something broke') },
  { kind: ReplyKind.INTEGER, payload: Buffer.from('12345') },
  { kind: ReplyKind.INTEGER, payload: Buffer.alloc(0) },
  { kind: ReplyKind.OK, payload: Buffer.from('OK') },
];

const STREAM_FRAMES: Frame[] = [
  { kind: FrameKind.REQUEST, commands: REQUESTS_A },
  { kind: FrameKind.REPLY, replies: REPLIES },
  { kind: FrameKind.REQUEST, commands: REQUESTS_B },
  { kind: FrameKind.REPLY, replies: [{ kind: ReplyKind.NIL, payload: Buffer.alloc(0) }] },
];
function streamBytes(): Buffer {
  return Buffer.concat([encodeRequests(REQUESTS_A), encodeReplies(REPLIES), encodeRequests(REQUESTS_B), encodeReplies([REPLIES[1]])]);
}

// ---------------------------------------------------------------------------------------------

const frame = suite('wire:frame');

frame('a request frame round-trips commands with 0..12 args, empty args, binary bytes and 256-byte args', () => {
  assert.equal(show(decode([encodeRequests(REQUESTS_A)])), show([{ kind: FrameKind.REQUEST, commands: REQUESTS_A }]));
});

frame('a reply frame round-trips every reply kind with empty and non-empty payloads', () => {
  assert.equal(show(decode([encodeReplies(REPLIES)])), show([{ kind: FrameKind.REPLY, replies: REPLIES }]));
});

frame('a frame header carries body length, kind and entry count, little endian', () => {
  const bytes = encodeRequests([{ opcode: 2, args: [Buffer.from('ab')] }, { opcode: 1, args: [] }]);
  // body: [id 1, opcode 2, mode FORM, argc 1, len 2, 'a', 'b'] + [id 2, opcode 1, mode FORM, argc 0]; ids, counts and lengths u32 little endian
  const body = Buffer.from([1, 0, 0, 0, 2, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0x61, 0x62, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0]);
  assert.is(bytes.length, FRAME_HEADER_BYTES + body.length);
  assert.is(bytes.readUInt32LE(0), body.length);
  assert.is(bytes[4], FrameKind.REQUEST);
  assert.is(bytes.readUInt32LE(5), 2);
  assert.is(bytes.subarray(FRAME_HEADER_BYTES).toString('hex'), body.toString('hex'));
});

frame('a request carries its reply mode; an ENCODED reply carries the bytes appended between begin and end', () => {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  enc.command(1, 5, argsOf([Buffer.from('GET'), Buffer.from('k')]), 0, ReplyMode.RESP);
  enc.command(2, 6, argsOf([Buffer.from('GET'), Buffer.from('k')]), 0, ReplyMode.TEXT);
  enc.command(3, 7, argsOf([Buffer.from('GET'), Buffer.from('k')]));
  const frame = enc.finish()!;
  const reader = new RequestReader();
  reader.reset(frame, FRAME_HEADER_BYTES, frame.length);
  const modes: [number, ReplyMode][] = [];
  for (let i = 0; i < 3; i++) modes.push([reader.next(), reader.mode]);
  assert.equal(modes, [[5, ReplyMode.RESP], [6, ReplyMode.TEXT], [7, ReplyMode.FORM]]);

  const replies = new FrameEncoder(FrameKind.REPLY);
  const at = replies.beginEncoded(2);
  replies.out.latin1('$2\r\nhi\r\n');
  replies.endEncoded(at);
  replies.replyLatin1(1, ReplyKind.BULK, 'x');
  const bytes = replies.finish()!;
  assert.is(bytes.readUInt32LE(5), 2, 'two entries');
  const r = new ReplyReader();
  r.reset(bytes, FRAME_HEADER_BYTES, bytes.length);
  assert.is(r.next(), ReplyKind.ENCODED);
  assert.equal([r.id, bytes.latin1Slice(r.start, r.stop)], [2, '$2\r\nhi\r\n']);
  assert.is(r.next(), ReplyKind.BULK);
  assert.equal([r.id, bytes.latin1Slice(r.start, r.stop)], [1, 'x'], 'replies name their requests, in any order');
});

frame('an ARRAY reply carries bulk strings and nils; a corrupt one is refused', () => {
  const enc = new FrameEncoder(FrameKind.REPLY);
  const items = ['a', undefined, '', 'x'.repeat(300), '\u00ff\u0000'];
  enc.replyArray(1, items);
  enc.replyArray(2, []);
  const bytes = enc.finish()!;
  const r = new ReplyReader();
  r.reset(bytes, FRAME_HEADER_BYTES, bytes.length);
  assert.is(r.next(), ReplyKind.ARRAY);
  assert.equal(decodeItems(bytes, r.start, r.stop), items);
  assert.is(r.next(), ReplyKind.ARRAY);
  assert.equal(decodeItems(bytes, r.start, r.stop), []);
  const one = new FrameEncoder(FrameKind.REPLY);
  one.replyArray(1, ['abc']);
  const b = one.finish()!;
  const body = FRAME_HEADER_BYTES + 9;
  assert.throws(() => decodeItems(b, body, b.length - 1), /past the reply end/);
  assert.throws(() => decodeItems(b, body, body + 2), /truncated array/);
  const bad = Buffer.from(b);
  bad[body + 4] = ReplyKind.ERROR;
  assert.throws(() => decodeItems(bad, body, bad.length), /array item of kind/);
  assert.throws(() => decodeItems(Buffer.concat([b, Buffer.from([0])]), body, b.length + 1), /after the last array item/);
});

frame('a CURSOR reply travels as an array whose first item is the cursor', () => {
  const enc = new FrameEncoder(FrameKind.REPLY);
  enc.replyCursor(1, '42', ['f', 'v']);
  enc.replyCursor(2, '0', []);
  const bytes = enc.finish()!;
  const r = new ReplyReader();
  r.reset(bytes, FRAME_HEADER_BYTES, bytes.length);
  assert.is(r.next(), ReplyKind.CURSOR);
  assert.equal(decodeItems(bytes, r.start, r.stop), ['42', 'f', 'v']);
  assert.is(r.next(), ReplyKind.CURSOR);
  assert.equal(decodeItems(bytes, r.start, r.stop), ['0']);
});

frame('a request of an unknown reply mode is refused as corrupt', () => {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  enc.command(1, 5, argsOf([Buffer.from('GET')]));
  const frame = enc.finish()!;
  frame[FRAME_HEADER_BYTES + 5] = 9;
  const reader = new RequestReader();
  reader.reset(frame, FRAME_HEADER_BYTES, frame.length);
  assert.throws(() => reader.next(), /unknown reply mode 9/);
});

frame('command() skips the arguments before `first`', () => {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  enc.command(1, 5, argsOf([Buffer.from('GET'), Buffer.from('key')]), 1);
  assert.equal(show(decode([enc.finish()!])), show([{ kind: FrameKind.REQUEST, commands: [{ opcode: 5, args: [Buffer.from('key')] }] }]));
});

frame('several frames in one chunk are all handed over, in order', () => {
  const bytes = streamBytes();
  const sink = new Collector();
  let calls = 0;
  const counting: FrameSink = {
    frame(kind, count, buf, start, end) {
      calls++;
      sink.frame(kind, count, buf, start, end);
    },
  };
  new FrameDecoder().feed(bytes, counting);
  assert.is(calls, STREAM_FRAMES.length);
  assert.equal(show(sink.frames), show(STREAM_FRAMES));
});

frame('a frame wholly inside one chunk is handed over in place', () => {
  const a = encodeRequests(REQUESTS_B);
  const chunk = Buffer.concat([a, a]);
  const seen: Array<[Buffer, number, number]> = [];
  new FrameDecoder().feed(chunk, { frame: (_k, _c, buf, start, end) => void seen.push([buf, start, end]) });
  assert.is(seen.length, 2);
  assert.ok(seen[0][0] === chunk && seen[1][0] === chunk);
  assert.equal([seen[0][1], seen[0][2], seen[1][1], seen[1][2]], [9, a.length, a.length + 9, 2 * a.length]);
});

frame('the same bytes split at every boundary decode to the same frames', () => {
  const bytes = streamBytes();
  const expected = show(STREAM_FRAMES);
  for (let i = 0; i <= bytes.length; i++) {
    assert.equal(show(decode([bytes.subarray(0, i), bytes.subarray(i)])), expected, `split at ${i}`);
  }
});

frame('the same bytes fed byte by byte decode to the same frames', () => {
  const bytes = streamBytes();
  const chunks: Buffer[] = [];
  for (let i = 0; i < bytes.length; i++) chunks.push(bytes.subarray(i, i + 1));
  assert.equal(show(decode(chunks)), show(STREAM_FRAMES));
});

frame('the same bytes in chunks of every size decode to the same frames', () => {
  const bytes = streamBytes();
  const expected = show(STREAM_FRAMES);
  for (let size = 2; size <= bytes.length; size++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
    assert.equal(show(decode(chunks)), expected, `chunks of ${size}`);
  }
});

frame('a frame larger than the decoder’s first pending buffer decodes when split', () => {
  const rand = prng(7);
  const commands: Command[] = Array.from({ length: 600 }, (_, i) => ({ opcode: i & 0xff, args: [randomBytes(rand, 256)] }));
  const bytes = Buffer.concat([encodeRequests(commands), encodeRequests(REQUESTS_B)]);
  assert.ok(bytes.length > 128 * 1024);
  const expected = show([
    { kind: FrameKind.REQUEST, commands },
    { kind: FrameKind.REQUEST, commands: REQUESTS_B },
  ]);
  for (const cut of [1, FRAME_HEADER_BYTES, 1000, 70_000, bytes.length - 20]) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += cut) chunks.push(bytes.subarray(i, i + cut));
    assert.equal(show(decode(chunks)), expected, `chunks of ${cut}`);
  }
});

frame('finish() returns null when nothing was added', () => {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  assert.is(enc.finish(), null);
  enc.command(1, 1, argsOf([]));
  assert.ok(enc.finish());
  assert.is(enc.finish(), null);
  assert.is(enc.count, 0);
});

frame('the encoder starts afresh after finish()', () => {
  const enc = new FrameEncoder(FrameKind.REPLY);
  enc.replyLatin1(1, ReplyKind.BULK, 'first');
  enc.reply(2, ReplyKind.OK);
  const first = enc.finish()!;
  enc.replyLatin1(1, ReplyKind.BULK, 'second');
  const second = enc.finish()!;
  assert.is(first.readUInt32LE(5), 2);
  assert.is(second.readUInt32LE(5), 1);
  assert.equal(
    show(decode([first, second])),
    show([
      { kind: FrameKind.REPLY, replies: [{ kind: ReplyKind.BULK, payload: Buffer.from('first') }, { kind: ReplyKind.OK, payload: Buffer.alloc(0) }] },
      { kind: FrameKind.REPLY, replies: [{ kind: ReplyKind.BULK, payload: Buffer.from('second') }] },
    ]),
  );
});

frame('finish() returns a copy that later encoding does not overwrite', () => {
  const enc = new FrameEncoder(FrameKind.REPLY);
  enc.replyLatin1(1, ReplyKind.BULK, 'aaaa');
  const first = enc.finish()!;
  const snapshot = Buffer.from(first);
  enc.replyLatin1(2, ReplyKind.BULK, 'bbbb');
  enc.finish();
  assert.is(first.toString('hex'), snapshot.toString('hex'));
});

frame('the encoder starts afresh after discard()', () => {
  const enc = new FrameEncoder(FrameKind.REQUEST);
  enc.command(1, 1, argsOf([Buffer.from('dropped')]));
  enc.command(2, 2, argsOf([Buffer.from('dropped too')]));
  enc.discard();
  assert.is(enc.count, 0);
  assert.is(enc.finish(), null);
  enc.command(1, 3, argsOf([Buffer.from('kept')]));
  assert.equal(show(decode([enc.finish()!])), show([{ kind: FrameKind.REQUEST, commands: [{ opcode: 3, args: [Buffer.from('kept')] }] }]));
});

frame('the encoder grows past its initial buffer and keeps the header right', () => {
  const rand = prng(99);
  const commands: Command[] = Array.from({ length: 200 }, (_, i) => ({ opcode: i, args: [randomBytes(rand, 200), randomBytes(rand, 56)] }));
  const bytes = encodeRequests(commands);
  assert.ok(bytes.length > 16 * 1024);
  assert.is(bytes.readUInt32LE(0), bytes.length - FRAME_HEADER_BYTES);
  assert.equal(show(decode([bytes])), show([{ kind: FrameKind.REQUEST, commands }]));
});

function assertFrameError(fn: () => void, what: string): void {
  let caught: unknown = undefined;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof FrameError, `${what}: expected a FrameError, got ${String(caught)}`);
  assert.is((caught as FrameError).code, 'KV_ERR_FRAME', what);
  assert.ok(caught instanceof Error, what);
}

function header(bodyLen: number, kind: number, count: number): Buffer {
  const h = Buffer.alloc(FRAME_HEADER_BYTES);
  h.writeUInt32LE(bodyLen, 0);
  h[4] = kind;
  h.writeUInt32LE(count, 5);
  return h;
}

frame('a header with an unknown frame kind throws FrameError KV_ERR_FRAME', () => {
  for (const kind of [0, LAST_FRAME_KIND + 1, 0xff]) {
    assertFrameError(() => new FrameDecoder().feed(header(0, kind, 0), new Collector()), `kind ${kind}`);
  }
});

frame('a header with an absurd body length throws FrameError KV_ERR_FRAME', () => {
  for (const len of [MAX_FRAME_BYTES + 1, 0xffffffff]) {
    assertFrameError(() => new FrameDecoder().feed(header(len, FrameKind.REQUEST, 1), new Collector()), `length ${len}`);
  }
});

frame('a body length of exactly MAX_FRAME_BYTES is not corrupt: the decoder waits for the body', () => {
  const sink = new Collector();
  new FrameDecoder().feed(header(MAX_FRAME_BYTES, FrameKind.REPLY, 1), sink);
  assert.is(sink.frames.length, 0);
});

frame('a corrupt header is detected when it arrives split, after good frames', () => {
  const good = encodeRequests(REQUESTS_B);
  const bytes = Buffer.concat([good, header(10, 9, 1), Buffer.alloc(10)]);
  for (let i = good.length + 1; i < good.length + FRAME_HEADER_BYTES; i++) {
    const dec = new FrameDecoder();
    const sink = new Collector();
    dec.feed(bytes.subarray(0, i), sink);
    assert.is(sink.frames.length, 1, `split at ${i}`);
    assertFrameError(() => dec.feed(bytes.subarray(i), sink), `split at ${i}`);
  }
});

frame('a truncated request body throws FrameError', () => {
  const cases: Array<[string, number[]]> = [
    ['empty body', []],
    ['an id cut short', [1, 0, 0]],
    ['id without opcode', [1, 0, 0, 0]],
    ['opcode and mode without argc', [1, 0, 0, 0, 5, 0]],
    ['argc 1 without an argument length', [1, 0, 0, 0, 5, 0, 1, 0, 0, 0]],
    ['argument length cut short', [1, 0, 0, 0, 5, 0, 1, 0, 0, 0, 5, 0]],
    ['argument longer than the body', [1, 0, 0, 0, 5, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0x61, 0x62]],
    ['second argument missing', [1, 0, 0, 0, 5, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0x61]],
  ];
  for (const [what, body] of cases) {
    const reader = new RequestReader();
    const buf = Buffer.from([0xee, ...body, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]); // bytes outside the range must not be read
    reader.reset(buf, 1, 1 + body.length);
    assertFrameError(() => reader.next(), what);
  }
});

frame('reading one request more than the frame holds throws FrameError', () => {
  const bytes = encodeRequests(REQUESTS_B);
  const reader = new RequestReader();
  reader.reset(bytes, FRAME_HEADER_BYTES, bytes.length);
  assert.is(reader.next(), 9);
  assertFrameError(() => reader.next(), 'past the last request');
});

frame('a truncated reply throws FrameError', () => {
  const cases: Array<[string, number[]]> = [
    ['empty body', []],
    ['an id cut short', [7, 0]],
    ['id, kind and half a length', [7, 0, 0, 0, ReplyKind.BULK, 3, 0]],
    ['payload past the frame end', [7, 0, 0, 0, ReplyKind.BULK, 3, 0, 0, 0, 0x61, 0x62]],
  ];
  for (const [what, body] of cases) {
    const reader = new ReplyReader();
    const buf = Buffer.from([0xee, ...body, 0xee, 0xee, 0xee, 0xee, 0xee, 0xee]);
    reader.reset(buf, 1, 1 + body.length);
    assertFrameError(() => reader.next(), what);
  }
});


frame('ids round-trip as given, any u32 (0 is NO_REPLY, a request that gets no reply), in requests and in replies', () => {
  const ids = [NO_REPLY, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
  const commands: Command[] = ids.map((id, i) => ({ id, opcode: i + 1, args: [Buffer.from(`k${i}`)] }));
  const replies: Reply[] = ids.map((id) => ({ id, kind: ReplyKind.BULK, payload: Buffer.from(`v${id}`) }));
  const frames = decode([encodeRequests(commands), encodeReplies([...replies].reverse())]);
  assert.equal(show(frames), show([{ kind: FrameKind.REQUEST, commands }, { kind: FrameKind.REPLY, replies: [...replies].reverse() }]));
});

frame('a reply names its request by id wherever it is in the frame: the reader reports each id with its payload', () => {
  const enc = new FrameEncoder(FrameKind.REPLY);
  enc.replyLatin1(42, ReplyKind.BULK, 'for 42');
  enc.replyArray(7, ['a', undefined]);
  const at = enc.beginEncoded(0xabcdef01);
  enc.out.latin1('+OK\r\n');
  enc.endEncoded(at);
  enc.reply(9, ReplyKind.NIL);
  const bytes = enc.finish()!;
  const r = new ReplyReader();
  r.reset(bytes, FRAME_HEADER_BYTES, bytes.length);
  const seen: [number, ReplyKind, string][] = [];
  for (let i = 0; i < 4; i++) {
    const kind = r.next();
    seen.push([r.id, kind, kind === ReplyKind.ARRAY ? JSON.stringify(decodeItems(bytes, r.start, r.stop)) : bytes.latin1Slice(r.start, r.stop)]);
  }
  assert.equal(seen, [
    [42, ReplyKind.BULK, 'for 42'],
    [7, ReplyKind.ARRAY, '["a",null]'],
    [0xabcdef01, ReplyKind.ENCODED, '+OK\r\n'],
    [9, ReplyKind.NIL, ''],
  ]);
});

frame('a frame whose entry count claims one reply more than its body holds: the reader throws at the missing id, after the real ones', () => {
  const enc = new FrameEncoder(FrameKind.REPLY);
  enc.reply(1, ReplyKind.OK);
  const bytes = enc.finish()!;
  const r = new ReplyReader();
  r.reset(bytes, FRAME_HEADER_BYTES, bytes.length);
  assert.is(r.next(), ReplyKind.OK);
  assert.is(r.id, 1);
  assertFrameError(() => r.next(), 'a reply past the body');
});

// ---------------------------------------------------------------------------------------------

frame('a HELLO names the worker (count) and carries the command table version (u32 body)', () => {
  const hello = helloFrame(7, 0xdeadbeef);
  assert.is(hello.length, FRAME_HEADER_BYTES + 4);
  assert.is(hello.readUInt32LE(0), 4, 'body length');
  assert.is(hello[4], FrameKind.HELLO);
  assert.is(hello.readUInt32LE(5), 7);
  const seen: [FrameKind, number, number][] = [];
  new FrameDecoder().feed(hello, { frame: (kind, count, buf, start, end) => seen.push([kind, count, helloVersion(buf, start, end)]) });
  assert.equal(seen, [[FrameKind.HELLO, 7, 0xdeadbeef]]);
  const old = Buffer.alloc(FRAME_HEADER_BYTES);
  assert.is(helloVersion(old, FRAME_HEADER_BYTES, FRAME_HEADER_BYTES), -1, 'a HELLO without a version');
});

frame.run();
const fnv = suite('wire:fnv');

const latin1 = (s: string) => Buffer.from(s, 'latin1');

/** Reference FNV-1a 32 in BigInt arithmetic, independent of Math.imul tricks. */
function referenceFnv1a(bytes: Uint8Array): number {
  let h = 0x811c9dc5n;
  for (const byte of bytes) {
    h ^= BigInt(byte);
    h = (h * 0x01000193n) & 0xffffffffn;
  }
  return Number(h);
}

fnv('fnv1a matches the published FNV-1a 32-bit vectors', () => {
  const vectors: Array<[string, number]> = [
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ];
  for (const [input, hash] of vectors) {
    const buf = latin1(input);
    assert.is(fnv1a(buf, 0, buf.length), hash, JSON.stringify(input));
  }
});

fnv('fnv1a is unsigned and matches a BigInt reference for random binary input', () => {
  const rand = prng(12345);
  for (let i = 0; i < 2000; i++) {
    const bytes = randomBytes(rand, Math.floor(rand() * 300));
    const h = fnv1a(bytes, 0, bytes.length);
    assert.ok(h >= 0 && h <= 0xffffffff && Number.isInteger(h));
    assert.is(h, referenceFnv1a(bytes));
  }
});

fnv('fnv1a and shardOf hash only buf[start, end)', () => {
  const buf = latin1('xxfoobaryy');
  assert.is(fnv1a(buf, 2, 8), 0xbf9cf968);
  assert.is(shardOf(buf, 2, 8), shardOfString('foobar'));
  assert.is(fnv1a(buf, 5, 5), 0x811c9dc5);
});

fnv('shardOfString agrees with shardOf for random binary keys', () => {
  const rand = prng(424242);
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const key = randomBytes(rand, Math.floor(rand() * 257));
    const s = shardOf(key, 0, key.length);
    assert.ok(s >= 0 && s < SHARD_COUNT);
    assert.is(shardOfString(key.toString('latin1')), s, key.toString('hex'));
    seen.add(s);
  }
  assert.is(seen.size, SHARD_COUNT, 'every shard is reached');
});

fnv.run();

// ---------------------------------------------------------------------------------------------

const out = suite('wire:out');

out('growth keeps the content written so far', () => {
  const rand = prng(5);
  const o = new OutBuffer(4);
  const expected: number[] = [];
  for (let i = 0; i < 300; i++) {
    switch (i % 5) {
      case 0:
        o.u8(i & 0xff);
        expected.push(i & 0xff);
        break;
      case 1: {
        const v = Math.imul(0x01020304, i) >>> 0;
        o.u32(v);
        const b = Buffer.alloc(4);
        b.writeUInt32LE(v);
        expected.push(...b);
        break;
      }
      case 2: {
        const src = randomBytes(rand, Math.floor(rand() * 31)); // short copy path
        o.bytes(Buffer.concat([Buffer.from('zz'), src]), 2, 2 + src.length);
        expected.push(...src);
        break;
      }
      case 3: {
        const src = randomBytes(rand, 32 + Math.floor(rand() * 100)); // long copy path
        o.all(src);
        expected.push(...src);
        break;
      }
      case 4: {
        const text = randomBytes(rand, Math.floor(rand() * 50)).toString('latin1');
        o.latin1(text);
        expected.push(...latin1(text));
        break;
      }
    }
    assert.is(o.length, expected.length);
  }
  assert.ok(o.buf.length >= o.length);
  assert.is(o.buf.subarray(0, o.length).toString('hex'), Buffer.from(expected).toString('hex'));
});

out('reserve() returns the offset of the reserved bytes and advances the length', () => {
  const o = new OutBuffer(2);
  o.u8(1);
  assert.is(o.reserve(9), 1);
  assert.is(o.length, 10);
  o.u8(2);
  o.buf.writeUInt32LE(0xdeadbeef, 1);
  assert.is(o.buf.readUInt32LE(1), 0xdeadbeef);
  assert.is(o.buf[10], 2);
});

out('take() returns a copy and empties the buffer', () => {
  const o = new OutBuffer(8);
  o.latin1('hello world');
  const taken = o.take();
  assert.is(o.length, 0);
  assert.is(taken.toString('latin1'), 'hello world');
  o.latin1('XXXXXXXXXXX');
  assert.is(taken.toString('latin1'), 'hello world');
});

out('take(start) returns only the bytes from start', () => {
  const o = new OutBuffer(8);
  o.latin1('headerbody');
  assert.is(o.take(6).toString('latin1'), 'body');
  assert.is(o.length, 0);
  assert.is(o.take().length, 0);
});

out('consume() drops the first n bytes and shifts the rest to the front', () => {
  const o = new OutBuffer(4);
  o.latin1('abcdefghij');
  o.consume(3);
  assert.is(o.length, 7);
  assert.is(o.buf.subarray(0, o.length).toString('latin1'), 'defghij');
  o.latin1('XY');
  assert.is(o.take().toString('latin1'), 'defghijXY');
});

out('consume() of everything or more empties the buffer', () => {
  const o = new OutBuffer(4);
  o.latin1('abc');
  o.consume(3);
  assert.is(o.length, 0);
  o.latin1('abc');
  o.consume(100);
  assert.is(o.length, 0);
  o.latin1('z');
  assert.is(o.take().toString('latin1'), 'z');
});

out('clear() empties without shrinking', () => {
  const o = new OutBuffer(4);
  o.latin1('abcdefgh');
  const cap = o.buf.length;
  o.clear();
  assert.is(o.length, 0);
  assert.is(o.buf.length, cap);
});

out.run();
