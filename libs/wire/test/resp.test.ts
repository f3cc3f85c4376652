import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Args } from '../src/args';
import { OutBuffer } from '../src/out';
import { prng } from '../../../test-support/prng';
import {
  RESP_EMPTY_ARRAY,
  RESP_EMPTY_BULK,
  RESP_MAX_BULK_LEN,
  RESP_MAX_LINE_BYTES,
  RESP_NULL,
  RESP_NULL_ARRAY,
  RESP_ONE,
  RESP_OK,
  RESP_PONG,
  RESP_ZERO,
  QUERY_BUFFER_LIMIT_ERROR,
  type RespLimits,
  RespParser,
  type RespSink,
  respArrayHeader,
  respBulkBytes,
  respBulkLatin1,
  respError,
  respInteger,
  respNull,
  respNullArray,
  respSimple,
} from '../src';

const t = suite('wire:resp');
const enc = suite('wire:resp-encode');

const STAR = 0x2a;
const DEFAULT_LIMITS: RespLimits = { maxBulkLen: RESP_MAX_BULK_LEN };


const b = (s: string) => Buffer.from(s, 'latin1');

/** A RESP command's bytes, each argument as a bulk. */
function cmd(...parts: (string | Buffer)[]): Buffer {
  const out: Buffer[] = [b(`*${parts.length}\r\n`)];
  for (const p of parts) {
    const bytes = typeof p === 'string' ? b(p) : p;
    out.push(b(`$${bytes.length}\r\n`), bytes, b('\r\n'));
  }
  return Buffer.concat(out);
}

/** The transcript entry for a command: its arguments as latin1, JSON-quoted. */
const C = (...parts: (string | Buffer)[]) =>
  'CMD ' + JSON.stringify(parts.map((p) => (typeof p === 'string' ? p : p.toString('latin1'))));
const E = (message: string) => `ERR ${message}`;
const TEXT = (s: string) => `TEXT ${JSON.stringify(s)}`;

/** Copies each argument at callback time (Args is reused) and writes a transcript. */
class Recorder implements RespSink {
  readonly log: string[] = [];
  bufs: Buffer[] = [];
  respCommand(args: Args): void {
    const parts: string[] = [];
    for (let i = 0; i < args.count; i++) parts.push(args.buf.latin1Slice(args.starts[i], args.ends[i]));
    this.bufs.push(args.buf);
    this.log.push('CMD ' + JSON.stringify(parts));
  }
  respProtocolError(message: string): void {
    this.log.push(E(message));
  }
}

/**
 * Mimics the connection: at a command boundary a `*` goes to the RESP parser, which returns where
 * its command ended; any other byte belongs to the text protocol, recorded here as runs of text.
 */
class Driver {
  readonly parser: RespParser;
  readonly rec = new Recorder();
  private text = '';

  constructor(limits: RespLimits = DEFAULT_LIMITS) {
    this.parser = new RespParser(limits);
  }

  feed(chunk: Buffer): void {
    let pos = 0;
    while (pos < chunk.length) {
      if (this.parser.midCommand || chunk[pos] === STAR) {
        this.flushText();
        const next = this.parser.feed(chunk, pos, this.rec);
        assert.ok(next > pos && next <= chunk.length, `feed returned ${next} from ${pos} of ${chunk.length}`);
        pos = next;
      } else {
        this.text += String.fromCharCode(chunk[pos++]);
      }
    }
  }

  finish(): string[] {
    this.flushText();
    return this.rec.log;
  }

  private flushText(): void {
    if (this.text) this.rec.log.push(TEXT(this.text));
    this.text = '';
  }
}

function run(chunks: Buffer[], limits?: RespLimits): string[] {
  const d = new Driver(limits);
  for (const c of chunks) d.feed(c);
  return d.finish();
}

/** Split points to try: all of them for short inputs, a spread for long ones. */
function splitPoints(n: number): number[] {
  if (n <= 4096) return Array.from({ length: n - 1 }, (_, i) => i + 1);
  const points = new Set<number>();
  for (let i = 1; i < 200; i++) {
    points.add(i);
    points.add(n - i);
  }
  for (let i = 1; i < n; i += 997) points.add(i);
  return [...points].filter((p) => p > 0 && p < n);
}

