import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, OutBuffer, ReplyKind, RESP3_REPLIES, shardOfString, type Args } from '@kv/wire';
import { Exec, type ExecClient } from '../src/coord/exec';
import { Here } from '../src/coord/here';
import type { Scripts } from '../src/coord/scripts';
import { err, FakeOwners, FakeSink, int, ok, bulk } from './coord-fakes';

/** A key whose shard is owned by `worker` in a map of `workers`. */
function keyOn(worker: number, workers: number): string {
  for (let i = 0; ; i++) if (shardOfString(`h${worker}:${i}`) % workers === worker) return `h${worker}:${i}`;
}

/** EXEC's client, faked: each queued command takes the next place in its order; places are done when the test says. */
class FakeClient implements ExecClient {
  readonly ran: string[][] = [];
  readonly done = new Set<number>();
  entered: Exec | null = null;
  left = 0;
  private seq = 0;

  runQueued(args: Args): void {
    const argv: string[] = [];
    for (let i = 0; i < args.count; i++) argv.push(args.latin1(i));
    this.ran.push(argv);
    this.seq++;
  }
  get nextSeq(): number {
    return this.seq;
  }
  answeredBefore(seq: number): boolean {
    for (let i = 0; i < seq; i++) if (!this.done.has(i)) return false;
    return true;
  }
  enter(exec: Exec): void {
    this.entered = exec;
  }
  leave(): void {
    this.entered = null;
    this.left++;
  }
  /** The reply of queued command `i` is done (the client would then call check()). */
  answer(i: number): void {
    this.done.add(i);
    this.entered?.check();
  }
}

const queue = (...commands: string[][]) => commands.map((argv) => argsOf(argv));

const exec = suite('coord: Exec and its Hold against a fake owner');

exec('every key here and the shards free: no hold, the header now, then each command as if just sent', () => {
  const owners = new FakeOwners(0, 2, () => ok());
  const sink = new FakeSink();
  const client = new FakeClient();
  const k = keyOn(0, 2);
  const plan = new Exec(owners, sink, client, [0], queue(['SET', k, 'v'], ['GET', k]), new Map(), () => 0);
  plan.start();
  assert.is(sink.written, '*2\r\n', 'the header, written now');
  assert.equal(client.ran, [['SET', k, 'v'], ['GET', k]]);
  assert.equal(owners.steps, [], 'no TXHOLD');
  assert.ok(plan.over);
});

exec('over several workers: TXHOLD each in worker order, each after the one before answered, with its watched keys; then the commands through the hold; then released', () => {
  const owners = new FakeOwners(1, 3, () => 'later');
  const sink = new FakeSink();
  const client = new FakeClient();
  const [a, c] = [keyOn(0, 3), keyOn(2, 3)];
  const watches = new Map([[2, [c, '5']]]);
  const plan = new Exec(owners, sink, client, [2, 0], queue(['SET', a, '1'], ['SET', c, '2']), watches, () => 0);
  plan.start();
  assert.equal(owners.steps.map((s) => [s.worker, s.name]), [[0, 'TXHOLD']], 'the lowest worker first, alone');
  const hold = owners.steps[0].argv[1];
  owners.settle(owners.steps[0], int(0));
  assert.equal(owners.steps[1].argv, ['TXHOLD', hold, '1', c, '5'], 'then the next, with its watched key and version');
  assert.is(sink.places, 1, 'the reply took its place when the first hold waited');
  owners.settle(owners.steps[1], int(0));
  assert.is(client.entered, plan, 'its commands pass the hold');
  assert.is(plan.holdId, hold);
  assert.equal(client.ran.length, 2);
  assert.is(sink.written, '*2\r\n', 'the header is ready in its place');
  assert.not.ok(plan.over, 'holds kept until every reply is in');
  client.answer(1);
  assert.equal(owners.controls, []);
  client.answer(0);
  assert.equal(owners.controls.map((x) => [x.worker, x.name, x.argv[1], x.link]), [[0, 'TXABORT', hold, 100], [2, 'TXABORT', hold, 102]]);
  assert.equal([client.left, plan.over], [1, true]);
  assert.is(owners.maxDepth, 1);
});

