import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Args } from '../src/args';
import { MAX_KEY_BYTES, MAX_LINE_BYTES, MAX_VALUE_BYTES, TextOp, TextParser, type TextSink } from '../src/text';

const t = suite('wire:text');

const OP_NAMES: Record<number, string> = { [TextOp.GET]: 'GET', [TextOp.PUT]: 'PUT', [TextOp.STATS]: 'STATS', [TextOp.AUTH]: 'AUTH' };

/**
 * Turns parser callbacks into a transcript. Args is reused by the parser, so each argument's bytes
 * are copied at callback time; arguments are shown as latin1 (one char per byte, so binary bytes
 * survive) and JSON-quoted so spaces inside a value stay unambiguous.
 */
class Recorder implements TextSink {
  readonly log: string[] = [];
  textCommand(op: TextOp, args: Args): void {
    let entry = OP_NAMES[op] ?? `OP${op}`;
    // args[0] is the command name as sent, in any letter case.
    assert.is(args.latin1(0).toUpperCase(), entry);
    for (let i = 1; i < args.count; i++) {
      const bytes = Buffer.from(args.buf.subarray(args.starts[i], args.ends[i]));
      entry += ' ' + JSON.stringify(bytes.toString('latin1'));
    }
    this.log.push(entry);
  }
  textError(): void {
    this.log.push('ERR');
  }
}

const ERR = 'ERR';
const GET = (key: string | Buffer) => `GET ${q(key)}`;
const PUT = (key: string | Buffer, value: string | Buffer) => `PUT ${q(key)} ${q(value)}`;
const STATS = 'STATS';
function q(s: string | Buffer): string {
  return JSON.stringify(typeof s === 'string' ? s : s.toString('latin1'));
}

const b = (s: string) => Buffer.from(s, 'latin1');
const fill = (n: number, ch = 'x') => Buffer.alloc(n, ch);

function feedChunks(chunks: Buffer[]): string[] {
  const parser = new TextParser();
  const rec = new Recorder();
  for (const c of chunks) parser.feed(c, rec);
  return rec.log;
}
const feedWhole = (data: Buffer) => feedChunks([data]);
function feedBytes(data: Buffer): string[] {
  const parser = new TextParser();
  const rec = new Recorder();
  for (let i = 0; i < data.length; i++) parser.feed(data.subarray(i, i + 1), rec);
  return rec.log;
}

/** A script: lines of bytes with the transcript they must produce. */
class Script {
  readonly parts: Buffer[] = [];
  readonly expected: string[] = [];
  line(bytes: Buffer | string, ...expect: string[]): this {
    this.parts.push(typeof bytes === 'string' ? b(bytes) : bytes);
    this.expected.push(...expect);
    return this;
  }
  get bytes(): Buffer {
    return Buffer.concat(this.parts);
  }
}

// ---------------------------------------------------------------------------------------------
// Single commands

t('parses PUT, GET and STATS into their arguments', () => {
  assert.equal(feedWhole(b('PUT k v\nGET k\nSTATS\n')), [PUT('k', 'v'), GET('k'), STATS]);
});

t('takes the PUT key up to the first space and the rest of the line as the value', () => {
  assert.equal(feedWhole(b('PUT key a value  with spaces \n')), [PUT('key', 'a value  with spaces ')]);
});

t('accepts CRLF line endings and strips only the CR before the LF', () => {
  assert.equal(feedWhole(b('PUT k v\r\nGET k\r\nSTATS\r\n')), [PUT('k', 'v'), GET('k'), STATS]);
  // A CR elsewhere is data.
  assert.equal(feedWhole(b('PUT k a\rb\r\n')), [PUT('k', 'a\rb')]);
});

t('matches command names in any case', () => {
  assert.equal(feedWhole(b('get a\nGeT b\nput c d\npUt e f\nstats\nStAtS\n')), [
    GET('a'),
    GET('b'),
    PUT('c', 'd'),
    PUT('e', 'f'),
    STATS,
    STATS,
  ]);
});

t('answers ERROR for an unknown command', () => {
  assert.equal(feedWhole(b('FOO k\nDEL k\nGETX k\nGE k\nPUTS k v\nSTAT\nSTATSX\nXGET k\n')), Array(8).fill(ERR));
});