/**
 * The transcript must be the same whether the bytes come whole, in two chunks split at each
 * point, one byte at a time, or in random pieces.
 */
function check(data: Buffer, expected: string[], limits?: RespLimits): void {
  assert.equal(run([data], limits), expected, 'whole');
  for (const at of splitPoints(data.length)) {
    assert.equal(run([data.subarray(0, at), data.subarray(at)], limits), expected, `split at ${at}`);
  }
  const bytes: Buffer[] = [];
  for (let i = 0; i < data.length; i++) bytes.push(data.subarray(i, i + 1));
  assert.equal(run(bytes, limits), expected, 'byte by byte');
  const rand = prng(data.length);
  for (let round = 0; round < 5; round++) {
    const pieces: Buffer[] = [];
    for (let i = 0; i < data.length; ) {
      const n = 1 + Math.floor(rand() * 16);
      pieces.push(data.subarray(i, i + n));
      i += n;
    }
    assert.equal(run(pieces, limits), expected, `random pieces, round ${round}`);
  }
}

/** A valid command appended after an error: it must never be parsed. */
const AFTER = cmd('PING');

// ---------------------------------------------------------------------------------------------
// Commands

t('parses a simple command into its arguments', () => {
  check(cmd('SET', 'key', 'value'), [C('SET', 'key', 'value')]);
  check(cmd('PING'), [C('PING')]);
});

t('keeps bulks binary-safe: CR, LF, NUL, high bytes and RESP syntax inside data', () => {
  const bin = b('\r\n*1\r\n$3\r\nx\r\n\x00\xff\r');
  check(cmd('SET', bin, b('\n\n\r\r')), [C('SET', bin, b('\n\n\r\r'))]);
  const all = Buffer.alloc(256);
  for (let i = 0; i < 256; i++) all[i] = i;
  check(cmd('SET', all, all), [C('SET', all, all)]);
});

t('accepts empty bulks', () => {
  check(b('*2\r\n$3\r\nGET\r\n$0\r\n\r\n'), [C('GET', '')]);
  check(cmd('', ''), [C('', '')]);
});

t('parses many commands in one chunk, returning after each', () => {
  const cmds = [cmd('SET', 'a', '1'), cmd('GET', 'a'), cmd('DEL', 'a', 'b', 'c'), cmd('PING')];
  check(Buffer.concat(cmds), [C('SET', 'a', '1'), C('GET', 'a'), C('DEL', 'a', 'b', 'c'), C('PING')]);
});

t('hands back control at the end of each command, so other bytes can follow', () => {
  check(Buffer.concat([cmd('GET', 'k'), b('PUT k v\n'), cmd('PING'), b('GET k\n')]), [
    C('GET', 'k'),
    TEXT('PUT k v\n'),
    C('PING'),
    TEXT('GET k\n'),
  ]);
});

t('treats *0 and negative counts as empty commands: consumed, no callback', () => {
  check(b('*0\r\n*-1\r\n*-10\r\n'), []);
  check(Buffer.concat([b('*0\r\n'), cmd('PING'), b('*-1\r\n'), cmd('GET', 'k'), b('*0\r\n')]), [C('PING'), C('GET', 'k')]);
  check(Buffer.concat([b('*-1\r\nPUT\n')]), [TEXT('PUT\n')]);
});

t('accepts a count and lengths of 0 spelled "0" and any well-formed number', () => {
  const many = Array.from({ length: 300 }, (_, i) => `a${i}`);
  check(cmd(...many), [C(...many)]);
});

t('skips the byte after each CR and the two after bulk data unchecked, as Redis does', () => {
  check(Buffer.concat([b('*1\rX$4\rYPING\r\n'), cmd('GET', 'k')]), [C('PING'), C('GET', 'k')]);
  check(Buffer.concat([b('*1\r\n$3\r\nfooXY'), cmd('GET', 'k')]), [C('foo'), C('GET', 'k')]);
});

