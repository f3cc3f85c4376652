import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { RespFrameCounter } from '../src/respFrames';

const frames = [
  '+OK\r\n',
  '$5\r\nhello\r\n',
  '$-1\r\n',
  '_\r\n',
  ':42\r\n',
  '-WRONGTYPE Operation against a key holding the wrong kind of value\r\n',
  '>2\r\n$10\r\ninvalidate\r\n*1\r\n$6\r\nuser:1\r\n',
  '*2\r\n*1\r\n$3\r\nabc\r\n%1\r\n+k\r\n,1.5\r\n',
  '%2\r\n$6\r\nserver\r\n$5\r\nredis\r\n$5\r\nproto\r\n:3\r\n',
  '*-1\r\n',
  '>2\r\n$10\r\ninvalidate\r\n_\r\n',
];
const stream = Buffer.from(frames.join(''), 'latin1');

test('counts replies, errors and pushes whole, however the stream is cut', () => {
  for (let cut = 1; cut < stream.length; cut++) {
    const counter = new RespFrameCounter();
    const replies = counter.feed(stream.subarray(0, cut)) + counter.feed(stream.subarray(cut));
    assert.is(replies, 9, `cut at ${cut}`);
    assert.equal({ ...counter.counts }, { replies: 9, errors: 1, pushes: 2, firstError: '-WRONGTYPE Operation against a key holding the wrong kind of value' }, `cut at ${cut}`);
  }
});

test('a bulk string holding CRLF and frame-like bytes is one reply', () => {
  const counter = new RespFrameCounter();
  assert.is(counter.feed(Buffer.from('$8\r\n+a\r\n>1\r\n\r\n:1\r\n', 'latin1')), 2);
  assert.is(counter.counts.pushes, 0);
});

test.run();