t('does not mistake non-letter bytes that differ only in bit 5 for command letters', () => {
  // '\x07' | 0x40 = 'G' etc. The parser masks bit 5 only; these differ in other bits.
  assert.equal(feedWhole(b('\x07\x05\x14 k\n\xc7\xc5\xd4 k\n')), [ERR, ERR]);
});

t('answers ERROR for an empty line, with or without CR', () => {
  assert.equal(feedWhole(b('\n\r\n')), [ERR, ERR]);
});

t('answers ERROR for a PUT without the space after its key, or without a key', () => {
  // The seed: `if (idx < 1) ERROR`, idx being the first space after the key.
  assert.equal(feedWhole(b('PUT k\nPUT\nPUT \nPUT k\r\nPUT \r\n')), [ERR, ERR, ERR, ERR, ERR]);
});

t('stores an empty value for a PUT with one space and nothing after its key, as the seed', () => {
  assert.equal(feedWhole(b('PUT k \nPUT k \r\n')), [PUT('k', ''), PUT('k', '')]);
  assert.equal(feedBytes(b('PUT k \nPUT k \r\n')), [PUT('k', ''), PUT('k', '')]);
});

t('answers ERROR for a PUT with an empty key', () => {
  // The seed skips every space after PUT, so `PUT  v` has the key "v" and no value.
  assert.equal(feedWhole(b('PUT  v\nPUT   \n')), [ERR, ERR]);
});

t('parses GET with an empty key (a bare GET, or GET and spaces) as a lookup of the empty key', () => {
  assert.equal(feedWhole(b('GET \nGET\nGET\r\nGET   \r\n')), [GET(''), GET(''), GET(''), GET('')]);
  assert.equal(feedBytes(b('GET \nGET\n')), [GET(''), GET('')]);
});

t('skips every space after PUT or GET, as the seed', () => {
  assert.equal(feedWhole(b('PUT   k  v\nGET   k\n')), [PUT('k', ' v'), GET('k')]);
});

t('accepts keys and values of exactly 256 bytes and refuses 257', () => {
  const k256 = fill(MAX_KEY_BYTES, 'k');
  const v256 = fill(MAX_VALUE_BYTES, 'v');
  const k257 = fill(MAX_KEY_BYTES + 1, 'k');
  const v257 = fill(MAX_VALUE_BYTES + 1, 'v');
  const data = Buffer.concat([
    b('PUT '), k256, b(' '), v256, b('\n'),
    b('GET '), k256, b('\n'),
    b('PUT '), k257, b(' v\n'),
    b('PUT k '), v257, b('\n'),
    b('GET '), k257, b('\n'),
  ]);
  assert.equal(feedWhole(data), [PUT(k256, v256), GET(k256), ERR, ERR, ERR]);
});

t('takes the rest of a GET line, spaces and all, as its key, as the seed', () => {
  // Was ERROR for all three GETs; the seed looks up "a b" and "a " (not there) and "a".
  assert.equal(feedWhole(b('GET a b\nGET a \nGET  a\n')), [GET('a b'), GET('a '), GET('a')]);
});

t('answers ERROR for STATS with anything after it', () => {
  assert.equal(feedWhole(b('STATS now\nSTATS \n')), [ERR, ERR]);
});

t('passes binary, non-UTF-8 bytes through keys and values unchanged', () => {
  const key = Buffer.from([0x00, 0xff, 0xc3, 0x28, 0x80, 0x0d, 0x7f]);
  const value = Buffer.from([0xfe, 0x20, 0x00, 0xe2, 0x82, 0x0d, 0x01]);
  const data = Buffer.concat([b('PUT '), key, b(' '), value, b('\r\n'), b('GET '), key, b('\n')]);
  assert.equal(feedWhole(data), [PUT(key, value), GET(key)]);
});