t('parses a command wholly inside a chunk in place, without copying', () => {
  const chunk = Buffer.concat([cmd('SET', 'k', 'v'), cmd('GET', 'k')]);
  const parser = new RespParser(DEFAULT_LIMITS);
  const rec = new Recorder();
  let pos = parser.feed(chunk, 0, rec);
  assert.is(pos, cmd('SET', 'k', 'v').length);
  assert.is(parser.midCommand, false);
  assert.is(parser.buffered, 0);
  pos = parser.feed(chunk, pos, rec);
  assert.is(pos, chunk.length);
  assert.equal(rec.log, [C('SET', 'k', 'v'), C('GET', 'k')]);
  assert.ok(rec.bufs.every((buf) => buf === chunk), 'args point into the chunk');
});

t('reports midCommand and buffered while a command is split', () => {
  const parser = new RespParser(DEFAULT_LIMITS);
  const rec = new Recorder();
  assert.is(parser.midCommand, false);
  assert.is(parser.buffered, 0);
  const first = b('*2\r\n$3\r\nGET\r\n$1');
  assert.is(parser.feed(first, 0, rec), first.length);
  assert.is(parser.midCommand, true);
  assert.is(parser.buffered, first.length);
  assert.is(parser.feed(b('\r'), 0, rec), 1);
  assert.is(parser.buffered, first.length + 1);
  // The rest of the command and the start of the next: only the command's bytes are taken.
  const rest = Buffer.concat([b('\nk\r\n'), cmd('PING')]);
  assert.is(parser.feed(rest, 0, rec), 4);
  assert.is(parser.midCommand, false);
  assert.is(parser.buffered, 0);
  assert.equal(rec.log, [C('GET', 'k')]);
  assert.is(parser.feed(rest, 4, rec), rest.length);
  assert.equal(rec.log, [C('GET', 'k'), C('PING')]);
  // An empty command leaves nothing behind either.
  assert.is(parser.feed(b('*0\r\n'), 0, rec), 4);
  assert.is(parser.midCommand, false);
  // Feeding at the end of a chunk is a no-op.
  assert.is(parser.feed(rest, rest.length, rec), rest.length);
  assert.is(parser.midCommand, false);
});

t('a split count line waits for the byte after its CR', () => {
  const parser = new RespParser(DEFAULT_LIMITS);
  const rec = new Recorder();
  assert.is(parser.feed(b('*1\r'), 0, rec), 3);
  assert.is(parser.midCommand, true);
  assert.is(parser.buffered, 3);
  assert.is(parser.feed(b('\n$4\r\nPING\r\n'), 0, rec), 11);
  assert.equal(rec.log, [C('PING')]);
});

// ---------------------------------------------------------------------------------------------
// Protocol errors

t('invalid multibulk length: not a number, over the limit, or not as string2ll spells it', () => {
  const lines = ['*abc', '*', '*1x', '*01', '*+1', '*-0', '*-', '* 1', '*1 ', '*1048577'];
  lines.push('*99999999999999999999', '*-9223372036854775809');
  for (const line of lines) {
    check(Buffer.concat([b(line + '\r\n'), AFTER]), [E('invalid multibulk length')]);
  }
  check(Buffer.concat([b('*3\r\n'), AFTER]), [E('invalid multibulk length')], { maxBulkLen: 100, maxMultibulkLen: 2 });
  // The most negative int64 is a number, and a negative count is an empty command.
  check(Buffer.concat([b('*-9223372036854775808\r\n'), AFTER]), [C('PING')]);
});

t("expected '$': an element line that is not a bulk length", () => {
  check(Buffer.concat([b('*3\r\n$3\r\nSET\r\n$1\r\nx\r\nfooz\r\n'), AFTER]), [E("expected '$', got 'f'")]);
  check(Buffer.concat([b('*1\r\n:1\r\n'), AFTER]), [E("expected '$', got ':'")]);
  check(Buffer.concat([b('*2\r\n*1\r\n'), AFTER]), [E("expected '$', got '*'")]);
  check(Buffer.concat([b('*1\r\n\xff\r\n'), AFTER]), [E("expected '$', got '\xff'")]);
  // Redis 7 turns a CR or LF in an error into a space.
  check(Buffer.concat([b('*1\r\n\r\n'), AFTER]), [E("expected '$', got ' '")]);
  check(Buffer.concat([b('*1\r\n\n\r\n'), AFTER]), [E("expected '$', got ' '")]);
});

