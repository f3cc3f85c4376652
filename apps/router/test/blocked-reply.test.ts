import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { commandNamed } from '@kv/node';
import { argsOf, ReplyKind, ReplyMode, type Args } from '@kv/wire';
import { BlockedReply, bulksOf } from '../src/coord/blocked-reply';
import type { Pending } from '../src/links/types';

/** A blocked command's reply whose client left: what it carried goes back where it came from. */
const t = suite('blocked-reply');

function owed(): Pending & { got: string[] } {
  const got: string[] = [];
  return { got, client: { failed() {} }, mode: ReplyMode.RESP, settle: (kind, payload) => void got.push(`${kind}:${payload}`), settleEncoded: (buf, s, e) => void got.push(buf.latin1Slice(s, e)) };
}

function link(): { sent: string[][]; forward(peer: number, opcode: number, args: Args): number } {
  const sent: string[][] = [];
  return { sent, forward: (_peer, _opcode, args) => (sent.push(Array.from({ length: args.count }, (_, i) => args.latin1(i))), 1) };
}

const reply = (text: string): Buffer => Buffer.from(text, 'latin1');

t('bulksOf reads the bulk strings of nested replies, nothing of a null or an error', () => {
  assert.equal(bulksOf(reply('*2\r\n$1\r\nk\r\n$2\r\nab\r\n'), 0, 17), ['k', 'ab']);
  const multi = reply('*2\r\n$1\r\nk\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
  assert.equal(bulksOf(multi, 0, multi.length), ['k', 'x', 'y']);
  assert.equal(bulksOf(reply('*-1\r\n'), 0, 5), []);
  assert.equal(bulksOf(reply('_\r\n'), 0, 3), []);
  assert.equal(bulksOf(reply('-ERR x\r\n'), 0, 8), []);
});

t('a served BLPOP whose client left pushes its element back to the head and answers empty; one still wanted is only passed on', () => {
  const spec = commandNamed('BLPOP');
  const l = link();
  const o = owed();
  const r = new BlockedReply(o, spec, argsOf(['BLPOP', 'k', '0']), 1, l);
  const served = reply('*2\r\n$1\r\nk\r\n$1\r\na\r\n');
  r.settleEncoded(served, 0, served.length);
  assert.equal(l.sent, []);
  r.left = true;
  r.settleEncoded(served, 0, served.length);
  assert.equal(l.sent, [['LPUSH', 'k', 'a']]);
  assert.equal(o.got, [served.latin1Slice(0, served.length), `${ReplyKind.NULL_ARRAY}:`], 'what went back is not the client\'s: it gets the empty answer');
  // An error (it never popped) is passed on, and nothing goes back.
  const error = reply('-ERR syntax error\r\n');
  r.settleEncoded(error, 0, error.length);
  assert.equal(l.sent.length, 1);
  assert.is(o.got[2], '-ERR syntax error\r\n');
});

t('BRPOP goes back to the tail, BLMPOP in reverse to its side, a BLMOVE not at all (its element is in the destination)', () => {
  const l = link();
  const brpop = new BlockedReply(owed(), commandNamed('BRPOP'), argsOf(['BRPOP', 'k', '0']), 1, l);
  brpop.left = true;
  const one = reply('*2\r\n$1\r\nk\r\n$1\r\nz\r\n');
  brpop.settleEncoded(one, 0, one.length);
  const blmpop = new BlockedReply(owed(), commandNamed('BLMPOP'), argsOf(['BLMPOP', '0', '1', 'k', 'left', 'COUNT', '2']), 1, l);
  blmpop.left = true;
  const two = reply('*2\r\n$1\r\nk\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n');
  blmpop.settleEncoded(two, 0, two.length);
  const blmove = new BlockedReply(owed(), commandNamed('BLMOVE'), argsOf(['BLMOVE', 'a', 'b', 'LEFT', 'LEFT', '0']), 1, l);
  blmove.left = true;
  const moved = reply('$1\r\nm\r\n');
  blmove.settleEncoded(moved, 0, moved.length);
  // A link failure is passed on as it is.
  blmove.settle(ReplyKind.ERROR, 'down');
  assert.equal(l.sent, [['RPUSH', 'k', 'z'], ['LPUSH', 'k', 'y', 'x']]);
});

t('BZPOPMIN and BZMPOP add their members back with their scores (RESP2 bulks, RESP3 doubles); bulksOf reads doubles as text', () => {
  const l = link();
  const bz = new BlockedReply(owed(), commandNamed('BZPOPMIN'), argsOf(['BZPOPMIN', 'k', '0']), 1, l);
  bz.left = true;
  const resp3 = reply('*3\r\n$1\r\nk\r\n$1\r\nm\r\n,1.5\r\n');
  bz.settleEncoded(resp3, 0, resp3.length);
  const bzm = new BlockedReply(owed(), commandNamed('BZMPOP'), argsOf(['BZMPOP', '0', '1', 'k', 'MAX', 'COUNT', '2']), 1, l);
  bzm.left = true;
  const resp2 = reply('*2\r\n$1\r\nk\r\n*2\r\n*2\r\n$1\r\nx\r\n$3\r\ninf\r\n*2\r\n$1\r\ny\r\n$1\r\n2\r\n');
  bzm.settleEncoded(resp2, 0, resp2.length);
  const kept = new BlockedReply(owed(), commandNamed('BZPOPMAX'), argsOf(['BZPOPMAX', 'k', '0']), 1, l);
  kept.settleEncoded(resp3, 0, resp3.length);
  assert.equal(l.sent, [['ZADD', 'k', '1.5', 'm'], ['ZADD', 'k', 'inf', 'x', '2', 'y']]);
});

t.run();
