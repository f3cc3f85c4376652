import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OutBuffer } from '../src/out';
import { ReplyKind, ReplyMode } from '../src/frame';
import { RESP3_REPLIES, RESP_REPLIES, TEXT_REPLIES, repliesFor, repliesForMode, type ReplyEncoder } from '../src/replies';

const test = suite('wire:replies');

function encoded(fill: (out: OutBuffer) => void): string {
  const out = new OutBuffer(8);
  fill(out);
  return out.take().toString('latin1');
}

const KINDS: [ReplyKind, string][] = [
  [ReplyKind.OK, ''],
  [ReplyKind.STATUS, 'PONG'],
  [ReplyKind.NIL, ''],
  [ReplyKind.BULK, 'a value with spaces'],
  [ReplyKind.INTEGER, '-42'],
  [ReplyKind.ERROR, 'ERR syntax error'],
];

test('text protocol: OK, NOTFOUND, ERROR, values as lines', () => {
  const t = TEXT_REPLIES;
  assert.is(encoded((o) => t.ok(o)), 'OK\n');
  assert.is(encoded((o) => t.nil(o)), 'NOTFOUND\n');
  assert.is(encoded((o) => t.error(o, 'ERR anything')), 'ERROR\n');
  assert.is(encoded((o) => t.bulk(o, 'v w')), 'v w\n');
  assert.is(encoded((o) => t.integer(o, 7)), '7\n');
  assert.is(encoded((o) => t.status(o, 'PONG')), 'PONG\n');
});

test('RESP2: each reply type, integers past 2^53 exact', () => {
  const r = RESP_REPLIES;
  assert.is(encoded((o) => r.ok(o)), '+OK\r\n');
  assert.is(encoded((o) => r.nil(o)), '$-1\r\n');
  assert.is(encoded((o) => r.error(o, 'ERR x\r\ny')), '-ERR x  y\r\n');
  assert.is(encoded((o) => r.bulk(o, 'v w')), '$3\r\nv w\r\n');
  assert.is(encoded((o) => r.integer(o, -7)), ':-7\r\n');
  assert.is(encoded((o) => r.integer(o, 9007199254740993n)), ':9007199254740993\r\n');
  assert.is(encoded((o) => r.array(o, ['a', undefined, 'bc'])), '*3\r\n$1\r\na\r\n$-1\r\n$2\r\nbc\r\n');
  assert.is(encoded((o) => TEXT_REPLIES.array(o, ['a', undefined])), 'a\nNOTFOUND\n');
});

