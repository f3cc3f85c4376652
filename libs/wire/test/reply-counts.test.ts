import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ERROR_CODES_LIMIT, OutBuffer, RESP3_REPLIES, RESP_REPLIES, TEXT_REPLIES, replyCounts } from '../src';
import { ReplyKind } from '../src/frame';

const test = suite('wire: error replies are counted where they are encoded (INFO total_error_replies)');

test('each error an encoder writes counts once, in every protocol and as a reply kind; nothing else counts', () => {
  const out = new OutBuffer(256);
  replyCounts.reset();
  const before = replyCounts.errors;
  for (const replies of [TEXT_REPLIES, RESP_REPLIES, RESP3_REPLIES]) {
    replies.ok(out);
    replies.bulk(out, 'ERR not an error');
    replies.status(out, 'ERR nor this');
    replies.kind(out, ReplyKind.BULK, 'x');
    replies.array(out, ['-ERR', undefined]);
    assert.is(replyCounts.errors, before, `${replies.mode}: no error yet`);
  }
  TEXT_REPLIES.error(out, 'ERR x');
  RESP_REPLIES.error(out, 'ERR x');
  RESP3_REPLIES.error(out, 'WRONGTYPE x');
  TEXT_REPLIES.kind(out, ReplyKind.ERROR, 'ERR y');
  RESP_REPLIES.kind(out, ReplyKind.ERROR, 'ERR y');
  RESP3_REPLIES.kind(out, ReplyKind.ERROR, 'ERR y');
  assert.is(replyCounts.errors, before + 6);
  assert.equal([...replyCounts.byCode].sort(), [['ERR', 5], ['WRONGTYPE', 1]], 'by code: the first word (the seed\'s ERROR under the code of its error)');
  replyCounts.reset();
  assert.equal([replyCounts.errors, replyCounts.byCode.size], [0, 0], 'CONFIG RESETSTAT');
  assert.match(out.take().toString('latin1'), /ERROR\n-ERR x\r\n-WRONGTYPE x\r\nERROR\n-ERR y\r\n-ERR y\r\n$/);
});

test('past ERROR_CODES_LIMIT codes, a new one is counted in the total only', () => {
  const out = new OutBuffer(256);
  replyCounts.reset();
  for (let i = 0; i < ERROR_CODES_LIMIT + 5; i++) RESP_REPLIES.error(out, `CODE${i} x`);
  RESP_REPLIES.error(out, 'CODE0 again');
  out.take();
  assert.is(replyCounts.errors, ERROR_CODES_LIMIT + 6);
  assert.is(replyCounts.byCode.size, ERROR_CODES_LIMIT);
  assert.is(replyCounts.byCode.get('CODE0'), 2);
  replyCounts.reset();
});

test.run();
