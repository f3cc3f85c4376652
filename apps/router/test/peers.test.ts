import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, helloFrame, ReplyKind, ReplyMode, shardOfString } from '@kv/wire';
import { COMMAND_TABLE_VERSION, commandNamed, ShardNode } from '@kv/node';
import { Peers } from '../src/links/peers';
import type { Pending } from '../src/links/types';

const ALL = Array.from({ length: 16 }, (_, i) => i);
const owner = { failed() {} };
const events = { onLinkDown() {}, onCorruptFrame() {} };

class Answer implements Pending {
  readonly client = owner;
  readonly mode = ReplyMode.FORM;
  reply: Promise<[ReplyKind, string]>;
  private resolve!: (r: [ReplyKind, string]) => void;
  constructor() {
    this.reply = new Promise((r) => (this.resolve = r));
  }
  settle(kind: ReplyKind, payload: string): void {
    this.resolve([kind, payload]);
  }
}

/** Worker 0 (participant, listening) and worker 1 (coordinator), linked in this process. */
async function pair(): Promise<{ p0: Peers; p1: Peers; n0: ShardNode; close(): void }> {
  const sock = path.join(os.tmpdir(), `kv-peers-test-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  const n0 = new ShardNode(ALL, 1 << 20);
  const p0 = new Peers(0, 2, n0, events);
  const p1 = new Peers(1, 2, new ShardNode([], 1 << 20), events);
  await p0.listen(sock);
  p1.update([sock]);
  await Promise.all([p0.whenAllUp(), p1.whenAllUp()]);
  return { p0, p1, n0, close: () => (p0.closeAll(), p1.closeAll()) };
}

const until = async (cond: () => boolean) => {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
};

const TXPREPARE = commandNamed('TXPREPARE');
const TXCOMMIT = commandNamed('TXCOMMIT');
const t = suite('Peers: a transaction\'s commit goes only to the link it was prepared on');

t('a link closed here (socket destroyed, close not yet seen) is not usable: control() sends nothing and says so', async () => {
  const { p1, close } = await pair();
  const id = p1.linkIdOf(0);
  assert.ok(id >= 0);
  (p1 as unknown as { links: { socket: { destroy(): void } }[] }).links[0].socket.destroy();
  assert.is(p1.linkIdOf(0), -1, 'a destroyed link has no id a transaction could commit on');
  assert.is(p1.isUp(0), false);
  assert.is(p1.control(0, TXCOMMIT.opcode, argsOf(['TXCOMMIT', 'x']), id), false);
  close();
});

t('a request asking for the client protocol gets its reply encoded by the owner, as bytes', async () => {
  const { p1, n0, close } = await pair();
  n0.shards.store(shardOfString('enc'))!.setStringKey('enc', 'a value');
  const GET = commandNamed('GET');
  const got: [string, string][] = [];
  const asking = (mode: ReplyMode, label: string): Pending => ({
    client: owner,
    mode,
    settle: (kind, payload) => got.push([label, `form ${kind} ${payload}`]),
    settleEncoded: (buf, start, end) => got.push([label, buf.latin1Slice(start, end)]),
  });
  p1.forward(0, GET.opcode, argsOf(['GET', 'enc']), asking(ReplyMode.RESP, 'resp'));
  p1.forward(0, GET.opcode, argsOf(['GET', 'enc']), asking(ReplyMode.TEXT, 'text'));
  p1.forward(0, GET.opcode, argsOf(['GET', 'missing']), asking(ReplyMode.RESP, 'resp nil'));
  p1.forward(0, GET.opcode, argsOf(['GET', 'missing']), asking(ReplyMode.TEXT, 'text nil'));
  p1.forward(0, GET.opcode, argsOf(['GET', 'enc']), asking(ReplyMode.FORM, 'form'));
  p1.forward(0, GET.opcode, argsOf(['GET', 'enc']), asking(ReplyMode.RESP3, 'resp3'));
  p1.forward(0, GET.opcode, argsOf(['GET', 'missing']), asking(ReplyMode.RESP3, 'resp3 nil'));
  await until(() => got.length === 7);
  assert.equal(got, [
    ['resp', '$7\r\na value\r\n'],
    ['text', 'a value\n'],
    ['resp nil', '$-1\r\n'],
    ['text nil', 'NOTFOUND\n'],
    ['form', `form ${ReplyKind.BULK} a value`],
    ['resp3', '$7\r\na value\r\n'],
    ['resp3 nil', '_\r\n'],
  ]);
  close();
});

t('a cursor reply (HSCAN) crosses a link encoded for the client, or in its form as cursor and items', async () => {
  const { p1, n0, close } = await pair();
  const HSET = commandNamed('HSET');
  const HSCAN = commandNamed('HSCAN');
  n0.shards.execute(HSET, argsOf(['HSET', 'hk', 'f', 'v', 'g', 'w']), { ok() {}, status() {}, nil() {}, bulk() {}, bulkBytes() {}, integer() {}, error() {}, array() {}, cursor() {}, map() {}, nullArray() {} });
  const got: string[] = [];
  p1.forward(0, HSCAN.opcode, argsOf(['HSCAN', 'hk', '0']), {
    client: owner,
    mode: ReplyMode.RESP,
    settle: () => got.push('form?'),
    settleEncoded: (buf, start, end) => got.push(buf.latin1Slice(start, end)),
  });
  p1.forward(0, HSCAN.opcode, argsOf(['HSCAN', 'hk', '0']), {
    client: owner,
    mode: ReplyMode.FORM,
    settle: (kind, payload, items) => got.push(`${kind === ReplyKind.CURSOR ? 'CURSOR' : kind} ${payload} ${JSON.stringify(items)}`),
  });
  await until(() => got.length === 2);
  assert.equal(got, ['*2\r\n$1\r\n0\r\n*4\r\n$1\r\nf\r\n$1\r\nv\r\n$1\r\ng\r\n$1\r\nw\r\n', 'CURSOR 0 ["f","v","g","w"]']);
  close();
});

t('prepared then TXCOMMIT: applied; prepared then the link closes before TXCOMMIT: released, nothing applied', async () => {
  const { p1, n0, close } = await pair();
  const key = 'peer-k';
  const store = n0.shards.store(shardOfString(key))!;
  const valueOf = (): string | undefined => {
    const slot = store.peekKey(key);
    return slot < 0 ? undefined : store.valueString(slot);
  };
  const prep = new Answer();
  p1.forward(0, TXPREPARE.opcode, argsOf(['TXPREPARE', '1:1', '1', 'write', key, 'v1']), prep);
  assert.equal(await prep.reply, [ReplyKind.INTEGER, '0']);
  assert.ok(n0.shards.busy, 'the participant holds its shards');
  assert.ok(p1.control(0, TXCOMMIT.opcode, argsOf(['TXCOMMIT', '1:1']), p1.linkIdOf(0)));
  await until(() => valueOf() === 'v1');
  assert.is(valueOf(), 'v1');
  assert.not.ok(n0.shards.busy);
  // Now one whose link closes before its commit.
  const prep2 = new Answer();
  p1.forward(0, TXPREPARE.opcode, argsOf(['TXPREPARE', '1:2', '1', 'write', key, 'v2']), prep2);
  assert.equal(await prep2.reply, [ReplyKind.INTEGER, '0']);
  const id = p1.linkIdOf(0);
  (p1 as unknown as { links: { socket: { destroy(): void } }[] }).links[0].socket.destroy();
  assert.is(p1.control(0, TXCOMMIT.opcode, argsOf(['TXCOMMIT', '1:2']), id), false, 'the coordinator cannot commit: it answers an error');
  await until(() => !n0.shards.busy);
  assert.not.ok(n0.shards.busy, 'the participant released the hold when the link closed');
  assert.is(valueOf(), 'v1', 'and applied nothing');
  close();
});

t('a reply whose handling throws fails only its client: the link stays up for everyone else', async () => {
  const { p1, close } = await pair();
  const failedClients: string[] = [];
  const badOwner = { failed: (err: Error) => failedClients.push(err.message) };
  class Throws implements Pending {
    readonly mode = ReplyMode.FORM;
    constructor(readonly client: typeof badOwner) {}
    settle(): void {
      throw new Error('bug in one client');
    }
  }
  const id = p1.linkIdOf(0);
  const GET = commandNamed('GET');
  p1.forward(0, GET.opcode, argsOf(['GET', 'x']), new Throws(badOwner));
  const next = new Answer();
  p1.forward(0, GET.opcode, argsOf(['GET', 'x']), next);
  assert.equal(await next.reply, [ReplyKind.NIL, ''], 'the command behind it is answered');
  assert.equal(failedClients, ['bug in one client'], 'the faulty client was failed');
  await new Promise((r) => setTimeout(r, 20));
  assert.is(p1.linkIdOf(0), id, 'the same link is still up');
  close();
});

t('a HELLO with another command table version is refused: the link closes, an error is reported, the real link stays', async () => {
  const sock = path.join(os.tmpdir(), `kv-peers-test-${process.pid}-v.sock`);
  const errors: string[] = [];
  const p0 = new Peers(0, 3, new ShardNode(ALL, 1 << 20), { onLinkDown() {}, onCorruptFrame: (_peer, err) => errors.push(err.message) });
  await p0.listen(sock);
  for (const version of [COMMAND_TABLE_VERSION ^ 1, -1]) {
    const stranger = net.createConnection(sock);
    stranger.on('error', () => {});
    const closed = new Promise((resolve) => stranger.once('close', resolve));
    await new Promise((resolve) => stranger.once('connect', resolve));
    stranger.write(version === -1 ? helloFrame(2, 0).subarray(0, 9).fill(0, 0, 4) : helloFrame(2, version));
    await closed;
    assert.not.ok(p0.isUp(2), 'not adopted');
  }
  assert.is(errors.length, 2);
  assert.match(errors[0], /command table version/);
  // The same worker with the right version is adopted.
  const good = net.createConnection(sock);
  await new Promise((resolve) => good.once('connect', resolve));
  good.write(helloFrame(2, COMMAND_TABLE_VERSION));
  await until(() => p0.isUp(2));
  assert.ok(p0.isUp(2));
  good.destroy();
  p0.closeAll();
});

t.run();
