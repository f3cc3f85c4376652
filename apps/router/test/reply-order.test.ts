import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandStats } from '@kv/node';
import { OutBuffer, ReplyKind, ReplyMode, RESP3_REPLIES, RESP_REPLIES, TEXT_REPLIES } from '@kv/wire';
import { PushChannel } from '../src/client/push';
import { ReplyOrder, type OwedReply } from '../src/client/reply-order';

const test = suite('client: reply order');
const stats = new CommandStats();

function order() {
  const client = { readies: 0, ready: () => void client.readies++, failed() {} };
  return { client, order: new ReplyOrder(client) };
}

function drain(queue: ReplyOrder): string {
  const out = new OutBuffer(16);
  queue.flush(out, stats, performance.now());
  return out.take().toString('latin1');
}

test('replies go out in request order: held bytes, owed replies, in the protocol of each', () => {
  const { client, order: queue } = order();
  const out = new OutBuffer(16);
  out.latin1('+first\r\n');
  const a = queue.owe(RESP_REPLIES, out);
  assert.is(out.length, 0, 'the read so far waits with the owed reply');
  queue.target(out).latin1('+between\r\n');
  const b = queue.owe(TEXT_REPLIES, out);
  queue.target(out).latin1('+last\r\n');
  assert.ok(queue.waiting);
  b.settle(ReplyKind.BULK, 'text value');
  assert.is(drain(queue), '+first\r\n', 'only what is in order goes out');
  a.settle(ReplyKind.NIL, '');
  assert.is(drain(queue), '$-1\r\n+between\r\ntext value\n+last\r\n');
  assert.not.ok(queue.waiting);
  assert.is(client.readies, 2);
});

test('silenceFrom: the entry at that seq and everything after it (held bytes, later entries, push messages) are dropped; those before still go out', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  out.latin1('+first\r\n');
  const a = queue.owe(RESP_REPLIES, out);
  queue.target(out).latin1('+between\r\n');
  const blocked = queue.owe(RESP_REPLIES, out);
  queue.target(out).latin1('+after\r\n');
  assert.is(queue.doneEmpty(blocked.seq), null, 'not done yet');
  queue.silenceFrom(blocked.seq);
  const push = Buffer.from('>2\r\n$1\r\na\r\n$1\r\nb\r\n');
  queue.push(push, 0, push.length, out);
  blocked.settle(ReplyKind.NULL_ARRAY, '');
  assert.is(queue.doneEmpty(blocked.seq), true, 'a null array is empty');
  assert.is(drain(queue), '+first\r\n', 'nothing past the owed one before it');
  a.settle(ReplyKind.INTEGER, '1');
  assert.is(queue.doneEmpty(a.seq), false, 'an integer is not');
  assert.is(drain(queue), ':1\r\n+between\r\n');
  assert.not.ok(queue.waiting);
  assert.is(queue.pushBytes, 0, 'the dropped push is no longer counted');
  const late = queue.owe(RESP_REPLIES, out);
  late.settle(ReplyKind.INTEGER, '2');
  assert.is(drain(queue), '', 'an entry taken after the silence is silent too');
});

test('each owed reply keeps the protocol of its command: a RESP2 and a RESP3 entry side by side', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  const two = queue.owe(RESP_REPLIES, out);
  const three = queue.owe(RESP3_REPLIES, out);
  const map = queue.owe(RESP3_REPLIES, out);
  const none = queue.owe(RESP_REPLIES, out);
  assert.equal([two.mode, three.mode], [ReplyMode.RESP, ReplyMode.RESP3], 'a forwarded command asks its owner for its own protocol');
  three.settle(ReplyKind.NIL, '');
  map.settle(ReplyKind.MAP, '', ['f', undefined]);
  none.settle(ReplyKind.NULL_ARRAY, '');
  two.settle(ReplyKind.NIL, '');
  assert.is(drain(queue), '$-1\r\n_\r\n%1\r\n$1\r\nf\r\n_\r\n*-1\r\n');
});

test('an encoded reply that can go out now points into the frame; one that must wait is copied', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  const a = queue.owe(RESP_REPLIES, out);
  const b = queue.owe(RESP_REPLIES, out);
  const frame = Buffer.from('$1\r\nB\r\n');
  b.settleEncoded(frame, 0, frame.length);
  // The link's buffer is reused by its next read: b's bytes must have been copied.
  frame.write('$1\r\nX\r\n', 'latin1');
  const frame2 = Buffer.from('xx$1\r\nA\r\nyy');
  a.settleEncoded(frame2, 2, 9);
  assert.ok(queue.writableNow(b), 'both are done now');
  assert.is(drain(queue), '$1\r\nA\r\n$1\r\nB\r\n');
});

