import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { OutBuffer } from '../src/out';
import { ReplyKind } from '../src/frame';
import { RESP_REPLIES, TEXT_REPLIES, repliesFor, type ReplyEncoder } from '../src/replies';

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
  for (const e of [TEXT_REPLIES, RESP_REPLIES]) {
    for (const [kind, payload] of KINDS) assert.is(encoded((o) => e.kind(o, kind, payload)), encoded(direct(e, kind, payload)), `${e.resp} ${kind}`);
  }
  assert.is(repliesFor(true), RESP_REPLIES);
  assert.is(repliesFor(false), TEXT_REPLIES);
});

test.run();
