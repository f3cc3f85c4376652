import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeItems, FRAME_HEADER_BYTES, ReplyKind, ReplyMode, ReplyReader, type Items } from '@kv/wire';
import { FrameReplies } from '../src/shards/node';
import { ReplyTo } from '../src/reply';

// What a worker sends back for a peer's request, by the request's reply mode: kind and payload
// (FORM, MAP and NULL_ARRAY included), or the reply encoded once in the asking client's protocol.

const t = suite('FrameReplies: each reply mode, map and null array');

type Entry = [ReplyKind, string | Items];

function read(replies: FrameReplies): Entry[] {
  const frame = replies.encoder.finish()!;
  const reader = new ReplyReader();
  reader.reset(frame, FRAME_HEADER_BYTES, frame.length);
  const out: Entry[] = [];
  for (let i = 0; i < frame.readUInt32LE(5); i++) {
    const kind = reader.next();
    if (kind === ReplyKind.ARRAY || kind === ReplyKind.MAP) out.push([kind, decodeItems(frame, reader.start, reader.stop, kind)]);
    else out.push([kind, frame.latin1Slice(reader.start, reader.stop)]);
  }
  return out;
}

function answer(replies: FrameReplies): void {
  replies.nil();
  replies.map(['f', 'v', 'g', undefined]);
  replies.nullArray();
  replies.array(['a', undefined]);
  replies.status('PONG');
}

t('mode FORM: kinds and payloads, MAP with its items, NULL_ARRAY empty', () => {
  const replies = new FrameReplies();
  replies.mode = ReplyMode.FORM;
  answer(replies);
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
    replies.mode = mode;
    assert.is(replies.mode, mode);
    answer(replies);
    assert.equal(read(replies), bytes.map((b) => [ReplyKind.ENCODED, b]), `mode ${mode}`);
  }
  const form = new FrameReplies();
  form.mode = ReplyMode.FORM;
  assert.is(form.mode, ReplyMode.FORM);
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
