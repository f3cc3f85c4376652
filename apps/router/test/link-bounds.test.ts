import * as os from 'node:os';
import * as path from 'node:path';
import type * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, ReplyKind, ReplyMode } from '@kv/wire';
import { commandNamed, LINE_FULL, MAX_WAITING, ReplyTo, ShardNode } from '@kv/node';
import { Owners } from '../src/coord/owners';
import { EARLY_FLUSH_COMMANDS, LINK_FULL, LINK_HIGH_WATER, MAX_LINK_BYTES, MAX_LINK_OWED } from '../src/links/link';
import { Peers } from '../src/links/peers';
import type { Pending } from '../src/links/types';

// The queues behind a hold and on a peer link are bounded, past each bound a command gets a clear
// error at once; a link's writes respect backpressure without two workers waiting on each other.

const ALL = Array.from({ length: 16 }, (_, i) => i);
const events = { onLinkDown() {}, onCorruptFrame() {} };
const GET = commandNamed('GET');
const SET = commandNamed('SET');
const TXHOLD = commandNamed('TXHOLD');
const TXRUN = commandNamed('TXRUN');
const t = suite('links and holds: bounded queues, backpressure');

/** Two linked workers in this process, each owning every shard (each answers the other's requests). */
async function pair(): Promise<{ p0: Peers; p1: Peers; close(): void }> {
  const sock = path.join(os.tmpdir(), `kv-bounds-test-${process.pid}-${Math.random().toString(36).slice(2)}.sock`);
  // As the worker process does: replies that waited for a hold go out when it ends.
  const p0: Peers = new Peers(0, 2, new ShardNode(ALL, 1 << 30, 'allkeys-lru', { drained: () => p0.scheduleFlush() }), events);
  const p1 = new Peers(1, 2, new ShardNode(ALL, 1 << 30), events);
  await p0.listen(sock);
  p1.update([sock]);
  await Promise.all([p0.whenAllUp(), p1.whenAllUp()]);
  return { p0, p1, close: () => (p0.closeAll(), p1.closeAll()) };
}

/** A Pending counting its replies by kind and payload. */
function counter(): { slot: (mode?: ReplyMode) => Pending; got: Map<string, number>; total: () => number } {
  const got = new Map<string, number>();
  const slot = (mode = ReplyMode.FORM): Pending => ({
    client: { failed() {} },
    mode,
    settle: (kind, payload) => got.set(`${kind} ${payload}`, (got.get(`${kind} ${payload}`) ?? 0) + 1),
  });
  return { slot, got, total: () => [...got.values()].reduce((a, b) => a + b, 0) };
}

const until = async (cond: () => boolean, ms = 10_000) => {
  const deadline = Date.now() + ms;
  while (!cond() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'in time');
};

t(`a local command past the line's bound (${MAX_WAITING}) is answered LINE_FULL at once and takes no place in the reply order`, () => {
  const node = new ShardNode(ALL, 1 << 20);
  const owners = new Owners(0, node, new Peers(0, 1, node, events));
  node.shards.holdFor('tx', -1, []);
  for (let i = 0; i < MAX_WAITING; i++) assert.ok(node.shards.offer(() => {}, 0));
  const now: [ReplyKind, string][] = [];
  let placed = 0;
  const later = { txid: null, later: () => (placed++, counter().slot()) };
  assert.ok(owners.run(0, 3, GET, argsOf(['GET', 'k']), new ReplyTo((kind, payload) => now.push([kind, payload])), later, 0));
  assert.equal(now, [[ReplyKind.ERROR, LINE_FULL]]);
  assert.is(placed, 0, 'no place was taken in the reply order');
});

t(`a turn's request frame leaves at once when it holds ${EARLY_FLUSH_COMMANDS} commands, not at the turn's end; every reply comes, in order`, async () => {
  const { p1, close } = await pair();
  try {
    const order: number[] = [];
    const sent = EARLY_FLUSH_COMMANDS * 2 + 10;
    const before = p1.framesSent();
    for (let i = 0; i < sent; i++) {
      p1.forward(0, GET.opcode, argsOf(['GET', `early${i}`]), { client: { failed() {} }, mode: ReplyMode.FORM, settle: () => order.push(i) });
      if (i === EARLY_FLUSH_COMMANDS - 2) assert.is(p1.framesSent(), before, 'below the count: still batched');
    }
    assert.is(p1.framesSent(), before + 2, 'two full frames out within the turn');
    await until(() => order.length === sent);
    assert.is(p1.framesSent(), before + 3, 'the rest at the turn\'s end');
    assert.equal(order, Array.from({ length: sent }, (_, i) => i));
  } finally {
    close();
  }
});

