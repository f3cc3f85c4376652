import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { Args } from '../src/args';
import { Demux, type DemuxLimits } from '../src/demux';
import { INLINE_MAX_BYTES, type InlineParser } from '../src/inline';
import { RESP_MAX_LINE_BYTES, type RespParser, type RespSink } from '../src/resp';
import { MAX_KEY_BYTES, MAX_LINE_BYTES, MAX_VALUE_BYTES, TextOp, type TextParser, type TextSink } from '../src/text';

/**
 * Property-based fuzzing of the protocol demux and its parsers: the shipped Demux (src/demux.ts,
 * what every client connection feeds its reads to) with the real TextParser, RespParser and
 * InlineParser inside, fed as the connection feeds it: one command per call, from where the last
 * one ended, nothing more after a protocol error. Sessions cover the seed's text protocol, RESP,
 * inline commands after the first RESP command, and a first line that is an inline Redis command.
 * Seeds are fixed and runs bounded, so this is deterministic and takes a few seconds.
 */
const t = suite('wire:fuzz');

const CR = 0x0d;
const LF = 0x0a;
const SPACE = 0x20;
const STAR = 0x2a;
const DOLLAR = 0x24;

/** Bulks are capped at 1 MB here so a valid huge header reserves 1 MB, not the real 512 MB. */
const MAX_BULK = 1024 * 1024;
const LIMITS: DemuxLimits = { textMaxLine: MAX_LINE_BYTES, protoMaxBulkLen: MAX_BULK, clientQueryBufferLimit: 1024 * 1024 * 1024 };
/** A `$`-free input can make the RESP parser hold one short count line plus one over-long line. */
const NO_BULK_BUFFER_BOUND = RESP_MAX_LINE_BYTES + 64;
/** The Redis commands the seed's protocol has not, for the first line's check (the router asks its command table). */
const REDIS_ONLY = ['SET', 'PING', 'DEL', 'HSET', 'ECHO', 'MGET', 'INCR'];
const redisOnly = (name: Args) => REDIS_ONLY.includes(name.latin1(0).toUpperCase());
/** The first line's name is recognised only when it and the blank after it arrive in the first read (at most 17 bytes). */
const FIRST_NAME_BYTES = 18;

const b = (s: string) => Buffer.from(s, 'latin1');
const OP_NAMES: Record<number, string> = { [TextOp.GET]: 'GET', [TextOp.PUT]: 'PUT', [TextOp.STATS]: 'STATS' };

/** One transcript entry, arguments as latin1 (one char per byte), JSON-quoted. */
type Event = string;
const textCmd = (op: string, parts: Buffer[]) => `T ${op} ${JSON.stringify(parts.map((p) => p.toString('latin1')))}`;
const TEXT_ERR = 'T ERR';
const respCmd = (parts: Buffer[]) => `R ${JSON.stringify(parts.map((p) => p.toString('latin1')))}`;
const protoErr = (message: string) => `P ${message}`;

function copyParts(args: Args): Buffer[] {
  const parts: Buffer[] = [];
  for (let i = 0; i < args.count; i++) {
    const s = args.starts[i];
    const e = args.ends[i];
    if (!(0 <= s && s <= e && e <= args.buf.length)) throw new Error(`arg ${i} [${s}, ${e}) outside a buffer of ${args.buf.length}`);
    // Copied now: Args and the buffer it points into are reused once the callback returns.
    parts.push(Buffer.from(args.buf.subarray(s, e)));
  }
  return parts;
}

interface Stats {
  /** The most bytes TextParser held in its carry buffer. */
  maxTextCarry: number;
  /** The most bytes RespParser reported buffered. */
  maxRespBuffered: number;
  /** The most bytes InlineParser held of a line. */
  maxInlineCarry: number;
  feeds: number;
}

