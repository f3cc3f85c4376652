import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeItems, FRAME_HEADER_BYTES, ReplyKind, ReplyMode, ReplyReader, type Items } from '@kv/wire';
import { FrameReplies } from '../src/shards/node';
import { ReplyTo } from '../src/reply';

// What a worker sends back for a peer's request, by the request's reply mode: kind and payload
// (FORM, MAP and NULL_ARRAY included), or the reply encoded once in the asking client's protocol.

const t = suite('FrameReplies: each reply mode, map and null array');

type Entry = [ReplyKind, string | Items];

/** The replies in the frame so far, without their ids (readIds has them). */
function read(replies: FrameReplies): Entry[] {
  return readIds(replies).map(([, kind, payload]) => [kind, payload]);
}

function readIds(replies: FrameReplies): [number, ReplyKind, string | Items][] {
  const frame = replies.encoder.finish()!;
  const reader = new ReplyReader();
  reader.reset(frame, FRAME_HEADER_BYTES, frame.length);
  const out: [number, ReplyKind, string | Items][] = [];
  for (let i = 0; i < frame.readUInt32LE(5); i++) {
    const kind = reader.next();
    if (kind === ReplyKind.ARRAY || kind === ReplyKind.MAP) out.push([reader.id, kind, decodeItems(frame, reader.start, reader.stop, kind)]);
    else out.push([reader.id, kind, frame.latin1Slice(reader.start, reader.stop)]);
  }
  return out;
}

/** Five requests (ids 1..5) in `mode`, each answered once. */
function answer(replies: FrameReplies, mode: ReplyMode): void {
  const calls: ((r: FrameReplies) => void)[] = [
    (r) => r.nil(),
    (r) => r.map(['f', 'v', 'g', undefined]),
    (r) => r.nullArray(),
    (r) => r.array(['a', undefined]),
    (r) => r.status('PONG'),
  ];
  calls.forEach((call, i) => {
    replies.begin(i + 1, mode);
    call(replies);
    replies.end();
  });
}

t('mode FORM: kinds and payloads, MAP with its items, NULL_ARRAY empty', () => {
  const replies = new FrameReplies();
  answer(replies, ReplyMode.FORM);
  assert.equal(read(replies), [
    [ReplyKind.NIL, ''],
    [ReplyKind.MAP, ['f', 'v', 'g', undefined]],
    [ReplyKind.NULL_ARRAY, ''],
    [ReplyKind.ARRAY, ['a', undefined]],
    [ReplyKind.STATUS, 'PONG'],
  ]);
});

t('modes RESP3, RESP and TEXT: each reply ENCODED in that protocol, the mode reads back', () => {
  const expected: [ReplyMode, string[]][] = [
    [ReplyMode.RESP3, ['_\r\n', '%2\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n_\r\n', '_\r\n', '*2\r\n$1\r\na\r\n_\r\n', '+PONG\r\n']],
    [ReplyMode.RESP, ['$-1\r\n', '*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$-1\r\n', '*-1\r\n', '*2\r\n$1\r\na\r\n$-1\r\n', '+PONG\r\n']],
    [ReplyMode.TEXT, ['NOTFOUND\n', 'f\nv\ng\nNOTFOUND\n', 'NOTFOUND\n', 'a\nNOTFOUND\n', 'PONG\n']],
  ];
  for (const [mode, bytes] of expected) {
    const replies = new FrameReplies();
    replies.begin(1, mode);
    assert.is(replies.mode, mode);
    replies.end();
    replies.encoder.discard();
    answer(replies, mode);
    assert.equal(read(replies), bytes.map((b) => [ReplyKind.ENCODED, b]), `mode ${mode}`);
  }
  const form = new FrameReplies();
  form.begin(1, ReplyMode.FORM);
  assert.is(form.mode, ReplyMode.FORM);
});

t('each reply carries its request id; a second reply, or one with no request open, is dropped and reported, never sent', () => {
  const replies = new FrameReplies();
  const faults: string[] = [];
  replies.onFault = (message) => faults.push(message);
  replies.bulk('before any request');
  replies.begin(7, ReplyMode.FORM);
  replies.bulk('first');
  replies.error('ERR second, from a handler that answered then threw');
  replies.end();
  replies.begin(0xfffffffe, ReplyMode.RESP);
  replies.integer(3);
  replies.end();
  replies.ok();
  assert.equal(readIds(replies), [
    [7, ReplyKind.BULK, 'first'],
    [0xfffffffe, ReplyKind.ENCODED, ':3\r\n'],
  ]);
  assert.is(replies.dropped, 3);
  assert.equal(faults, ['a reply to no open request was dropped', 'a reply to no open request was dropped', 'a reply to no open request was dropped']);
});

t('a request its handler left unanswered gets an error with its id at end(), reported', () => {
  const replies = new FrameReplies();
  const faults: string[] = [];
  replies.onFault = (message) => faults.push(message);
  replies.begin(5, ReplyMode.RESP);
  replies.end();
  replies.end();
  assert.equal(readIds(replies), [[5, ReplyKind.ENCODED, '-ERR internal error: the command gave no reply\r\n']]);
  assert.equal(faults, ['a command gave no reply']);
});

t('a request answered inside another (waiting work a release ran) keeps both ids; a whole encoded reply is not split by it', () => {
  const replies = new FrameReplies();
  replies.begin(1, ReplyMode.RESP);
  replies.encoded((out, enc) => {
    enc.arrayHeader(out, 2);
    enc.ok(out);
    // Inside: another request's turn comes and goes.
    const outer = replies.state;
    replies.begin(2, ReplyMode.FORM);
    replies.bulk('inner');
    replies.end();
    replies.restore(outer);
    enc.ok(out);
  });
  replies.end();
  assert.equal(readIds(replies), [
    [2, ReplyKind.BULK, 'inner'],
    [1, ReplyKind.ENCODED, '*2\r\n+OK\r\n+OK\r\n'],
  ]);
});

t('a KindedReply passes map and nullArray on as MAP and NULL_ARRAY', () => {
  const got: [ReplyKind, string, Items | undefined][] = [];
  const sink = new ReplyTo((kind, payload, items) => got.push([kind, payload, items]));
  sink.map(['k', 'v']);
  sink.nullArray();
  assert.equal(got, [
    [ReplyKind.MAP, '', ['k', 'v']],
    [ReplyKind.NULL_ARRAY, '', undefined],
  ]);
});

t.run();