t('invalid bulk length: negative, not a number, or over maxBulkLen', () => {
  for (const line of ['$-1', '$-10', '$', '$x', '$01', '$1x', '$ 1', '$99999999999999999999']) {
    check(Buffer.concat([b('*2\r\n$3\r\nGET\r\n' + line + '\r\n'), AFTER]), [E('invalid bulk length')]);
  }
});

t('a bulk over maxBulkLen is refused from its header alone, before any data', () => {
  const limits = { maxBulkLen: 10 };
  check(Buffer.concat([b('*2\r\n$3\r\nSET\r\n$11\r\n'), AFTER]), [E('invalid bulk length')], limits);
  check(cmd('SET', 'x'.repeat(10)), [C('SET', 'x'.repeat(10))], limits);
  const parser = new RespParser(DEFAULT_LIMITS);
  const rec = new Recorder();
  const head = b(`*2\r\n$3\r\nSET\r\n$${RESP_MAX_BULK_LEN + 1}\r\n`);
  assert.is(parser.feed(head, 0, rec), head.length);
  assert.equal(rec.log, [E('invalid bulk length')]);
  assert.is(parser.buffered, 0);
});

t('too big mbulk count string: a count line of over 64 KB without CR', () => {
  const over = b('*' + '1'.repeat(RESP_MAX_LINE_BYTES));
  check(Buffer.concat([over, b('\r\n'), AFTER]), [E('too big mbulk count string')]);
  const parser = new RespParser(DEFAULT_LIMITS);
  const rec = new Recorder();
  assert.is(parser.feed(over.subarray(0, RESP_MAX_LINE_BYTES), 0, rec), RESP_MAX_LINE_BYTES);
  assert.equal(rec.log, [], 'exactly 64 KB may still be a valid line');
  assert.is(parser.buffered, RESP_MAX_LINE_BYTES);
  parser.feed(over.subarray(RESP_MAX_LINE_BYTES), 0, rec);
  assert.equal(rec.log, [E('too big mbulk count string')]);
  // 64 KB before the CR is allowed, and then judged as a number.
  check(Buffer.concat([b('*' + '1'.repeat(RESP_MAX_LINE_BYTES - 1) + '\r\n'), AFTER]), [E('invalid multibulk length')]);
});

t('too big bulk count string: a length line of over 64 KB without CR, checked before its $', () => {
  const head = b('*2\r\n$3\r\nGET\r\n');
  check(Buffer.concat([head, b('$' + '1'.repeat(RESP_MAX_LINE_BYTES) + '\r\n'), AFTER]), [E('too big bulk count string')]);
  check(Buffer.concat([head, b('x'.repeat(RESP_MAX_LINE_BYTES + 100)), AFTER]), [E('too big bulk count string')]);
  check(Buffer.concat([head, b('$' + '1'.repeat(RESP_MAX_LINE_BYTES - 1) + '\r\n'), AFTER]), [E('invalid bulk length')]);
});

t('ignores everything after a protocol error', () => {
  const parser = new RespParser(DEFAULT_LIMITS);
  const rec = new Recorder();
  const bad = b('*x\r\n');
  assert.is(parser.feed(Buffer.concat([bad, AFTER]), 0, rec), bad.length + AFTER.length);
  assert.is(parser.feed(AFTER, 0, rec), AFTER.length);
  assert.is(parser.feed(b('PUT k v\n'), 0, rec), 8);
  assert.equal(rec.log, [E('invalid multibulk length')]);
  assert.is(parser.failed, true);
  assert.is(parser.midCommand, true, 'a caller routing on midCommand keeps feeding it');
  assert.is(parser.buffered, 0);
  // An error in a held command also releases what was held.
  const held = new RespParser(DEFAULT_LIMITS);
  held.feed(b('*2\r\n$3\r\nGET\r\n'), 0, rec);
  assert.ok(held.buffered > 0);
  held.feed(b('#\r\n'), 0, rec);
  assert.is(held.buffered, 0);
  assert.equal(rec.log, [E('invalid multibulk length'), E("expected '$', got '#'")]);
});

// ---------------------------------------------------------------------------------------------
// Large bulks

/** Counts allocations of at least min bytes made through Buffer.allocUnsafe while fn runs. */
function countAllocations(min: number, fn: () => void): number {
  const original = Buffer.allocUnsafe;
  let count = 0;
  Buffer.allocUnsafe = (size: number) => {
    if (size >= min) count++;
    return original(size);
  };
  try {
    fn();
  } finally {
    Buffer.allocUnsafe = original;
  }
  return count;
}