/** A connection's dispatch loop around the real Demux, with every invariant checked after every feed call. */
class Conn implements TextSink, RespSink {
  readonly demux = new Demux(LIMITS, redisOnly);
  readonly events: Event[] = [];
  closing = false;
  /** Bytes handed to the RESP parser since it last was at a command boundary. */
  private respFed = 0;
  readonly stats: Stats = { maxTextCarry: 0, maxRespBuffered: 0, maxInlineCarry: 0, feeds: 0 };

  /** Null until the Demux first needs it (each parser is made on first use). */
  private get text(): TextParser | null {
    return this.demux['text'];
  }
  private get resp(): RespParser | null {
    return this.demux['resp'];
  }
  private get inline(): InlineParser | null {
    return this.demux['inline'];
  }

  textCommand(op: TextOp, args: Args): void {
    const parts = copyParts(args);
    // Ops added to the protocol later are recorded by number; the three seed ops by name, as sent.
    const name = OP_NAMES[op] ?? `OP${op}`;
    if (OP_NAMES[op] !== undefined && parts[0].toString('latin1').toUpperCase() !== name) {
      throw new Error(`text op ${name} named ${JSON.stringify(parts[0].toString('latin1'))}`);
    }
    this.events.push(textCmd(name, parts));
  }
  textError(): void {
    this.events.push(TEXT_ERR);
  }
  respCommand(args: Args): void {
    if (args.count < 1) throw new Error('respCommand with no arguments');
    this.events.push(respCmd(copyParts(args)));
  }
  respProtocolError(message: string): void {
    this.events.push(protoErr(message));
    this.closing = true;
  }

  onData(chunk: Buffer): void {
    const len = chunk.length;
    let pos = 0;
    while (pos < len && !this.closing) {
      const respBefore = this.resp?.midCommand ?? false;
      const toResp = respBefore || (!this.text?.midLine && !this.inline?.midLine && chunk[pos] === STAR);
      if (toResp && !respBefore) this.respFed = 0;
      const next = this.demux.feed(chunk, pos, this);
      if (toResp) this.respFed += next - pos;
      this.stats.feeds++;
      if (!(next > pos && next <= len)) throw new Error(`no progress: feed from ${pos} of a ${len}-byte chunk returned ${next}`);
      pos = next;
      this.check();
    }
  }

  private check(): void {
    const text = this.text;
    const carry = text === null ? 0 : text['carryLen'];
    if (carry < 0 || carry > MAX_LINE_BYTES) throw new Error(`TextParser holds ${carry} bytes (max ${MAX_LINE_BYTES})`);
    if (text !== null && text['carry'].length !== MAX_LINE_BYTES) throw new Error('TextParser carry buffer grew past the default line limit');
    const buffered = this.resp?.buffered ?? 0;
    if (buffered < 0 || buffered > this.respFed) throw new Error(`RespParser buffers ${buffered} bytes of ${this.respFed} fed`);
    if (!(this.resp?.midCommand ?? false) && buffered !== 0) throw new Error(`RespParser idle yet buffers ${buffered} bytes`);
    const inline = this.inline === null ? 0 : this.inline['carryLen'];
    if (inline < 0 || inline > INLINE_MAX_BYTES) throw new Error(`InlineParser holds ${inline} bytes (max ${INLINE_MAX_BYTES})`);
    if (carry > this.stats.maxTextCarry) this.stats.maxTextCarry = carry;
    if (buffered > this.stats.maxRespBuffered) this.stats.maxRespBuffered = buffered;
    if (inline > this.stats.maxInlineCarry) this.stats.maxInlineCarry = inline;
  }
}

function run(chunks: Buffer[]): { events: Event[]; stats: Stats } {
  const conn = new Conn();
  for (const c of chunks) {
    if (conn.closing) break;
    conn.onData(c);
  }
  return { events: conn.events, stats: conn.stats };
}

// ---------------------------------------------------------------------------------------------
// Chunking

/** How to split an input: at arbitrary points, in fixed-size pieces, or byte by byte. */
type Split = { kind: 'cuts'; cuts: number[] } | { kind: 'size'; size: number } | { kind: 'bytes' };