t('accepts a line of exactly MAX_LINE_BYTES and answers one ERROR for one byte more', () => {
  const longest = Buffer.concat([b('PUT '), fill(MAX_KEY_BYTES, 'k'), b(' '), fill(MAX_VALUE_BYTES, 'v'), b('\r')]);
  assert.is(longest.length, MAX_LINE_BYTES);
  assert.equal(feedWhole(Buffer.concat([longest, b('\n')])), [PUT(fill(MAX_KEY_BYTES, 'k'), fill(MAX_VALUE_BYTES, 'v'))]);
  const tooLong = Buffer.concat([longest.subarray(0, MAX_LINE_BYTES - 1), b('vv\n')]);
  assert.is(tooLong.length, MAX_LINE_BYTES + 2);
  assert.equal(feedWhole(Buffer.concat([tooLong, b('GET k\n')])), [ERR, GET('k')]);
});

t('answers ERROR once for an over-long line and skips the rest of it', () => {
  const data = Buffer.concat([b('PUT k '), fill(10_000), b(' GET k\nGET after\n')]);
  assert.equal(feedWhole(data), [ERR, GET('after')]);
});

t('reports nothing for a line until its newline arrives', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  parser.feed(b('GET ke'), rec);
  assert.equal(rec.log, []);
  assert.ok(parser.midLine);
  parser.feed(b('y'), rec);
  assert.equal(rec.log, []);
  parser.feed(b('\n'), rec);
  assert.equal(rec.log, [GET('key')]);
  assert.not.ok(parser.midLine);
});

t('says it is mid-line while skipping an over-long line that was already answered', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  parser.feed(fill(MAX_LINE_BYTES + 10), rec);
  assert.equal(rec.log, [ERR]);
  assert.ok(parser.midLine);
  parser.feed(b('xx\n'), rec);
  assert.not.ok(parser.midLine);
  assert.equal(rec.log, [ERR]);
});

t('feedLine parses one line from the given offset and returns where the next begins', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  const chunk = b('garbageGET k\nSTATS\n');
  const next = parser.feedLine(chunk, 7, rec);
  assert.is(next, 13);
  assert.equal(rec.log, [GET('k')]);
  assert.is(parser.feedLine(chunk, next, rec), chunk.length);
  assert.equal(rec.log, [GET('k'), STATS]);
});

t('feedLine keeps a partial line and consumes the whole chunk', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  assert.is(parser.feedLine(b('GET pa'), 0, rec), 6);
  assert.ok(parser.midLine);
  assert.is(parser.feedLine(b('rt\nGET x\n'), 0, rec), 3);
  assert.equal(rec.log, [GET('part')]);
  assert.not.ok(parser.midLine);
});

t('ignores empty chunks', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  parser.feed(Buffer.alloc(0), rec);
  parser.feed(b('GET'), rec);
  parser.feed(Buffer.alloc(0), rec);
  parser.feed(b(' k\n'), rec);
  parser.feed(Buffer.alloc(0), rec);
  assert.equal(rec.log, [GET('k')]);
});

// ---------------------------------------------------------------------------------------------
// Streaming: the transcript does not depend on how the bytes are split

