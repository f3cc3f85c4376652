import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { FrameEncoder, FrameError, FrameKind, ReplyKind } from '../src/frame';
import { ReplyReader } from '../src/frame-read';
import { OutBuffer } from '../src/out';
import { RESP3_REPLIES, RESP_REPLIES, TEXT_REPLIES, type ReplyEncoder } from '../src/replies';
import { doubleText } from '../src/resp-encode';
import { checkTree, TreeTag, TreeWriter } from '../src/tree';

const test = suite('wire:tree');

function written(replies: ReplyEncoder, w: TreeWriter): string {
  const out = new OutBuffer(8);
  replies.tree(out, w.buf, 0, w.length);
  return out.take().toString('latin1');
}

/** ZRANGE z 0 -1 WITHSCORES of a:1.5, b:inf as Redis 7.0 answers it. */
function withScores(): TreeWriter {
  return new TreeWriter().begin().pairs(2).bulk('a').double(1.5).bulk('b').double(Infinity);
}

test('pairs: RESP2 one flat array with scores as bulk strings, RESP3 an array of 2-item arrays with doubles', () => {
  assert.is(written(RESP_REPLIES, withScores()), '*4\r\n$1\r\na\r\n$3\r\n1.5\r\n$1\r\nb\r\n$3\r\ninf\r\n');
  assert.is(written(RESP3_REPLIES, withScores()), '*2\r\n*2\r\n$1\r\na\r\n,1.5\r\n*2\r\n$1\r\nb\r\n,inf\r\n');
  assert.is(written(TEXT_REPLIES, withScores()), 'a\n1.5\nb\ninf\n');
});

test('nested arrays, integers inside them, maps, sets, nulls: each protocol as Redis falls back', () => {
  const w = new TreeWriter().begin().array(4).integer(7).array(2).bulk('k').nil().map(1).status('f').set(1).integer(-9007199254740993n).nullArray();
  assert.is(written(RESP_REPLIES, w), '*4\r\n:7\r\n*2\r\n$1\r\nk\r\n$-1\r\n*2\r\n+f\r\n*1\r\n:-9007199254740993\r\n*-1\r\n');
  assert.is(written(RESP3_REPLIES, w), '*4\r\n:7\r\n*2\r\n$1\r\nk\r\n_\r\n%1\r\n+f\r\n~1\r\n:-9007199254740993\r\n_\r\n');
  assert.is(written(TEXT_REPLIES, w), '7\nk\nNOTFOUND\nf\n-9007199254740993\nNOTFOUND\n');
});

test("keyed (XREAD's reply): RESP3 a map, RESP2 an array of [key, value] arrays", () => {
  const w = new TreeWriter().begin().keyed(2).bulk('a').array(0).bulk('b').array(1).bulk('x');
  assert.is(written(RESP_REPLIES, w), '*2\r\n*2\r\n$1\r\na\r\n*0\r\n*2\r\n$1\r\nb\r\n*1\r\n$1\r\nx\r\n');
  assert.is(written(RESP3_REPLIES, w), '%2\r\n$1\r\na\r\n*0\r\n$1\r\nb\r\n*1\r\n$1\r\nx\r\n');
  // Pairs inside keyed open their own arrays in RESP3 only.
  const nested = new TreeWriter().begin().keyed(1).bulk('k').pairs(1).bulk('m').double(2);
  assert.is(written(RESP_REPLIES, nested), '*1\r\n*2\r\n$1\r\nk\r\n*2\r\n$1\r\nm\r\n$1\r\n2\r\n');
  assert.is(written(RESP3_REPLIES, nested), '%1\r\n$1\r\nk\r\n*1\r\n*2\r\n$1\r\nm\r\n,2\r\n');
});

test('an aggregate counted after its items (open, closeAt)', () => {
  const w = new TreeWriter().begin();
  const at = w.open(TreeTag.ARRAY);
  w.bulk('x').bulk('y');
  w.closeAt(at, 2);
  assert.is(written(RESP_REPLIES, w), '*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
});

test('a tree crosses a frame as a TREE reply and is written by the kind of its payload', () => {
  const frame = new FrameEncoder(FrameKind.REPLY);
  const w = withScores();
  frame.replyBytes(7, ReplyKind.TREE, w.buf, 0, w.length);
  const bytes = frame.finish()!;
  const reader = new ReplyReader();
  reader.reset(bytes, 9, bytes.length);
  assert.is(reader.next(), ReplyKind.TREE);
  checkTree(bytes, reader.start, reader.stop);
  const out = new OutBuffer(8);
  RESP3_REPLIES.kind(out, ReplyKind.TREE, bytes.latin1Slice(reader.start, reader.stop));
  assert.is(out.take().toString('latin1'), written(RESP3_REPLIES, withScores()));
});

test('a corrupt tree throws FrameError: truncated, trailing bytes, unknown tag, counts past its bytes, too deep', () => {
  const good = withScores();
  const bytes = Buffer.from(good.buf.subarray(0, good.length));
  const corrupt = (b: Buffer) => assert.throws(() => checkTree(b, 0, b.length), (e: unknown) => e instanceof FrameError);
  corrupt(bytes.subarray(0, bytes.length - 1));
  corrupt(Buffer.concat([bytes, Buffer.from([TreeTag.NIL])]));
  corrupt(Buffer.from([99]));
  corrupt(Buffer.from([TreeTag.ARRAY, 0xff, 0xff, 0xff, 0x7f, TreeTag.NIL]));
  corrupt(Buffer.from([TreeTag.BULK, 9, 0, 0, 0, 0x61]));
  corrupt(Buffer.alloc(0));
  const deep = new TreeWriter().begin();
  for (let i = 0; i < 100; i++) deep.array(1);
  deep.nil();
  corrupt(Buffer.from(deep.buf.subarray(0, deep.length)));
  checkTree(Buffer.from([TreeTag.ARRAY, 0, 0, 0, 0]), 0, 5);
});

test("doubles as Redis 7.0's %.17g", () => {
  const cases: [number, string][] = [
    [1.1, '1.1000000000000001'],
    [1.5, '1.5'],
    [3e20, '3e+20'],
    [1e17, '1e+17'],
    [1e16, '10000000000000000'],
    [123456789012345680, '1.2345678901234568e+17'],
    [0.0001, '0.0001'],
    [0.00001, '1.0000000000000001e-05'],
    [-2.5e-7, '-2.4999999999999999e-07'],
    [0, '0'],
    [-0, '-0'],
    [100, '100'],
    [-1, '-1'],
    [1.7976931348623157e308, '1.7976931348623157e+308'],
    [5e-324, '4.9406564584124654e-324'],
    [Infinity, 'inf'],
    [-Infinity, '-inf'],
  ];
  for (const [n, text] of cases) assert.is(doubleText(n), text, String(n));
});

test.run();