const splitArb: fc.Arbitrary<Split> = fc.oneof(
  { weight: 4, arbitrary: fc.array(fc.nat(), { maxLength: 40 }).map((cuts): Split => ({ kind: 'cuts', cuts })) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 40 }).map((size): Split => ({ kind: 'size', size })) },
  { weight: 1, arbitrary: fc.constant<Split>({ kind: 'bytes' }) },
);

/** Splits `input`; the first `whole` bytes stay in the first chunk (the first line's name, see FIRST_NAME_BYTES). */
function split(input: Buffer, how: Split, whole = 0): Buffer[] {
  const len = input.length;
  const out: Buffer[] = [];
  if (how.kind === 'cuts') {
    const points = [...new Set(how.cuts.map((c) => c % (len + 1)))].filter((c) => c > 0 && c < len).sort((x, y) => x - y);
    let at = 0;
    for (const p of points) {
      out.push(input.subarray(at, p));
      at = p;
    }
    if (at < len) out.push(input.subarray(at));
  } else {
    const size = how.kind === 'size' ? how.size : 1;
    for (let at = 0; at < len; at += size) out.push(input.subarray(at, Math.min(len, at + size)));
  }
  while (out.length > 1 && out[0].length < whole) out.splice(0, 2, Buffer.concat([out[0], out[1]]));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Well-formed commands with their reference transcript

interface Piece {
  bytes: Buffer;
  /** What the parsers must report for these bytes. */
  events: Event[];
}

/** Bytes biased towards the protocols' special characters. */
const byteArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 255 }) },
  { weight: 1, arbitrary: fc.constantFrom(CR, LF, SPACE, STAR, DOLLAR, 0x30, 0x31, 0x2d, 0x00, 0xff) },
);

function bytesArb(minLength: number, maxLength: number, forbidden: number[]): fc.Arbitrary<Buffer> {
  return fc
    .array(byteArb, { minLength, maxLength })
    .map((xs) => Buffer.from(xs.map((x) => (forbidden.includes(x) ? x ^ 0x40 : x))));
}

/** A length that often sits at the limit. */
function sized(max: number, forbidden: number[]): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 4, arbitrary: bytesArb(1, 24, forbidden) },
    { weight: 1, arbitrary: bytesArb(1, max, forbidden) },
    { weight: 1, arbitrary: bytesArb(max - 2, max, forbidden) },
  );
}

const nameCase = (name: string) =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((up) =>
    [...name].map((ch, i) => (up[i] ? ch : ch.toLowerCase())).join(''),
  );

/** `\n` alone, unless the last byte is a CR: the parser strips one CR before the newline. */
const terminatorArb = fc.boolean();
function line(parts: Buffer[], crlf: boolean): Buffer {
  const body = Buffer.concat(parts);
  const needCr = crlf || (body.length > 0 && body[body.length - 1] === CR);
  return Buffer.concat([body, b(needCr ? '\r\n' : '\n')]);
}

const textGetArb: fc.Arbitrary<Piece> = fc
  .tuple(nameCase('GET'), sized(MAX_KEY_BYTES, [SPACE, LF]), terminatorArb)
  .map(([name, key, crlf]) => ({
    bytes: line([b(name), b(' '), key], crlf),
    events: [textCmd('GET', [b(name), key])],
  }));

const textPutArb: fc.Arbitrary<Piece> = fc
  .tuple(nameCase('PUT'), sized(MAX_KEY_BYTES, [SPACE, LF]), sized(MAX_VALUE_BYTES, [LF]), terminatorArb)
  .map(([name, key, value, crlf]) => ({
    bytes: line([b(name), b(' '), key, b(' '), value], crlf),
    events: [textCmd('PUT', [b(name), key, value])],
  }));

const textStatsArb: fc.Arbitrary<Piece> = fc
  .tuple(nameCase('STATS'), terminatorArb)
  .map(([name, crlf]) => ({ bytes: line([b(name)], crlf), events: [textCmd('STATS', [b(name)])] }));