test('positions stay right across many owed replies and partial flushes', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  const slots: OwedReply[] = [];
  let expected = '';
  for (let i = 0; i < 3000; i++) {
    slots.push(queue.owe(TEXT_REPLIES, out));
    queue.target(out).latin1(`h${i}\n`);
    expected += `v${i}\nh${i}\n`;
  }
  let got = '';
  // Replies come in frames of up to 7, in a shuffled order within a frame (several peers); the
  // frame's bytes are valid until it has been flushed, then reused.
  for (let first = 0; first < slots.length; first += 7) {
    const group = slots.slice(first, first + 7).map((slot, j) => ({ slot, i: first + j }));
    const text = group.map(({ i }) => `v${i}\n`).join('');
    const frame = Buffer.from(text);
    const offsets: number[] = [];
    let at = 0;
    for (const { i } of group) {
      offsets.push(at);
      at += `v${i}\n`.length;
    }
    const order = group.map((_, j) => j).sort((x, y) => ((x * 5 + first) % 7) - ((y * 5 + first) % 7));
    for (const j of order) group[j].slot.settleEncoded(frame, offsets[j], offsets[j] + `v${group[j].i}\n`.length);
    got += drain(queue);
    frame.fill(0x3f);
  }
  got += drain(queue);
  assert.is(got, expected);
});

test('replies may come later and out of request order: each is written in its place, and an entry written is reused (nothing allocated)', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  const first = [queue.owe(RESP_REPLIES, out), queue.owe(RESP_REPLIES, out), queue.owe(RESP_REPLIES, out)];
  // The last is answered first, the first last (a blocked command's reply comes whenever another client acts).
  first[2].settle(ReplyKind.INTEGER, '3');
  first[1].settle(ReplyKind.INTEGER, '2');
  assert.is(drain(queue), '', 'nothing before the first');
  first[0].settle(ReplyKind.INTEGER, '1');
  assert.is(drain(queue), ':1\r\n:2\r\n:3\r\n');
  const again = [queue.owe(RESP_REPLIES, out), queue.owe(RESP_REPLIES, out), queue.owe(RESP_REPLIES, out)];
  assert.ok(again.every((entry) => first.includes(entry)), 'the written entries are taken again');
  again[1].settle(ReplyKind.NIL, '');
  again[0].settle(ReplyKind.OK, '');
  assert.is(drain(queue), '+OK\r\n$-1\r\n');
  again[2].settle(ReplyKind.INTEGER, '3');
  again[2].settle(ReplyKind.INTEGER, '99');
  assert.is(drain(queue), ':3\r\n', 'a second settle of an entry done and not yet written is dropped');
});

test('a plan\'s answer takes a place and encodes itself when its turn comes', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  const place = queue.place({ encode: (o) => o.latin1('*2\r\n:1\r\n:2\r\n') }, out);
  queue.target(out).latin1('+after\r\n');
  assert.is(drain(queue), '');
  place.ready();
  assert.is(drain(queue), '*2\r\n:1\r\n:2\r\n+after\r\n');
});

const push = suite('client: push channel');

test.run();

push('a push message goes out at once when nothing is owed, in the connection\'s protocol: RESP3 `>`, RESP2 an array', () => {
  const { client, order: queue } = order();
  let protocol = RESP3_REPLIES;
  const channel = new PushChannel(queue, { get resp() { return protocol; } }, new OutBuffer(16));
  channel.send(['message', 'news', 'hello']);
  assert.is(client.readies, 1, 'the client is told to write it out');
  assert.is(drain(queue), '>3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$5\r\nhello\r\n');
  protocol = RESP_REPLIES;
  channel.send(['message', 'news', undefined]);
  assert.is(drain(queue), '*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$-1\r\n');
  assert.is(channel.sent, 2);
});

push('a push message never lands inside a reply: after every reply owed before it, before those owed after', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  const channel = new PushChannel(queue, { resp: RESP3_REPLIES }, out);
  const owed = queue.owe(RESP_REPLIES, out);
  channel.send(['message', 'c', 'm1']);
  const later = queue.owe(RESP_REPLIES, out);
  later.settle(ReplyKind.INTEGER, '2');
  assert.is(drain(queue), '', 'the message waits for the reply owed before it');
  owed.settle(ReplyKind.BULK, 'reply');
  assert.is(drain(queue), '$5\r\nreply\r\n>3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$2\r\nm1\r\n:2\r\n');
});

push('during the client\'s own read its replies so far (in the shared output) go before the message; at any other time the shared output is left alone', () => {
  const { order: queue } = order();
  const out = new OutBuffer(16);
  const channel = new PushChannel(queue, { resp: RESP3_REPLIES }, out);
  queue.reading = true;
  out.latin1('+mine\r\n');
  channel.send(['m']);
  queue.target(out).latin1('+next\r\n');
  queue.reading = false;
  assert.is(out.length, 0, 'its own bytes moved behind the message');
  assert.is(drain(queue), '+mine\r\n>1\r\n$1\r\nm\r\n+next\r\n');
  out.latin1('+another client\r\n');
  channel.send(['m2']);
  assert.is(out.take().toString('latin1'), '+another client\r\n', 'another client\'s bytes are not touched');
  assert.is(drain(queue), '>1\r\n$2\r\nm2\r\n');
});

push.run();
