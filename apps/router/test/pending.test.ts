import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, FrameEncoder, FrameKind, ReplyKind, ReplyMode, type Items } from '@kv/wire';
import { commandNamed, ShardNode } from '@kv/node';
import { Peers } from '../src/links/peers';
import { PendingTable } from '../src/links/pending';
import type { Pending } from '../src/links/types';

const owner = { failed() {} };

/** A Pending that records what settled it. */
function recorder(name: string, log: string[]): Pending {
  return { client: owner, mode: ReplyMode.FORM, settle: (kind, payload) => log.push(`${name}:${kind}:${payload}`) };
}

const table = suite("links: a link's table of requests owed, by id");

table('ids count up from 1; each reply takes its own request, in any order; an id owed to nobody takes nothing', () => {
  const t = new PendingTable(4);
  const log: string[] = [];
  const ids = ['a', 'b', 'c'].map((n) => t.add(recorder(n, log)));
  assert.equal(ids, [1, 2, 3]);
  assert.is(t.size, 3);
  t.take(2)!.settle(ReplyKind.OK, '2');
  assert.is(t.take(2), undefined, 'a second reply to request 2 takes nothing');
  assert.is(t.take(99), undefined, 'an id never sent takes nothing');
  assert.is(t.take(0), undefined, 'NO_REPLY takes nothing');
  t.take(3)!.settle(ReplyKind.OK, '3');
  t.take(1)!.settle(ReplyKind.OK, '1');
  assert.equal(log, ['b:1:2', 'c:1:3', 'a:1:1']);
  assert.is(t.size, 0);
});

table('it grows past its first size with thousands owed, and every id still finds its request', () => {
  const t = new PendingTable(2);
  const slots = new Map<number, Pending>();
  for (let i = 0; i < 5000; i++) {
    const slot = recorder(String(i), []);
    slots.set(t.add(slot), slot);
  }
  assert.is(t.size, 5000);
  // Odd ids first, then even: out of order.
  for (const id of [...slots.keys()].filter((id) => id % 2 === 1)) assert.ok(t.take(id) === slots.get(id));
  for (const id of [...slots.keys()].filter((id) => id % 2 === 0)) assert.ok(t.take(id) === slots.get(id));
  assert.is(t.size, 0);
});

table('a request answered long after later ones (its place in the ring reused meanwhile) is still found, and never mistaken', () => {
  const t = new PendingTable(8);
  const log: string[] = [];
  const slow = t.add(recorder('slow', log));
  // Many requests come and go around it: their ids wrap the ring over the slow one's place.
  for (let i = 0; i < 1000; i++) {
    const id = t.add(recorder(`r${i}`, log));
    t.take(id)!.settle(ReplyKind.OK, '');
  }
  assert.is(t.size, 1);
  t.take(slow)!.settle(ReplyKind.NIL, 'late');
  assert.equal(log.at(-1), `slow:${ReplyKind.NIL}:late`);
  assert.is(t.take(slow), undefined);
});

table('ids wrap past 2^32 - 1 to 1, skipping 0 and any id still owed', () => {
  const t = new PendingTable(4);
  const first = t.add(recorder('held', []));
  (t as unknown as { nextId: number }).nextId = 0xffffffff;
  const ids = [t.add(recorder('x', [])), t.add(recorder('y', []))];
  assert.equal(ids, [0xffffffff, first + 1], 'after 2^32 - 1 comes 1, still owed, so 2');
  assert.ok(t.take(first) !== undefined && t.take(0xffffffff) !== undefined && t.take(first + 1) !== undefined);
});