/** Lines the seed answers with ERROR: an unknown command, or one too long (answered once). */
const textBadArb: fc.Arbitrary<Piece> = fc.oneof(
  bytesArb(0, 40, [LF]).map((rest) => ({ bytes: Buffer.concat([b('NOPE'), rest, b('\n')]), events: [TEXT_ERR] })),
  fc.integer({ min: MAX_LINE_BYTES + 1, max: MAX_LINE_BYTES + 3000 }).map((n) => ({
    bytes: Buffer.concat([Buffer.alloc(n, 'P'), b('\n')]),
    events: [TEXT_ERR],
  })),
);

function encodeResp(parts: Buffer[]): Buffer {
  const out: Buffer[] = [b(`*${parts.length}\r\n`)];
  for (const p of parts) out.push(b(`$${p.length}\r\n`), p, b('\r\n'));
  return Buffer.concat(out);
}

const respArgArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 8, arbitrary: bytesArb(0, 40, []) },
  { weight: 2, arbitrary: bytesArb(0, 400, []) },
  // Big bulks: past MIN_HOLD_BYTES (4 KB) and KEEP_HOLD_BYTES (64 KB).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(4095, 4096, 4097, 20_000, 65_535, 65_536, 70_000), byteArb)
      .map(([n, fill]) => Buffer.alloc(n, fill)),
  },
);

const respCmdArb: fc.Arbitrary<Piece> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.array(respArgArb, { minLength: 1, maxLength: 12 }).map((parts) => ({
      bytes: encodeResp(parts),
      events: [respCmd(parts)],
    })),
  },
  // Empty and null multi-bulks are skipped without a command.
  { weight: 1, arbitrary: fc.constantFrom('*0\r\n', '*-1\r\n', '*-7\r\n').map((s) => ({ bytes: b(s), events: [] })) },
);

/** The seed's text protocol: what a connection speaks until its first RESP command. */
const textPieceArb: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 3, arbitrary: textGetArb },
  { weight: 3, arbitrary: textPutArb },
  { weight: 1, arbitrary: textStatsArb },
  { weight: 1, arbitrary: textBadArb },
);

/** Bytes an inline argument may hold unquoted: no blank, quote, backslash, NUL, nor `*` (which opens RESP at a line's start). */
const inlineByteArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_:.-+=/@#%^&()!?,;<>~|{}[]`$'.split('').map((c) => c.charCodeAt(0))) },
  { weight: 1, arbitrary: fc.integer({ min: 0x80, max: 0xff }) },
);
const inlineWordArb: fc.Arbitrary<{ bytes: Buffer; value: Buffer }> = fc.oneof(
  { weight: 5, arbitrary: fc.array(inlineByteArb, { minLength: 1, maxLength: 20 }).map((xs) => ({ bytes: Buffer.from(xs), value: Buffer.from(xs) })) },
  // Quoted: blanks inside, and Redis's escapes (\xHH, \n) decoded.
  {
    weight: 1,
    arbitrary: fc.tuple(fc.array(fc.oneof(inlineByteArb, fc.constant(SPACE)), { maxLength: 12 }), fc.boolean()).map(([xs, escaped]) => {
      const inner = Buffer.from(xs);
      return escaped
        ? { bytes: Buffer.concat([b('"\\x41'), inner, b('\\n"')]), value: Buffer.concat([b('A'), inner, b('\n')]) }
        : { bytes: Buffer.concat([b('"'), inner, b('"')]), value: inner };
    }),
  },
);
const blanksArb = fc.array(fc.constantFrom(' ', '\t'), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(''));