function buildScript(): Script {
  const s = new Script();
  const binKey = Buffer.from([0x00, 0xff, 0x80, 0xc3, 0x28, 0x0d, 0x01]);
  const binValue = Buffer.from([0xf0, 0x28, 0x8c, 0x28, 0x20, 0x00, 0xff, 0x0d, 0x01]);
  const k256 = Buffer.alloc(MAX_KEY_BYTES);
  for (let i = 0; i < k256.length; i++) k256[i] = i === 0x20 || i === 0x0a ? 0x41 : i; // every byte but space and LF
  const v256 = Buffer.alloc(MAX_VALUE_BYTES);
  for (let i = 0; i < v256.length; i++) v256[i] = 255 - i === 0x0a ? 0x20 : 255 - i; // spaces are fine in a value
  const longest = Buffer.concat([b('PUT '), k256, b(' '), v256, b('\r\n')]);
  assert.is(longest.length, MAX_LINE_BYTES + 1);

  s.line('PUT k v\n', PUT('k', 'v'));
  s.line('get k\r\n', GET('k'));
  s.line('StAtS\r\n', STATS);
  s.line('PUT greeting hello there world\r\n', PUT('greeting', 'hello there world'));
  s.line('FOO bar\n', ERR);
  s.line('\n', ERR);
  s.line('\r\n', ERR);
  s.line('PUT k\n', ERR);
  s.line('PUT k \r\n', PUT('k', ''));
  s.line('PUT  v\n', ERR);
  s.line('GET \n', GET(''));
  s.line('GET a b\n', GET('a b'));
  s.line('STATS x\n', ERR);
  s.line(Buffer.concat([b('PUT '), binKey, b(' '), binValue, b('\n')]), PUT(binKey, binValue));
  s.line(Buffer.concat([b('GET '), binKey, b('\r\n')]), GET(binKey));
  s.line(longest, PUT(k256, v256));
  s.line(Buffer.concat([b('GET '), k256, b('\n')]), GET(k256));
  s.line(Buffer.concat([b('PUT '), fill(MAX_KEY_BYTES + 1), b(' v\n')]), ERR);
  s.line(Buffer.concat([b('PUT k '), fill(MAX_VALUE_BYTES + 1), b('\n')]), ERR);
  s.line(Buffer.concat([b('GET '), fill(MAX_KEY_BYTES + 1), b('\n')]), ERR);
  s.line(Buffer.concat([b('PUT k '), fill(MAX_LINE_BYTES - 5), b('\n')]), ERR); // MAX_LINE_BYTES + 1 bytes
  s.line('GET after-overlong\n', GET('after-overlong'));
  s.line(Buffer.concat([b('PUT big '), fill(100 * 1024, 'B'), b('\r\n')]), ERR); // a 100 KB line
  s.line('put after big\n', PUT('after', 'big'));
  s.line(Buffer.concat([fill(2 * MAX_LINE_BYTES, '\x00'), b('\n')]), ERR);
  s.line('STATS\n', STATS);
  return s;
}

t('the script alone, fed whole, gives the expected transcript', () => {
  const s = buildScript();
  assert.equal(feedWhole(s.bytes), s.expected);
});

t('the script gives the same transcript split at every single byte boundary', () => {
  const s = buildScript();
  const data = s.bytes;
  for (let i = 0; i <= data.length; i++) {
    const got = feedChunks([data.subarray(0, i), data.subarray(i)]);
    if (got.length !== s.expected.length || got.some((e, j) => e !== s.expected[j])) {
      assert.equal(got, s.expected, `split at byte ${i} of ${data.length}`);
    }
  }
});

t('the script gives the same transcript fed one byte at a time', () => {
  const s = buildScript();
  assert.equal(feedBytes(s.bytes), s.expected);
});

t('the script gives the same transcript fed in chunks of every size up to 600', () => {
  const s = buildScript();
  const data = s.bytes;
  for (let size = 2; size <= 600; size++) {
    const chunks: Buffer[] = [];
    for (let i = 0; i < data.length; i += size) chunks.push(data.subarray(i, i + size));
    const got = feedChunks(chunks);
    if (got.length !== s.expected.length || got.some((e, j) => e !== s.expected[j])) {
      assert.equal(got, s.expected, `chunks of ${size}`);
    }
  }
});

t('an over-long line gets exactly one ERROR and the next line parses, however it is split in three', () => {
  // MAX_LINE_BYTES + 1 bytes of line, then a valid command: try every pair of cut points.
  const data = Buffer.concat([b('PUT k '), fill(MAX_LINE_BYTES - 5, 'z'), b('\nGET next\n')]);
  const expected = [ERR, GET('next')];
  for (let i = 0; i <= data.length; i++) {
    for (let j = i; j <= data.length; j++) {
      const got = feedChunks([data.subarray(0, i), data.subarray(i, j), data.subarray(j)]);
      if (got.length !== 2 || got[0] !== ERR || got[1] !== expected[1]) {
        assert.equal(got, expected, `cut at ${i} and ${j}`);
      }
    }
  }
});

t('the longest valid line parses however it is split in three', () => {
  const key = fill(MAX_KEY_BYTES, 'k');
  const value = fill(MAX_VALUE_BYTES, 'v');
  const data = Buffer.concat([b('PUT '), key, b(' '), value, b('\r\nGET k\n')]);
  const expected = [PUT(key, value), GET('k')];
  for (let i = 0; i <= data.length; i += 1) {
    for (let j = i; j <= data.length; j += 1) {
      const got = feedChunks([data.subarray(0, i), data.subarray(i, j), data.subarray(j)]);
      if (got.length !== 2 || got[0] !== expected[0] || got[1] !== expected[1]) {
        assert.equal(got, expected, `cut at ${i} and ${j}`);
      }
    }
  }
});