t('a 10 MB bulk in 64 KB pieces arrives intact into a buffer allocated once', () => {
  const size = 10 * 1024 * 1024;
  const value = Buffer.allocUnsafe(size);
  const rand = prng(7);
  for (let i = 0; i < size; i += 4) value.writeUInt32LE((rand() * 2 ** 32) >>> 0, i);
  const data = Buffer.concat([cmd('SET', 'big', value), cmd('GET', 'big')]);
  const firstLen = cmd('SET', 'big', value).length;
  const parser = new RespParser(DEFAULT_LIMITS);
  let got: Buffer | undefined;
  const names: string[] = [];
  const sink: RespSink = {
    respCommand(args) {
      names.push(args.latin1(0));
      if (args.count === 3) got = Buffer.from(args.buf.subarray(args.starts[2], args.ends[2]));
    },
    respProtocolError(message) {
      assert.unreachable(message);
    },
  };
  const piece = 64 * 1024;
  const allocations = countAllocations(1024 * 1024, () => {
    for (let off = 0; off < data.length; off += piece) {
      const chunk = data.subarray(off, off + piece);
      let pos = 0;
      while (pos < chunk.length) {
        pos = parser.feed(chunk, pos, sink);
        const received = Math.min(off + pos, firstLen);
        if (off + pos < firstLen) {
          assert.is(parser.midCommand, true);
          assert.is(parser.buffered, received);
        } else if (!parser.midCommand) {
          assert.is(parser.buffered, 0);
        }
      }
    }
  });
  assert.equal(names, ['SET', 'GET']);
  assert.ok(got !== undefined && got.equals(value), 'the bulk arrives intact');
  assert.is(allocations, 1, 'the hold is allocated once, at the size the bulk header announced');
});

t('a bulk whose header arrives alone reserves its size once, then takes the data piece by piece', () => {
  const size = 3 * 1024 * 1024 + 5;
  const parser = new RespParser(DEFAULT_LIMITS);
  const rec = new Recorder();
  const head = b(`*1\r\n$${size}\r\n`);
  const allocations = countAllocations(1024 * 1024, () => {
    parser.feed(head, 0, rec);
    assert.is(parser.buffered, head.length);
    const piece = Buffer.alloc(1000, 'z');
    let sent = 0;
    while (sent < size) {
      const n = Math.min(piece.length, size - sent);
      assert.is(parser.feed(piece.subarray(0, n), 0, rec), n);
      sent += n;
      assert.is(parser.buffered, head.length + sent);
    }
    assert.is(parser.feed(b('\r\n*'), 0, rec), 2);
  });
  assert.is(allocations, 1);
  assert.is(parser.midCommand, false);
  assert.is(parser.buffered, 0);
  assert.equal(rec.log, [C(Buffer.alloc(size, 'z'))]);
});

t('a command split across reads may hold up to maxQueryBuffer bytes, and fails past it without buffering more', () => {
  const limits: RespLimits = { maxBulkLen: RESP_MAX_BULK_LEN, maxQueryBuffer: 4096 };
  // SET k <value> of exactly n bytes in all (a 4-digit value length).
  const sized = (n: number) => cmd('SET', 'k', Buffer.alloc(n - cmd('SET', 'k', '').length - 3, 'v'));
  const fits = sized(4096);
  const over = sized(4097);
  assert.equal([fits.length, over.length], [4096, 4097]);
  for (const data of [fits, over]) {
    const parser = new RespParser(limits);
    const rec = new Recorder();
    for (let i = 0; i < data.length && !parser.failed; i++) {
      parser.feed(data.subarray(i, i + 1), 0, rec);
      assert.ok(parser['hold'].length <= 4096, `holds ${parser['hold'].length} bytes`);
    }
    assert.equal(rec.log.map((l) => l.slice(0, 3)), [data === fits ? 'CMD' : 'ERR']);
  }
  // Whole in one read the command is parsed in place and holds nothing, so the limit does not apply.
  assert.equal(run([over], limits).length, 1);
  assert.equal(run([over.subarray(0, 10), over.subarray(10)], limits), [E(QUERY_BUFFER_LIMIT_ERROR)]);
});