test('a cursor reply: RESP [cursor, [items]], text one line each; kind() CURSOR is the same', () => {
  assert.is(encoded((o) => RESP_REPLIES.cursor(o, '17', ['f', 'v'])), '*2\r\n$2\r\n17\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
  assert.is(encoded((o) => RESP_REPLIES.cursor(o, '0', [])), '*2\r\n$1\r\n0\r\n*0\r\n');
  assert.is(encoded((o) => TEXT_REPLIES.cursor(o, '0', ['f', 'v'])), '0\nf\nv\n');
  for (const e of [TEXT_REPLIES, RESP_REPLIES]) {
    assert.is(encoded((o) => e.kind(o, ReplyKind.CURSOR, '5', ['a'])), encoded((o) => e.cursor(o, '5', ['a'])));
  }
});

test('kind() encodes a reply in its inter-process form as the direct call does', () => {
  const direct = (e: ReplyEncoder, kind: ReplyKind, payload: string) => (out: OutBuffer) => {
    if (kind === ReplyKind.OK) e.ok(out);
    else if (kind === ReplyKind.STATUS) e.status(out, payload);
    else if (kind === ReplyKind.NIL) e.nil(out);
    else if (kind === ReplyKind.BULK) e.bulk(out, payload);
    else if (kind === ReplyKind.INTEGER) e.integer(out, Number(payload));
    else e.error(out, payload);
  };
  for (const e of [TEXT_REPLIES, RESP_REPLIES, RESP3_REPLIES]) {
    for (const [kind, payload] of KINDS) assert.is(encoded((o) => e.kind(o, kind, payload)), encoded(direct(e, kind, payload)), `${e.mode} ${kind}`);
    const items = ['f', undefined, 'v', 'w'];
    assert.is(encoded((o) => e.kind(o, ReplyKind.ARRAY, '', items)), encoded((o) => e.array(o, items)), `${e.mode} ARRAY`);
    assert.is(encoded((o) => e.kind(o, ReplyKind.MAP, '', items)), encoded((o) => e.map(o, items)), `${e.mode} MAP`);
    assert.is(encoded((o) => e.kind(o, ReplyKind.NULL_ARRAY, '')), encoded((o) => e.nullArray(o)), `${e.mode} NULL_ARRAY`);
  }
  assert.is(repliesFor(true), RESP_REPLIES);
  assert.is(repliesFor(false), TEXT_REPLIES);
});

test('RESP3: null `_` for nil and nil items, maps, sets, verbatim, doubles, booleans, big numbers', () => {
  const r = RESP3_REPLIES;
  assert.is(encoded((o) => r.nil(o)), '_\r\n');
  assert.is(encoded((o) => r.nullArray(o)), '_\r\n');
  assert.is(encoded((o) => r.array(o, ['a', undefined])), '*2\r\n$1\r\na\r\n_\r\n');
  assert.is(encoded((o) => r.array(o, [])), '*0\r\n');
  assert.is(encoded((o) => r.map(o, ['f1', 'v1', 'f2', undefined])), '%2\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n_\r\n');
  assert.is(encoded((o) => r.map(o, [])), '%0\r\n');
  assert.is(encoded((o) => r.mapHeader(o, 3)), '%3\r\n');
  assert.is(encoded((o) => r.setHeader(o, 2)), '~2\r\n');
  assert.is(encoded((o) => r.arrayHeader(o, 4)), '*4\r\n');
  // Redis's INFO: the length counts the `txt:` prefix.
  assert.is(encoded((o) => r.verbatim(o, '# Server\r\nx:1\r\n')), '=19\r\ntxt:# Server\r\nx:1\r\n\r\n');
  assert.is(encoded((o) => r.verbatim(o, '')), '=4\r\ntxt:\r\n');
  assert.is(encoded((o) => r.double(o, 1.5)), ',1.5\r\n');
  // Redis 7.0's "%.17g": 0.1 is not exactly representable.
  assert.is(encoded((o) => r.double(o, -0.1)), ',-0.10000000000000001\r\n');
  assert.is(encoded((o) => r.double(o, Infinity)), ',inf\r\n');
  assert.is(encoded((o) => r.double(o, -Infinity)), ',-inf\r\n');
  assert.is(encoded((o) => r.double(o, NaN)), ',nan\r\n');
  assert.is(encoded((o) => r.boolean(o, true)), '#t\r\n');
  assert.is(encoded((o) => r.boolean(o, false)), '#f\r\n');
  assert.is(encoded((o) => r.bigNumber(o, 3492890328409238509324850943850943825024385n)), '(3492890328409238509324850943850943825024385\r\n');
  assert.is(encoded((o) => r.bigNumber(o, '-12')), '(-12\r\n');
  // What RESP3 shares with RESP2.
  assert.is(encoded((o) => r.ok(o)), '+OK\r\n');
  assert.is(encoded((o) => r.status(o, 'PONG')), '+PONG\r\n');
  assert.is(encoded((o) => r.bulk(o, 'v')), '$1\r\nv\r\n');
  assert.is(encoded((o) => r.integer(o, 9007199254740993n)), ':9007199254740993\r\n');
  assert.is(encoded((o) => r.error(o, 'ERR x\ny')), '-ERR x y\r\n');
});

test('RESP2 falls back as Redis does: a map is a flat array, a set an array, verbatim and doubles bulk strings, booleans 1 or 0', () => {
  const r = RESP_REPLIES;
  assert.is(encoded((o) => r.map(o, ['f1', 'v1', 'f2', undefined])), '*4\r\n$2\r\nf1\r\n$2\r\nv1\r\n$2\r\nf2\r\n$-1\r\n');
  assert.is(encoded((o) => r.nullArray(o)), '*-1\r\n');
  assert.is(encoded((o) => r.mapHeader(o, 3)), '*6\r\n');
  assert.is(encoded((o) => r.setHeader(o, 2)), '*2\r\n');
  assert.is(encoded((o) => r.verbatim(o, 'a\r\nb')), '$4\r\na\r\nb\r\n');
  assert.is(encoded((o) => r.double(o, 2.5)), '$3\r\n2.5\r\n');
  assert.is(encoded((o) => r.double(o, -Infinity)), '$4\r\n-inf\r\n');
  assert.is(encoded((o) => r.boolean(o, true)), ':1\r\n');
  assert.is(encoded((o) => r.boolean(o, false)), ':0\r\n');
  assert.is(encoded((o) => r.bigNumber(o, 12345678901234567890n)), '$20\r\n12345678901234567890\r\n');
});

test('the text protocol: a map is one line per item, nil array NOTFOUND, headers write nothing', () => {
  const t = TEXT_REPLIES;
  assert.is(encoded((o) => t.map(o, ['f', undefined])), 'f\nNOTFOUND\n');
  assert.is(encoded((o) => t.nullArray(o)), 'NOTFOUND\n');
  assert.is(encoded((o) => { t.arrayHeader(o, 2); t.mapHeader(o, 2); t.setHeader(o, 2); }), '');
  assert.is(encoded((o) => t.verbatim(o, 'x:1')), 'x:1\n');
  assert.is(encoded((o) => t.boolean(o, true)), '1\n');
});

test('each encoder names the reply mode that asks for it; repliesForMode finds it back (FORM: none)', () => {
  assert.is(TEXT_REPLIES.mode, ReplyMode.TEXT);
  assert.is(RESP_REPLIES.mode, ReplyMode.RESP);
  assert.is(RESP3_REPLIES.mode, ReplyMode.RESP3);
  for (const e of [TEXT_REPLIES, RESP_REPLIES, RESP3_REPLIES]) assert.is(repliesForMode(e.mode), e);
  assert.is(repliesForMode(ReplyMode.FORM), null);
  assert.is(repliesForMode(9 as ReplyMode), null);
  assert.ok(RESP3_REPLIES.resp && RESP_REPLIES.resp && !TEXT_REPLIES.resp);
});

test.run();
