import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bucketOf, highestValueOf, Histogram } from '../src/histogram';
import { Keyspace } from '../src/keyspace';
import {
  REPLY_ERROR,
  REPLY_NIL,
  REPLY_OK,
  REPLY_VALUE,
  RespReplyScanner,
  TextReplyScanner,
  type ReplyKind,
  type ReplyScanner,
  type ReplySink,
} from '../src/replyScanner';

const KIND_NAMES: Record<ReplyKind, string> = { [REPLY_OK]: 'OK', [REPLY_NIL]: 'NIL', [REPLY_VALUE]: 'VALUE', [REPLY_ERROR]: 'ERROR' };

class RecordingSink implements ReplySink {
  readonly replies: string[] = [];
  onReply(kind: ReplyKind, buf: Buffer, start: number, end: number): void {
    this.replies.push(kind === REPLY_VALUE || kind === REPLY_ERROR ? `${KIND_NAMES[kind]}:${buf.toString('latin1', start, end)}` : KIND_NAMES[kind]);
  }
}

/** Feeds the stream cut at every given offset, as a socket may deliver it. */
function scanInPieces(scanner: ReplyScanner, stream: string, cuts: number[]): string[] {
  const sink = new RecordingSink();
  const bytes = Buffer.from(stream, 'latin1');
  let from = 0;
  for (const cut of [...cuts, bytes.length]) {
    scanner.push(bytes.subarray(from, cut), sink);
    from = cut;
  }
  return sink.replies;
}

test('histogram: exact below 256 µs', () => {
  const h = new Histogram();
  for (let v = 1; v <= 100; v++) h.record(v);
  assert.is(h.count, 100);
  assert.is(h.percentile(0.5), 50);
  assert.is(h.percentile(0.99), 99);
  assert.is(h.percentile(0.999), 100);
  assert.is(h.percentile(1), 100);
  assert.is(h.max, 100);
  assert.is(h.mean, 50.5);
});

test('histogram: percentiles within 1% over a wide range', () => {
  const h = new Histogram();
  for (let v = 1; v <= 100_000; v++) h.record(v);
  for (const [q, exact] of [
    [0.5, 50_000],
    [0.99, 99_000],
    [0.999, 99_900],
  ]) {
    const got = h.percentile(q);
    assert.ok(got >= exact && got <= exact * 1.01, `p${q * 100} = ${got}, want ${exact} (+1%)`);
  }
});

test('histogram: a slow tail shows in p99.9 but not p50', () => {
  const h = new Histogram();
  for (let i = 0; i < 9_990; i++) h.record(100);
  for (let i = 0; i < 10; i++) h.record(50_000);
  assert.is(h.percentile(0.5), 100);
  assert.is(h.percentile(0.99), 100);
  assert.ok(h.percentile(0.9999) >= 50_000 && h.percentile(0.9999) <= 50_500);
  assert.is(h.max, 50_000);
});

test('histogram: empty, negative, fractional and huge values', () => {
  const h = new Histogram();
  assert.is(h.percentile(0.99), 0);
  h.record(-5);
  h.record(2.6);
  h.record(1e12);
  assert.is(h.percentile(0.3), 0);
  assert.is(h.percentile(0.5), 3);
  assert.is(h.max, 0x7fffffff);
  h.reset();
  assert.is(h.count, 0);
});

test('histogram: buckets are contiguous and each value maps inside its bucket', () => {
  for (const v of [0, 1, 255, 256, 257, 511, 512, 1000, 65_535, 65_536, 1_234_567, 0x7fffffff]) {
    const b = bucketOf(v);
    assert.ok(highestValueOf(b) >= v, `value ${v} above its bucket's top ${highestValueOf(b)}`);
    assert.ok(b === 0 || highestValueOf(b - 1) < v, `value ${v} also fits bucket ${b - 1}`);
  }
});

test('text scanner: every reply kind, whole and split at every byte', () => {
  const stream = 'OK\nNOTFOUND\n17.ab.0001\nERROR\nOK\n';
  const want = ['OK', 'NIL', 'VALUE:17.ab.0001', 'ERROR:ERROR', 'OK'];
  assert.equal(scanInPieces(new TextReplyScanner(), stream, []), want);
  for (let cut = 1; cut < stream.length; cut++) assert.equal(scanInPieces(new TextReplyScanner(), stream, [cut]), want, `cut at ${cut}`);
  assert.equal(scanInPieces(new TextReplyScanner(), stream, Array.from({ length: stream.length - 1 }, (_, i) => i + 1)), want);
});

test('text scanner: a value that merely starts like a status is still a value', () => {
  assert.equal(scanInPieces(new TextReplyScanner(), 'OKAY\nNOTFOUNDX\n', []), ['VALUE:OKAY', 'VALUE:NOTFOUNDX']);
});

test('resp scanner: every reply kind, whole and split at every byte', () => {
  const stream = '+OK\r\n$-1\r\n$10\r\n17.ab.0\r\n1\r\n-ERR wrong type\r\n:42\r\n$0\r\n\r\n+OK\r\n';
  const want = ['OK', 'NIL', 'VALUE:17.ab.0\r\n1', 'ERROR:ERR wrong type', 'VALUE:42', 'VALUE:', 'OK'];
  assert.equal(scanInPieces(new RespReplyScanner(), stream, []), want);
  for (let cut = 1; cut < stream.length; cut++) assert.equal(scanInPieces(new RespReplyScanner(), stream, [cut]), want, `cut at ${cut}`);
  for (let a = 1; a < stream.length; a += 3) {
    for (let b = a + 1; b < stream.length; b += 5) assert.equal(scanInPieces(new RespReplyScanner(), stream, [a, b]), want, `cuts at ${a}, ${b}`);
  }
});

test('resp scanner: rejects a bulk reply without its CRLF', () => {
  assert.throws(() => scanInPieces(new RespReplyScanner(), '$3\r\nabcXY', []));
});

test('keyspace: a written value verifies, an older or crossed one does not', () => {
  for (const protocol of ['text', 'resp'] as const) {
    const keys = new Keyspace(100, 32, protocol, 'tag1');
    const out = Buffer.alloc(keys.maxRequestBytes * 2);
    const end = keys.writePut(7, out, 0);
    const request = out.toString('latin1', 0, end);
    const value = protocol === 'text' ? request.slice('PUT key:7 '.length, -1) : request.split('\r\n')[6];
    assert.is(value.length, 32);
    const bytes = Buffer.from(value, 'latin1');
    assert.ok(keys.matchesValue(7, keys.lastCounter(7), bytes, 0, bytes.length));
    keys.writePut(7, out, 0);
    assert.not.ok(keys.matchesValue(7, keys.lastCounter(7), bytes, 0, bytes.length), 'stale value accepted');
    assert.not.ok(keys.matchesValue(8, 0, bytes, 0, bytes.length), 'value of key 7 accepted for key 8');
    assert.ok(keys.matchesValue(7, 0, bytes, 0, bytes.length), 'unwritten key must accept any value of its own');
    assert.is(out.toString('latin1', 0, keys.writeGet(7, out, 0)), protocol === 'text' ? 'GET key:7\n' : '*2\r\n$3\r\nGET\r\n$5\r\nkey:7\r\n');
  }
});

test.run();