t('a bulk header announcing more than maxQueryBuffer fails at once, before reserving it', () => {
  const limits: RespLimits = { maxBulkLen: RESP_MAX_BULK_LEN, maxQueryBuffer: 1024 * 1024 };
  const rec = new Recorder();
  const parser = new RespParser(limits);
  const allocations = countAllocations(64 * 1024, () => {
    parser.feed(b('*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n'), 0, rec);
  });
  assert.equal(rec.log, [E(QUERY_BUFFER_LIMIT_ERROR)]);
  assert.is(allocations, 0);
  assert.is(parser.buffered, 0);
  assert.ok(parser.failed);
  // Many bulks that each fit still fail once together they pass it.
  const many = Buffer.concat([b('*40\r\n'), ...Array.from({ length: 40 }, () => cmd('x'.repeat(64 * 1024)).subarray(4))]);
  assert.equal(run([many.subarray(0, 5), many.subarray(5)], limits), [E(QUERY_BUFFER_LIMIT_ERROR)]);
});

t('a command of many split bulks grows its buffer geometrically', () => {
  const parts = Array.from({ length: 2000 }, (_, i) => Buffer.alloc(100 + (i % 7), 97 + (i % 26)));
  const data = cmd('MSET', ...parts);
  const expected = [C('MSET', ...parts)];
  const pieces: Buffer[] = [];
  for (let i = 0; i < data.length; i += 50) pieces.push(data.subarray(i, i + 50));
  let log: string[] = [];
  const allocations = countAllocations(0, () => {
    log = run(pieces);
  });
  assert.equal(log, expected);
  assert.ok(allocations < 20, `${allocations} allocations`);
});

t('parses random command streams the same in any pieces', () => {
  const rand = prng(42);
  for (let round = 0; round < 30; round++) {
    const parts: Buffer[] = [];
    const expected: string[] = [];
    const commands = 1 + Math.floor(rand() * 5);
    for (let c = 0; c < commands; c++) {
      const argc = 1 + Math.floor(rand() * 4);
      const args: Buffer[] = [];
      for (let a = 0; a < argc; a++) {
        const arg = Buffer.alloc(Math.floor(rand() * 20));
        for (let i = 0; i < arg.length; i++) arg[i] = rand() < 0.3 ? (rand() < 0.5 ? 13 : 10) : Math.floor(rand() * 256);
        args.push(arg);
      }
      parts.push(cmd(...args));
      expected.push(C(...args));
      if (rand() < 0.3) parts.push(b('*0\r\n'));
    }
    check(Buffer.concat(parts), expected);
  }
});

// ---------------------------------------------------------------------------------------------
// Encoder

function encode(fn: (out: OutBuffer) => void, capacity = 1): string {
  // A 1-byte buffer makes every writer grow it.
  const out = new OutBuffer(capacity);
  fn(out);
  return out.take().toString('latin1');
}

enc('constants hold their exact bytes', () => {
  assert.is(RESP_OK.toString('latin1'), '+OK\r\n');
  assert.is(RESP_PONG.toString('latin1'), '+PONG\r\n');
  assert.is(RESP_NULL.toString('latin1'), '$-1\r\n');
  assert.is(RESP_NULL_ARRAY.toString('latin1'), '*-1\r\n');
  assert.is(RESP_ZERO.toString('latin1'), ':0\r\n');
  assert.is(RESP_ONE.toString('latin1'), ':1\r\n');
  assert.is(RESP_EMPTY_ARRAY.toString('latin1'), '*0\r\n');
  assert.is(RESP_EMPTY_BULK.toString('latin1'), '$0\r\n\r\n');
});

enc('simple strings and errors', () => {
  assert.is(encode((o) => respSimple(o, 'OK')), '+OK\r\n');
  assert.is(encode((o) => respSimple(o, '')), '+\r\n');
  assert.is(encode((o) => respError(o, 'ERR unknown command')), '-ERR unknown command\r\n');
  assert.is(
    encode((o) => respError(o, "ERR Protocol error: expected '$', got '\xff'")),
    "-ERR Protocol error: expected '$', got '\xff'\r\n",
  );
});

