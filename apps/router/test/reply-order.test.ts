import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CommandStats } from '@kv/node';
import { OutBuffer, ReplyKind, ReplyMode, RESP3_REPLIES, RESP_REPLIES, TEXT_REPLIES } from '@kv/wire';
import { ReplyQueue, Slot } from '../src/client/reply-queue';

const test = suite('client: reply queue');
const stats = new CommandStats();

function client() {
  const c = { readies: 0, ready: () => void c.readies++, failed() {} };
  return c;
}

function drain(queue: ReplyQueue): string {
  const out = new OutBuffer(16);
  queue.flush(out, stats, performance.now());
  return out.take().toString('latin1');
}

test('replies go out in request order: held bytes, owed replies, in the protocol of each', () => {
  const queue = new ReplyQueue();
  const c = client();
  const out = new OutBuffer(16);
  out.latin1('+first\r\n');
  const a = queue.owe(new Slot(c, RESP_REPLIES, queue), out);
  assert.is(out.length, 0, 'the read so far waits with the owed reply');
  queue.target(out).latin1('+between\r\n');
  const b = queue.owe(new Slot(c, TEXT_REPLIES, queue), out);
  queue.target(out).latin1('+last\r\n');
  assert.ok(queue.waiting);
  b.settle(ReplyKind.BULK, 'text value');
  assert.is(drain(queue), '+first\r\n', 'only what is in order goes out');
  a.settle(ReplyKind.NIL, '');
  assert.is(drain(queue), '$-1\r\n+between\r\ntext value\n+last\r\n');
  assert.not.ok(queue.waiting);
  assert.is(c.readies, 2);
});

test('each owed reply keeps the protocol of its command: a RESP2 and a RESP3 slot side by side', () => {
  const queue = new ReplyQueue();
  const c = client();
  const out = new OutBuffer(16);
  const two = queue.owe(new Slot(c, RESP_REPLIES, queue), out);
  const three = queue.owe(new Slot(c, RESP3_REPLIES, queue), out);
  const map = queue.owe(new Slot(c, RESP3_REPLIES, queue), out);
  const none = queue.owe(new Slot(c, RESP_REPLIES, queue), out);
  assert.equal([two.mode, three.mode], [ReplyMode.RESP, ReplyMode.RESP3], 'a forwarded command asks its owner for its own protocol');
  three.settle(ReplyKind.NIL, '');
  map.settle(ReplyKind.MAP, '', ['f', undefined]);
  none.settle(ReplyKind.NULL_ARRAY, '');
  two.settle(ReplyKind.NIL, '');
  assert.is(drain(queue), '$-1\r\n_\r\n%1\r\n$1\r\nf\r\n_\r\n*-1\r\n');
});

test('an encoded reply that can go out now points into the frame; one that must wait is copied', () => {
  const queue = new ReplyQueue();
  const c = client();
  const out = new OutBuffer(16);
  const a = queue.owe(new Slot(c, RESP_REPLIES, queue), out);
  const b = queue.owe(new Slot(c, RESP_REPLIES, queue), out);
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
  const queue = new ReplyQueue();
  const c = client();
  const out = new OutBuffer(16);
  const slots: Slot[] = [];
  let expected = '';
  for (let i = 0; i < 3000; i++) {
    slots.push(queue.owe(new Slot(c, TEXT_REPLIES, queue), out));
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

test.run();