t(`a link owes at most ${MAX_LINK_OWED} replies: the next command is refused LINK_FULL (a transaction's TXRUN excepted); all taken are answered`, async () => {
  const { p1, close } = await pair();
  try {
    const c = counter();
    let sent = 0;
    while (p1.refusal(0, true) === null) {
      p1.forward(0, GET.opcode, argsOf(['GET', `k${sent}`]), c.slot());
      sent++;
    }
    assert.is(sent, MAX_LINK_OWED);
    assert.is(p1.refusal(0, true), LINK_FULL);
    assert.is(p1.refusal(0, false), null, 'a TXRUN may still go');
    // A caller that did not ask first is answered the error at once, never queued.
    p1.forward(0, GET.opcode, argsOf(['GET', 'one-too-many']), c.slot());
    assert.equal([...c.got], [[`${ReplyKind.ERROR} ${LINK_FULL}`, 1]]);
    await until(() => c.total() === sent + 1);
    assert.is(c.got.get(`${ReplyKind.NIL} `), sent, 'every command taken got its reply');
    assert.is(p1.refusal(0, true), null, 'room again');
  } finally {
    close();
  }
});

t('requests parked behind a hold this worker holds on the peer count against the bound too, and go out in order when it ends', async () => {
  const { p1, close } = await pair();
  try {
    const c = counter();
    const hold = counter();
    p1.forward(0, TXHOLD.opcode, argsOf(['TXHOLD', 'h1', '1']), hold.slot());
    let parked = 0;
    while (p1.refusal(0, true) === null) {
      p1.forward(0, GET.opcode, argsOf(['GET', 'x']), c.slot());
      parked++;
    }
    assert.is(parked, MAX_LINK_OWED - 1, 'the TXHOLD and the parked requests fill the bound');
    const run = counter();
    p1.forward(0, TXRUN.opcode, argsOf(['TXRUN', 'h1', String(GET.opcode), 'GET', 'x']), run.slot());
    await until(() => run.total() === 1);
    assert.equal([...run.got], [[`${ReplyKind.NIL} `, 1]], "the hold's own command ran");
    assert.is(c.total(), 0, 'the parked ones wait');
    assert.ok(p1.control(0, commandNamed('TXABORT').opcode, argsOf(['TXABORT', 'h1']), p1.linkIdOf(0)));
    await until(() => c.total() === parked);
    assert.is(c.got.get(`${ReplyKind.NIL} `), parked);
  } finally {
    close();
  }
});

t(`a link's writes respect backpressure: past ${LINK_HIGH_WATER / 1048576} MB unsent it is blocked; past ${MAX_LINK_BYTES / 1048576} MB commands are refused; when the peer reads again everything taken is answered`, async () => {
  const { p0, p1, close } = await pair();
  try {
    // Worker 0 stops reading its link (as when it runs a long script).
    const socketOf = (p: Peers, peer: number) => (p as unknown as { links: { socket: net.Socket }[] }).links[peer].socket;
    socketOf(p0, 1).pause();
    const value = 'v'.repeat(1 << 20);
    const c = counter();
    let sent = 0;
    let blockedAt = -1;
    while (p1.refusal(0, true) === null && sent < 200) {
      p1.forward(0, SET.opcode, argsOf(['SET', `big${sent}`, value]), c.slot());
      sent++;
      await new Promise((r) => setImmediate(r));
      if (blockedAt < 0 && p1.blocked > 0) blockedAt = sent;
    }
    assert.ok(blockedAt > 0 && blockedAt < 16, `blocked after ${blockedAt} MB`);
    assert.is(p1.refusal(0, true), LINK_FULL, `refused after ${sent} MB`);
    assert.ok(sent <= MAX_LINK_BYTES / (1 << 20) + 2, `at most the bound was taken (${sent} MB)`);
    socketOf(p0, 1).resume();
    await until(() => c.total() === sent);
    assert.is(c.got.get(`${ReplyKind.OK} `), sent, 'every command taken was answered OK');
    await until(() => p1.blocked === 0);
  } finally {
    close();
  }
});

t('two workers writing large requests to each other at once, both links past their high-water mark: everything is answered, neither waits on the other', async () => {
  const { p0, p1, close } = await pair();
  try {
    const value = 'w'.repeat(512 * 1024);
    const both = [counter(), counter()];
    let blocked = 0;
    for (let i = 0; i < 120; i++) {
      p0.forward(1, SET.opcode, argsOf(['SET', `a${i}`, value]), both[0].slot());
      p1.forward(0, SET.opcode, argsOf(['SET', `b${i}`, value]), both[1].slot());
      if (i % 20 === 19) await new Promise((r) => setImmediate(r));
      blocked = Math.max(blocked, p0.blocked + p1.blocked);
    }
    await until(() => both[0].total() === 120 && both[1].total() === 120, 20_000);
    assert.is(both[0].got.get(`${ReplyKind.OK} `), 120);
    assert.is(both[1].got.get(`${ReplyKind.OK} `), 120);
    assert.ok(blocked > 0, 'the links were past their high-water mark at some point');
    await until(() => p0.blocked === 0 && p1.blocked === 0);
  } finally {
    close();
  }
});

t.run();
