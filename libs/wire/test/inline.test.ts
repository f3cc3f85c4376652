import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Args } from '../src/args';
import { INLINE_MAX_BYTES, INLINE_TOO_BIG, INLINE_UNBALANCED, InlineParser } from '../src/inline';
import type { RespSink } from '../src/resp';

const t = suite('wire:inline');

const b = (s: string) => Buffer.from(s, 'latin1');
const C = (...parts: string[]) => 'CMD ' + JSON.stringify(parts);
const E = (message: string) => `ERR ${message}`;

/** Copies each argument at callback time (Args is reused) and writes a transcript. */
class Recorder implements RespSink {
  readonly log: string[] = [];
  respCommand(args: Args): void {
    const parts: string[] = [];
    for (let i = 0; i < args.count; i++) parts.push(Buffer.from(args.buf.subarray(args.starts[i], args.ends[i])).toString('latin1'));
    this.log.push('CMD ' + JSON.stringify(parts));
  }
  respProtocolError(message: string): void {
    this.log.push(E(message));
  }
}

function run(parser: InlineParser, chunks: Buffer[]): string[] {
  const rec = new Recorder();
  for (const c of chunks) {
    let pos = 0;
    while (pos < c.length) pos = parser.feedLine(c, pos, rec);
  }
  return rec.log;
}
const whole = (data: Buffer) => run(new InlineParser(), [data]);
function bytes(data: Buffer): string[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < data.length; i++) chunks.push(data.subarray(i, i + 1));
  return run(new InlineParser(), chunks);
}

/** Checks data gives expected both whole and fed one byte at a time. */
function both(data: string | Buffer, expected: string[]): void {
  const buf = typeof data === 'string' ? b(data) : data;
  assert.equal(whole(buf), expected, 'whole');
  assert.equal(bytes(buf), expected, 'one byte at a time');
}

t('splits a line on spaces and tabs, with \\r\\n or \\n', () => {
  both('SET key value\r\nGET key\n', [C('SET', 'key', 'value'), C('GET', 'key')]);
  both('  SET\t\tk \t v  \r\n', [C('SET', 'k', 'v')]);
});

t('ignores an empty line and a line of only blanks, with no reply', () => {
  both('\n\r\n   \r\n\t\n \x0b\x0c \r\nPING\r\n', [C('PING')]);
});

t('parses double quotes with the escapes of sdssplitargs', () => {
  both('SET "a key" "x\\n\\r\\t\\b\\a\\\\\\"y"\r\n', [C('SET', 'a key', 'x\n\r\t\b\x07\\"y')]);
  both('SET k "\\x41\\x6a\\xfF\\x0"\r\n', [C('SET', 'k', 'Aj\xffx0')]);
  // An unknown escape is the character itself; an empty quoted argument is an empty argument.
  both('ECHO "\\q" ""\r\n', [C('ECHO', 'q', '')]);
});

t('parses single quotes with only \\\' as an escape', () => {
  both("SET 'a \"b\"' 'it\\'s \\n'\r\n", [C('SET', 'a "b"', "it's \\n")]);
});

t('joins a quoted part to the unquoted bytes before it, as sdssplitargs', () => {
  both('SET a"b c" x\r\n', [C('SET', 'ab c', 'x')]);
});

t('answers unbalanced quotes with a protocol error and ignores what follows', () => {
  both('SET "abc\r\nPING\r\n', [E(INLINE_UNBALANCED)]);
  both("SET 'abc\r\nPING\r\n", [E(INLINE_UNBALANCED)]);
  // A closing quote must be followed by a blank or the end of the line.
  both('SET "a"b\r\nPING\r\n', [E(INLINE_UNBALANCED)]);
  both("SET 'a'b\r\n", [E(INLINE_UNBALANCED)]);
  // A backslash before the end of the line escapes nothing: the quote is still open.
  both('SET "a\\\r\n', [E(INLINE_UNBALANCED)]);
});

t('ends the line at a NUL byte, as sdssplitargs reads a C string', () => {
  both(Buffer.concat([b('SET k v'), Buffer.from([0]), b(' ignored\r\nPING\r\n')]), [C('SET', 'k', 'v'), C('PING')]);
});

t('keeps binary bytes other than blanks and quotes unchanged', () => {
  both(Buffer.concat([b('SET '), Buffer.from([0xff, 0x80, 0x01]), b(' v\r\n')]), [C('SET', '\xff\x80\x01', 'v')]);
});

t(`accepts a line of ${INLINE_MAX_BYTES} bytes and refuses one byte more`, () => {
  const value = 'v'.repeat(INLINE_MAX_BYTES - 'SET k '.length);
  both(`SET k ${value}\n`, [C('SET', 'k', value)]);
  both(`SET k ${value}v\nPING\n`, [E(INLINE_TOO_BIG)]);
  // Past the limit without a newline yet: the error comes at once.
  const p = new InlineParser();
  assert.equal(run(p, [b(`SET k ${value}`), b('vv')]), [E(INLINE_TOO_BIG)]);
  assert.ok(p.failed);
  assert.not.ok(p.midLine);
});

t('reports midLine while a line is partly received', () => {
  const p = new InlineParser();
  const rec = new Recorder();
  assert.is(p.feedLine(b('SET k'), 0, rec), 5);
  assert.ok(p.midLine);
  assert.is(p.feedLine(b(' v\r\nGET k\r\n'), 0, rec), 4);
  assert.not.ok(p.midLine);
  assert.equal(rec.log, [C('SET', 'k', 'v')]);
});

t('parses the tail redis-cli --pipe sends: an empty line, then ECHO of 20 bytes', () => {
  both('SET a b\r\n\r\nECHO 0123456789abcdefghij\r\n', [C('SET', 'a', 'b'), C('ECHO', '0123456789abcdefghij')]);
});

t.run();