/** A Redis inline command (after the first RESP command): its words, as sdssplitargs splits them. */
const inlineCmdArb: fc.Arbitrary<Piece> = fc
  .tuple(fc.array(fc.tuple(inlineWordArb, blanksArb), { minLength: 1, maxLength: 6 }), fc.constantFrom('', ' '), fc.constantFrom('\n', '\r\n'))
  .map(([words, lead, end]) => ({
    bytes: Buffer.concat([b(lead), ...words.flatMap(([w, sep], i) => (i === 0 ? [w.bytes] : [b(sep), w.bytes])), b(end)]),
    events: [respCmd(words.map(([w]) => w.value))],
  }));

/** An inline line with nothing on it: no command, no reply. */
const blankLineArb: fc.Arbitrary<Piece> = fc.constantFrom('\n', '\r\n', '   \r\n', '\t\n').map((line) => ({ bytes: b(line), events: [] }));

/** A first line naming a Redis command the seed has not: the connection speaks inline from the start. */
const redisFirstArb: fc.Arbitrary<Piece> = fc
  .tuple(fc.constantFrom(...REDIS_ONLY).chain((name) => nameCase(name)), fc.array(fc.tuple(inlineWordArb, blanksArb), { maxLength: 4 }), fc.constantFrom('\n', '\r\n'))
  .map(([name, words, end]) => ({
    bytes: Buffer.concat([b(name), ...words.flatMap(([w, sep]) => [b(sep), w.bytes]), b(end)]),
    events: [respCmd([b(name), ...words.map(([w]) => w.value)])],
  }));

/** What follows the first RESP command (or an inline first line): RESP and inline commands, blank lines. */
const afterRespArb: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 6, arbitrary: respCmdArb },
  { weight: 4, arbitrary: inlineCmdArb },
  { weight: 1, arbitrary: blankLineArb },
);

/** A piece of any of the three protocols, for protocol-like garbage. */
const pieceArb: fc.Arbitrary<Piece> = fc.oneof(textPieceArb, respCmdArb, inlineCmdArb, redisFirstArb);

interface Session {
  bytes: Buffer;
  events: Event[];
  /** Bytes the first read must hold for the first line to be read as it was meant (FIRST_NAME_BYTES). */
  whole: number;
}

const join = (pieces: Piece[], whole = 0): Session => ({ bytes: Buffer.concat(pieces.map((p) => p.bytes)), events: pieces.flatMap((p) => p.events), whole });

/**
 * A connection's commands, as a client sends them: the seed's text protocol, then (from its first
 * RESP command) RESP and inline commands; or an inline Redis command first, and the same after.
 */
function sessionsOf(pieces: number): fc.Arbitrary<Session> {
  const half = Math.ceil(pieces / 2);
  return fc.oneof(
    { weight: 1, arbitrary: fc.array(textPieceArb, { maxLength: pieces }).map((list) => join(list)) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.array(textPieceArb, { maxLength: half }), respCmdArb, fc.array(afterRespArb, { maxLength: half }))
        .map(([text, first, after]) => join([...text, first, ...after])),
    },
    { weight: 2, arbitrary: fc.tuple(redisFirstArb, fc.array(afterRespArb, { maxLength: pieces })).map(([first, after]) => join([first, ...after], FIRST_NAME_BYTES)) },
  );
}
const sessionArb = sessionsOf(30);

// ---------------------------------------------------------------------------------------------
// Arbitrary and protocol-like garbage

const tokenArb: fc.Arbitrary<Buffer> = fc
  .constantFrom(
    '*', '$', '\r', '\n', '\r\n', '0', '1', '9', '-', '-1', '00', '01', ' ', 'GET ', 'PUT ', 'STATS',
    '*1\r\n', '*2\r\n', '*3\r\n', '$0\r\n', '$1\r\n', '$3\r\n', '*\r\n', '$\r\n', '*0', '*-1\r\n',
    `$${MAX_BULK}\r\n`, `$${MAX_BULK + 1}\r\n`, '$536870912\r\n', '$2147483647\r\n', '$2147483648\r\n',
    '$9223372036854775807\r\n', '$9223372036854775808\r\n', '$-9223372036854775808\r\n', '$-2\r\n',
    '*1048576\r\n', '*1048577\r\n', '*9223372036854775807\r\n', '*99999999999999999999\r\n', '*1\r\n$',
  )
  .map(b);