exec('a worker refusing its hold releases those held and answers the error; a watched key changed answers nil', () => {
  const owners = new FakeOwners(1, 3, (step) => (step.worker === 2 ? err('ERR transaction coordinator is gone') : int(0)));
  const sink = new FakeSink();
  const client = new FakeClient();
  const plan = new Exec(owners, sink, client, [0, 2], queue(['SET', keyOn(0, 3), '1']), new Map(), () => 0);
  plan.start();
  assert.equal(owners.controls.map((x) => [x.worker, x.name]), [[0, 'TXABORT']]);
  assert.is(sink.written, '-ERR transaction coordinator is gone\r\n');
  assert.equal(client.ran, [], 'nothing ran');
  const changed = new FakeOwners(1, 3, (step) => int(step.worker === 2 ? 1 : 0));
  const sink2 = new FakeSink();
  new Exec(changed, sink2, new FakeClient(), [0, 2], queue(['SET', keyOn(0, 3), '1']), new Map(), () => 0).start();
  assert.is(sink2.written, '*-1\r\n');
  assert.equal(changed.controls.map((x) => x.name), ['TXABORT', 'TXABORT']);
});

exec('one command that takes rounds (MSETNX): the next is sent only once its reply is in', () => {
  const owners = new FakeOwners(1, 3, () => int(0));
  const client = new FakeClient();
  const plan = new Exec(owners, new FakeSink(), client, [0, 2], queue(['MSETNX', keyOn(0, 3), '1'], ['GET', keyOn(2, 3)]), new Map(), () => 0);
  plan.start();
  assert.equal(client.ran.map((argv) => argv[0]), ['MSETNX']);
  client.answer(0);
  assert.equal(client.ran.map((argv) => argv[0]), ['MSETNX', 'GET']);
  client.answer(1);
  assert.ok(plan.over);
});

exec('every key on one other worker: sent whole (EXECHERE, watched keys and commands), its reply written as the owner encoded it', () => {
  const owners = new FakeOwners(1, 3, () => ok());
  const sink = new FakeSink();
  const k = keyOn(2, 3);
  const plan = new Exec(owners, sink, new FakeClient(), [2], queue(['SET', k, 'v'], ['GET', k]), new Map([[2, [k, '4']]]), () => 0);
  plan.start();
  assert.equal(owners.sent.map((s) => [s.worker, s.argv]), [[2, ['EXECHERE', '1', k, '4', '3', 'SET', k, 'v', '2', 'GET', k]]]);
  assert.equal(owners.steps, [], 'no hold anywhere');
  const frame = Buffer.from('xx*2\r\n+OK\r\n$1\r\nv\r\nyy');
  owners.sent[0].pending.settleEncoded!(frame, 2, frame.length - 2);
  frame.fill(0);
  assert.is(sink.written, '*2\r\n+OK\r\n$1\r\nv\r\n', 'copied out of the frame');
  const down = new FakeOwners(1, 3, () => ok());
  down.down.add(2);
  const sink2 = new FakeSink();
  new Exec(down, sink2, new FakeClient(), [2], queue(['GET', k]), new Map(), () => 0).start();
  assert.match(sink2.written, /^-ERR the worker owning this key is down/);
});

exec.run();

const here = suite('coord: Here (a transaction sent whole) against a fake owner');

const noScripts = { engine: null } as unknown as Scripts;

function execHere(owners: FakeOwners, ...parts: string[]): string {
  const out = new OutBuffer(64);
  new Here(owners, noScripts, () => 2).exec(argsOf(['EXECHERE', ...parts]), out, RESP3_REPLIES);
  return out.buf.latin1Slice(0, out.length);
}

here('runs every command here at once, in the client\'s protocol; a watched key changed answers the null array', () => {
  const k = keyOn(0, 2);
  const owners = new FakeOwners(0, 2, (step) => (step.name === 'GET' ? bulk('v') : ok()));
  assert.is(execHere(owners, '0', '3', 'SET', k, 'v', '2', 'GET', k), '*2\r\n+OK\r\n$1\r\nv\r\n');
  assert.ok(owners.steps.every((s) => s.txid === '\0here'), 'its commands pass the line behind a hold that just ended');
  owners.versions.set(k, 7);
  assert.is(execHere(owners, '1', k, '6', '2', 'GET', k), '_\r\n');
  assert.is(execHere(owners, '1', k, '7', '2', 'GET', k), '*1\r\n$1\r\nv\r\n');
});

here('a command that would wait, or an unknown one, answers an error in its place and the rest go on', () => {
  const k = keyOn(0, 2);
  const owners = new FakeOwners(0, 2, (step) => (step.argv[1] === 'slow' ? 'later' : ok()));
  const got = execHere(owners, '0', '2', 'GET', 'slow', '1', 'NOSUCH', '3', 'SET', k, 'v');
  assert.is(got, '*3\r\n-ERR this command could not run at once on the worker owning its keys\r\n-ERR unknown command\r\n+OK\r\n');
  assert.is(owners.steps.filter((s) => s.pending !== null).length, 1);
  // A reply that comes for the late one is dropped: its place said so already.
  owners.settle(owners.steps[0], [ReplyKind.OK, '']);
});

here.run();