t('10 MB without a newline in 64 KB chunks gives exactly one ERROR and buffers no more than MAX_LINE_BYTES', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  const chunk = fill(64 * 1024, 'q');
  for (let sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length) {
    parser.feed(chunk, rec);
    assert.ok(bufferedBytes(parser) <= MAX_LINE_BYTES, `holds ${bufferedBytes(parser)} bytes after ${sent}`);
  }
  assert.equal(rec.log, [ERR]);
  assert.ok(parser.midLine);
  parser.feed(b('qqq\nGET k'), rec);
  assert.equal(rec.log, [ERR]);
  parser.feed(b('ey\r\n'), rec);
  assert.equal(rec.log, [ERR, GET('key')]);
  assert.not.ok(parser.midLine);
});

t('10 MB without a newline fed after a partial line still gives one ERROR', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  parser.feed(b('PUT k '), rec); // carried
  const chunk = fill(64 * 1024 - 3, 'q'); // odd size so cuts land everywhere
  for (let sent = 0; sent < 10 * 1024 * 1024; sent += chunk.length) parser.feed(chunk, rec);
  assert.ok(bufferedBytes(parser) <= MAX_LINE_BYTES);
  parser.feed(b('\nSTATS\n'), rec);
  assert.equal(rec.log, [ERR, STATS]);
});

/** Bytes held in the parser's own buffers (whatever they are named). */
function bufferedBytes(parser: TextParser): number {
  let total = 0;
  for (const v of Object.values(parser as unknown as Record<string, unknown>)) {
    if (ArrayBuffer.isView(v)) total += v.byteLength;
  }
  return total;
}

t('a raised line limit admits a longer line (an AUTH with a long password) and answers ERROR once past it', () => {
  const limit = 2048;
  const password = 'p'.repeat(limit - 'AUTH '.length);
  const exact = b(`AUTH ${password}\n`);
  const over = Buffer.concat([b('AUTH '), fill(limit - 4, 'p'), b('\n')]);
  const data = Buffer.concat([exact, over, b('GET k\n')]);
  const whole = new Recorder();
  new TextParser(limit).feed(data, whole);
  assert.equal(whole.log, [`AUTH ${q(password)}`, ERR, GET('k')]);
  // Fed a byte at a time every line is carried: the carry grows to the limit and no further.
  const parser = new TextParser(limit);
  const bytewise = new Recorder();
  for (let i = 0; i < data.length; i++) {
    parser.feed(data.subarray(i, i + 1), bytewise);
    assert.ok(bufferedBytes(parser) <= limit, `holds ${bufferedBytes(parser)} bytes`);
  }
  assert.equal(bytewise.log, whole.log);
  // A GET or PUT over the seed's lengths is still an error, however high the limit.
  assert.equal(feedWith(limit, Buffer.concat([b('PUT k '), fill(MAX_VALUE_BYTES + 1), b('\n')])), [ERR]);
});

t('the default limit is the seed\'s and holds no more than MAX_LINE_BYTES for a line split across reads', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  const line = Buffer.concat([b('AUTH '), fill(MAX_LINE_BYTES - 5, 'p'), b('\n')]);
  for (let i = 0; i < line.length; i++) parser.feed(line.subarray(i, i + 1), rec);
  assert.is(rec.log.length, 1);
  assert.is(bufferedBytes(parser), MAX_LINE_BYTES);
  parser.feed(Buffer.concat([b('AUTH '), fill(MAX_LINE_BYTES - 4, 'p'), b('\n')]), rec);
  assert.equal(rec.log.slice(1), [ERR]);
});

function feedWith(limit: number, data: Buffer): string[] {
  const rec = new Recorder();
  new TextParser(limit).feed(data, rec);
  return rec.log;
}

t('AUTH takes the rest of the line as the password; AUTH alone is an error', () => {
  const parser = new TextParser();
  const rec = new Recorder();
  parser.feed(b('AUTH pass word\nauth x\r\nAUTH\nAUTH \n'), rec);
  assert.equal(rec.log, ['AUTH "pass word"', 'AUTH "x"', ERR, ERR]);
});

t.run();