/** A run long enough to cross the line limits of both parsers. */
const longRunArb: fc.Arbitrary<Buffer> = fc
  .tuple(
    fc.constantFrom(MAX_LINE_BYTES - 1, MAX_LINE_BYTES, MAX_LINE_BYTES + 1, RESP_MAX_LINE_BYTES - 2, RESP_MAX_LINE_BYTES, RESP_MAX_LINE_BYTES + 2),
    fc.constantFrom(0x39, 0x41, SPACE, STAR, DOLLAR, CR, 0x00),
  )
  .map(([n, fill]) => Buffer.alloc(n, fill));

const segmentArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 6, arbitrary: tokenArb },
  { weight: 3, arbitrary: pieceArb.map((p) => p.bytes) },
  // A fragment of a valid command: protocols resynchronising mid-command.
  {
    weight: 3,
    arbitrary: fc.tuple(pieceArb, fc.nat(), fc.nat()).map(([p, x, y]) => {
      const i = x % (p.bytes.length + 1);
      const j = y % (p.bytes.length + 1);
      return p.bytes.subarray(Math.min(i, j), Math.max(i, j));
    }),
  },
  { weight: 2, arbitrary: fc.array(fc.integer({ min: 0x30, max: 0x39 }), { minLength: 1, maxLength: 25 }).map((xs) => Buffer.from(xs)) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 64 }).map((u) => Buffer.from(u)) },
  { weight: 1, arbitrary: longRunArb },
);

const protocolLikeArb: fc.Arbitrary<Buffer> = fc.array(segmentArb, { maxLength: 40 }).map((xs) => Buffer.concat(xs));
const randomBytesArb: fc.Arbitrary<Buffer> = fc.uint8Array({ maxLength: 2048 }).map((u) => Buffer.from(u));
const anyInputArb: fc.Arbitrary<Buffer> = fc.oneof(
  { weight: 1, arbitrary: randomBytesArb },
  { weight: 3, arbitrary: protocolLikeArb },
  { weight: 1, arbitrary: sessionArb.map((s) => s.bytes) },
);

const show = (x: Buffer) => JSON.stringify(x.length > 300 ? x.subarray(0, 300).toString('latin1') + `...(${x.length} bytes)` : x.toString('latin1'));

// ---------------------------------------------------------------------------------------------
// Properties

t('any input, split anywhere: no throw, progress on every feed, bounded buffering', () => {
  fc.assert(
    fc.property(anyInputArb, splitArb, (input, how) => {
      run(split(input, how));
    }),
    { seed: 0x5eed_0001, numRuns: 300 },
  );
});

t('input without a bulk header keeps RespParser buffering under 64 KB + a little', () => {
  const noDollar = fc.oneof(protocolLikeArb, randomBytesArb).map((x) => {
    const y = Buffer.from(x);
    for (let i = 0; i < y.length; i++) if (y[i] === DOLLAR) y[i] = 0x23;
    return y;
  });
  fc.assert(
    fc.property(noDollar, splitArb, (input, how) => {
      const { stats } = run(split(input, how));
      if (stats.maxRespBuffered > NO_BULK_BUFFER_BOUND) throw new Error(`RespParser buffered ${stats.maxRespBuffered} bytes`);
    }),
    { seed: 0x5eed_0002, numRuns: 300 },
  );
});

t('an endless RESP line is refused at the line limit, however it is split', () => {
  for (const prefix of ['*', '*1\r\n', '*1\r\n$']) {
    const input = Buffer.concat([b(prefix), Buffer.alloc(3 * RESP_MAX_LINE_BYTES, 0x39)]);
    for (const how of [{ kind: 'cuts', cuts: [] }, { kind: 'size', size: 1000 }, { kind: 'size', size: 7 }] as Split[]) {
      const { events, stats } = run(split(input, how));
      assert.is(events.length, 1, `${prefix} ${JSON.stringify(how)}`);
      assert.ok(events[0].startsWith('P too big'), events[0]);
      assert.ok(stats.maxRespBuffered <= NO_BULK_BUFFER_BOUND, `${stats.maxRespBuffered}`);
    }
  }
});