table('drain() gives every request owed, oldest first, spilled ones included, and leaves none', () => {
  const t = new PendingTable(4);
  const log: string[] = [];
  const ids: number[] = [];
  for (let i = 0; i < 3; i++) ids.push(t.add(recorder(`n${i}`, log)));
  t.take(ids[1]);
  for (let i = 3; i < 10; i++) ids.push(t.add(recorder(`n${i}`, log)));
  for (const slot of t.drain()) slot.settle(ReplyKind.ERROR, 'down');
  assert.equal(log, ['n0', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8', 'n9'].map((n) => `${n}:${ReplyKind.ERROR}:down`));
  assert.is(t.size, 0);
  assert.is(t.take(ids[0]), undefined);
});

table.run();

const link = suite('links: a reply naming no request owed is reported and dropped, never settles another');

link('a reply frame with an unknown id and a second reply to an answered id: both dropped and reported; the real reply still reaches its request', async () => {
  const sock = path.join(os.tmpdir(), `kv-pending-test-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  const stray: [number, number][] = [];
  const events = { onLinkDown() {}, onCorruptFrame() {}, onStrayReply: (_peer: number, id: number, kind: number) => stray.push([id, kind]) };
  const p0 = new Peers(0, 2, new ShardNode(Array.from({ length: 16 }, (_, i) => i), 1 << 20), events);
  const p1 = new Peers(1, 2, new ShardNode([], 1 << 20), events);
  await p0.listen(sock);
  p1.update([sock]);
  await Promise.all([p0.whenAllUp(), p1.whenAllUp()]);
  try {
    const toPeer0 = (p1 as unknown as { links: { onData(chunk: Buffer): void; strayReplies: number }[] }).links[0];
    const got: string[] = [];
    const waiting = (name: string): Pending => ({
      client: owner,
      mode: ReplyMode.FORM,
      settle: (kind: ReplyKind, payload: string, items?: Items) => got.push(`${name} ${kind} ${payload}${items ? JSON.stringify(items) : ''}`),
    });
    // Request 1 is sent and answered for real; request 2 is owed while forged replies arrive.
    const GET = commandNamed('GET').opcode;
    p1.forward(0, GET, argsOf(['GET', 'nothing']), waiting('first'));
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(got, [`first ${ReplyKind.NIL} `]);
    // Worker 0 is made busy so request 2 waits there, still owed here.
    p0.node.shards.holdFor('tx', -1, []);
    p1.forward(0, GET, argsOf(['GET', 'nothing']), waiting('second'));
    await new Promise((r) => setTimeout(r, 20));
    const forged = new FrameEncoder(FrameKind.REPLY);
    forged.replyLatin1(1, ReplyKind.BULK, 'a second reply to request 1');
    forged.replyLatin1(777, ReplyKind.BULK, 'a reply to nothing sent');
    toPeer0.onData(forged.finish()!);
    assert.equal(got, [`first ${ReplyKind.NIL} `], 'neither reached any request: not request 2, owed now, nor request 1 again');
    assert.equal(stray, [[1, ReplyKind.BULK], [777, ReplyKind.BULK]]);
    assert.is(toPeer0.strayReplies, 2);
    assert.ok(p1.isUp(0), 'the link stays up');
    p0.node.shards.abort('tx');
    // As the worker process does on a release (ShardSet.onDrained): the waiting replies go out.
    p0.scheduleFlush();
    for (let i = 0; i < 100 && got.length === 1; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(got, [`first ${ReplyKind.NIL} `, `second ${ReplyKind.NIL} `], 'request 2 gets its own reply');
  } finally {
    p0.closeAll();
    p1.closeAll();
  }
});

link('a corrupt reply to a request owed closes the link, and that request fails at once with the rest', async () => {
  const sock = path.join(os.tmpdir(), `kv-pending-test-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  const corrupt: string[] = [];
  const events = { onLinkDown() {}, onCorruptFrame: (_peer: number, err: Error) => corrupt.push(err.message) };
  const p0 = new Peers(0, 2, new ShardNode(Array.from({ length: 16 }, (_, i) => i), 1 << 20), events);
  const p1 = new Peers(1, 2, new ShardNode([], 1 << 20), events);
  await p0.listen(sock);
  p1.update([sock]);
  await Promise.all([p0.whenAllUp(), p1.whenAllUp()]);
  try {
    const toPeer0 = (p1 as unknown as { links: { onData(chunk: Buffer): void }[] }).links[0];
    const got: string[] = [];
    p0.node.shards.holdFor('tx', -1, []);
    const waiting = (name: string): Pending => ({ client: owner, mode: ReplyMode.FORM, settle: (kind, payload) => got.push(`${name} ${kind} ${payload}`) });
    p1.forward(0, commandNamed('KEYS').opcode, argsOf(['KEYS', '*']), waiting('keys'));
    p1.forward(0, commandNamed('GET').opcode, argsOf(['GET', 'k']), waiting('get'));
    await new Promise((r) => setTimeout(r, 20));
    const forged = new FrameEncoder(FrameKind.REPLY);
    forged.replyArray(1, ['a']);
    const bytes = forged.finish()!;
    // The array's item count, past what its bytes hold.
    bytes.writeUInt32LE(1000, 9 + 9);
    toPeer0.onData(bytes);
    assert.equal(got, [`keys ${ReplyKind.ERROR} ERR the worker owning this key is down`], 'the request the corrupt reply named fails now');
    assert.match(corrupt[0], /items in/);
    for (let i = 0; i < 100 && got.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    assert.equal(got[1], `get ${ReplyKind.ERROR} ERR the worker owning this key is down`, 'the rest fail as the link closes');
  } finally {
    p0.closeAll();
    p1.closeAll();
  }
});

link.run();