enc('integers: small, negative, around 2^31 and up to 2^53', () => {
  const values = [0, 1, -1, 9, 10, -10, 99, 100, 12345, -98765, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 + 7];
  values.push(1e15, 1e15 - 1, 1e15 + 1, 2 ** 50 - 1, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), -(2 ** 53 - 1), Number.MAX_SAFE_INTEGER);
  for (let p = 1; p <= 16; p++) values.push(10 ** p - 1, 10 ** p, -(10 ** p - 1));
  const rand = prng(5);
  for (let i = 0; i < 2000; i++) values.push(Math.floor((rand() - 0.5) * 2 * 2 ** 53));
  for (const n of values) assert.is(encode((o) => respInteger(o, n)), `:${BigInt(n)}\r\n`, String(n));
  assert.is(encode((o) => respInteger(o, -0)), ':0\r\n');
});

enc('integers beyond 2^53 are written exactly; non-integers are refused', () => {
  assert.is(encode((o) => respInteger(o, 2 ** 60)), ':1152921504606846976\r\n');
  assert.is(encode((o) => respInteger(o, -(2 ** 63))), ':-9223372036854775808\r\n');
  assert.throws(() => respInteger(new OutBuffer(), 1.5), RangeError);
  assert.throws(() => respInteger(new OutBuffer(), NaN), RangeError);
  assert.throws(() => respInteger(new OutBuffer(), Infinity), RangeError);
});

enc('bulks from latin1 strings: empty, text and every byte value', () => {
  assert.is(encode((o) => respBulkLatin1(o, '')), '$0\r\n\r\n');
  assert.is(encode((o) => respBulkLatin1(o, 'hello')), '$5\r\nhello\r\n');
  let all = '';
  for (let i = 0; i < 256; i++) all += String.fromCharCode(i);
  assert.is(encode((o) => respBulkLatin1(o, all)), `$256\r\n${all}\r\n`);
  const out = new OutBuffer(1);
  respBulkLatin1(out, '\xff\x00\r\n');
  assert.equal([...out.take()], [0x24, 0x34, 13, 10, 0xff, 0, 13, 10, 13, 10]);
});

enc('bulks from byte ranges: empty, short, long and binary', () => {
  const src = Buffer.from('xxhello worldyy');
  assert.is(encode((o) => respBulkBytes(o, src, 2, 13)), '$11\r\nhello world\r\n');
  assert.is(encode((o) => respBulkBytes(o, src, 4, 4)), '$0\r\n\r\n');
  const big = Buffer.alloc(70000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
  const out = new OutBuffer(16);
  respBulkBytes(out, new Uint8Array(big.buffer, big.byteOffset, big.length), 0, big.length);
  assert.ok(out.take().equals(Buffer.concat([b('$70000\r\n'), big, b('\r\n')])));
});

enc('nulls and arrays', () => {
  assert.is(encode(respNull), '$-1\r\n');
  assert.is(encode(respNullArray), '*-1\r\n');
  assert.is(encode((o) => respArrayHeader(o, 0)), '*0\r\n');
  assert.is(encode((o) => respArrayHeader(o, 3)), '*3\r\n');
  assert.is(encode((o) => respArrayHeader(o, 1048576)), '*1048576\r\n');
});

enc('writers append after what the buffer already holds', () => {
  const out = new OutBuffer(4);
  respArrayHeader(out, 4);
  respBulkLatin1(out, 'a');
  respInteger(out, -42);
  respNull(out);
  respSimple(out, 'QUEUED');
  out.all(RESP_OK);
  respBulkBytes(out, Buffer.from('\r\n'), 0, 2);
  respError(out, 'WRONGTYPE x');
  assert.is(out.take().toString('latin1'), '*4\r\n$1\r\na\r\n:-42\r\n$-1\r\n+QUEUED\r\n+OK\r\n$2\r\n\r\n\r\n-WRONGTYPE x\r\n');
});

enc('an encoded command parses back to its arguments', () => {
  const out = new OutBuffer();
  respArrayHeader(out, 3);
  respBulkLatin1(out, 'SET');
  respBulkLatin1(out, 'k\r\n');
  respBulkBytes(out, Buffer.from([0, 255, 13]), 0, 3);
  check(out.take(), [C('SET', 'k\r\n', Buffer.from([0, 255, 13]))]);
});

t.run();
enc.run();