t('well-formed commands parse exactly as generated, split anywhere', () => {
  fc.assert(
    fc.property(sessionArb, splitArb, (session, how) => {
      const { events } = run(split(session.bytes, how, session.whole));
      assert.equal(events, session.events);
    }),
    { seed: 0x5eed_0003, numRuns: 300 },
  );
});

t('small well-formed sessions parse exactly as generated, fed byte by byte', () => {
  fc.assert(
    fc.property(sessionsOf(6), (session) => {
      assert.equal(run(split(session.bytes, { kind: 'bytes' }, session.whole)).events, session.events);
    }),
    { seed: 0x5eed_0004, numRuns: 150 },
  );
});

t('the transcript does not depend on how the input is split (past the first line\'s name)', () => {
  fc.assert(
    fc.property(anyInputArb, splitArb, splitArb, (input, how1, how2) => {
      const whole = run([input]).events;
      const a = run(split(input, how1, FIRST_NAME_BYTES)).events;
      if (JSON.stringify(a) !== JSON.stringify(whole)) {
        throw new Error(`input ${show(input)} split ${JSON.stringify(how1)}:\n${JSON.stringify(a)}\nwhole:\n${JSON.stringify(whole)}`);
      }
      const c = run(split(input, how2, FIRST_NAME_BYTES)).events;
      if (JSON.stringify(c) !== JSON.stringify(whole)) {
        throw new Error(`input ${show(input)} split ${JSON.stringify(how2)}:\n${JSON.stringify(c)}\nwhole:\n${JSON.stringify(whole)}`);
      }
    }),
    { seed: 0x5eed_0005, numRuns: 300 },
  );
});

t('the first line: a Redis command\'s name (with its blank) in the first read opens inline mode; split inside it, or a seed command, it is text', () => {
  const input = b('SET k v\r\nPING\r\n');
  assert.equal(run([input]).events, [respCmd([b('SET'), b('k'), b('v')]), respCmd([b('PING')])]);
  assert.equal(run(split(input, { kind: 'cuts', cuts: [2] })).events, [TEXT_ERR, TEXT_ERR], 'a name split across reads is not recognised');
  assert.equal(run([b('GET k\nSET k v\n')]).events, [textCmd('GET', [b('GET'), b('k')]), TEXT_ERR], 'GET is the seed\'s: text, and so is the rest');
  assert.equal(run([b('PING\r\n')]).events, [respCmd([b('PING')])], 'a name alone on its line');
  assert.equal(run([b('*1\r\n$4\r\nPING\r\nGET k\r\n')]).events, [respCmd([b('PING')]), respCmd([b('GET'), b('k')])], 'after RESP, GET is inline');
});

t('inline lines refused as Redis refuses them: unbalanced quotes, over 64 KB; nothing is read after', () => {
  const resp = b('*1\r\n$4\r\nPING\r\n');
  assert.equal(run([resp, b('SET "open k\r\nPING\r\n')]).events, [respCmd([b('PING')]), protoErr('unbalanced quotes in request')]);
  const long = Buffer.concat([resp, Buffer.alloc(INLINE_MAX_BYTES + 10, 0x61), b('\r\nPING\r\n')]);
  for (const how of [{ kind: 'cuts', cuts: [] }, { kind: 'size', size: 4096 }] as Split[]) {
    const { events, stats } = run(split(long, how));
    assert.equal(events, [respCmd([b('PING')]), protoErr('too big inline request')], JSON.stringify(how));
    assert.ok(stats.maxInlineCarry <= INLINE_MAX_BYTES);
  }
});

t.run();
