import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, PushEncoder } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { MonitorFeed, type MonitorClient } from '../src/monitor/feed';
import { monitorLine, quoted, shownToMonitors } from '../src/monitor/line';
import { Broadcasts } from '../src/primary/broadcasts';
import { MonitorList } from '../src/primary/monitor-list';
import type { PrimaryMessage } from '../src/primary/messages';

const t = suite('monitor: lines, the feed, the primary\'s list');

const turn = () => new Promise((resolve) => setImmediate(resolve));

class FakeMonitor implements MonitorClient {
  text = '';
  owed = 0;
  closed = '';
  pushEncoded(buf: Uint8Array, start: number, end: number): void {
    this.text += Buffer.from(buf.subarray(start, end)).toString('latin1');
    this.owed += end - start;
  }
  closeForOutput(what: string): void {
    this.closed = what;
  }
}

function feedOf(self: number, limit = 0) {
  const asks: boolean[] = [];
  const pushes = new Map<number, PushEncoder>();
  let flushed = 0;
  const feed = new MonitorFeed({
    self,
    pushTo: (peer) => pushes.get(peer) ?? pushes.set(peer, new PushEncoder()).get(peer)!,
    flushClients: () => void flushed++,
    outputLimit: () => limit,
    ask: async (on) => void asks.push(on),
  });
  return { feed, asks, pushes, flushed: () => flushed };
}

t("a line as Redis's: time, [0 addr], each argument quoted by sdscatrepr; passwords redacted", () => {
  const args = argsOf(['SET', 'a b', 'x"y\\z\n\r\t\x07\x08\x01\xff~ ']);
  const line = monitorLine(commandNamed('SET'), args, '127.0.0.1:5000');
  assert.match(line, /^\+\d{10}\.\d{6} \[0 127\.0\.0\.1:5000\] "SET" "a b" "x\\"y\\\\z\\n\\r\\t\\a\\b\\x01\\xff~ "\r\n$/);
  assert.match(monitorLine(commandNamed('AUTH'), argsOf(['AUTH', 'user', 'pw']), 'lua'), /\[0 lua\] "AUTH" "\(redacted\)" "\(redacted\)"\r\n$/);
  assert.is(quoted(Buffer.from(''), 0, 0), '""');
});

t('admin commands and subcommands are not shown; an unknown subcommand neither', () => {
  const shown = (...argv: string[]) => shownToMonitors(commandNamed(argv[0]), argsOf(argv));
  assert.ok(shown('GET', 'k'));
  assert.ok(shown('CONFIG', 'help'));
  assert.not.ok(shown('CONFIG', 'GET', 'x'));
  assert.not.ok(shown('CONFIG', 'nosuch'));
  assert.not.ok(shown('MONITOR'));
  assert.not.ok(shown('SHUTDOWN', 'ABORT'));
  assert.ok(shown('CLIENT', 'ID'));
  assert.not.ok(shown('CLIENT', 'LIST'));
});

t('the primary is asked when the first monitor comes and the last goes; lines go to peers at once and to local monitors once a turn, by time', async () => {
  const { feed, asks, pushes, flushed } = feedOf(0);
  const a = new FakeMonitor();
  const b = new FakeMonitor();
  assert.is(await feed.add(a), undefined);
  await feed.add(b);
  assert.equal(asks, [true]);
  feed.setWorkers([0, 1]);
  assert.ok(feed.active);
  feed.feed(commandNamed('SET'), argsOf(['SET', 'k', '1']), 'here');
  // A peer's line made earlier arrives later: given before the local one.
  const earlier = Buffer.from('+1000000000.000001 [0 peer] "GET" "k"\r\n', 'latin1');
  feed.received(earlier, 0, earlier.length);
  assert.is(pushes.get(1)!.frames.count, 1, 'the line is in worker 1\'s push frame now');
  assert.is(a.text, '');
  await turn();
  assert.match(a.text, /^\+1000000000\.000001 \[0 peer\] "GET" "k"\r\n\+\d+\.\d{6} \[0 here\] "SET" "k" "1"\r\n$/);
  assert.is(b.text, a.text);
  assert.is(flushed(), 1);
  feed.feed(commandNamed('CONFIG'), argsOf(['CONFIG', 'GET', 'x']), 'here');
  await turn();
  assert.is(pushes.get(1)!.frames.count, 1, 'CONFIG GET is not shown');
  feed.remove(a);
  feed.remove(b);
  feed.remove(b);
  assert.equal(asks, [true, false]);
  feed.setWorkers([]);
  assert.not.ok(feed.active);
});

t('a monitor past the output limit is closed and gets nothing more', async () => {
  const { feed } = feedOf(0, 100);
  const slow = new FakeMonitor();
  await feed.add(slow);
  feed.setWorkers([0]);
  for (let i = 0; i < 3; i++) feed.feed(commandNamed('SET'), argsOf(['SET', 'k', 'v'.repeat(40)]), 'c');
  await turn();
  assert.is(slow.closed, 'normal');
  const before = slow.text.length;
  feed.feed(commandNamed('SET'), argsOf(['SET', 'k', 'v']), 'c');
  await turn();
  assert.is(slow.text.length, before);
  assert.not.ok(feed.has(slow));
});

t('the primary\'s list: each change broadcast, done once every worker applied it; an exited worker leaves it; a ready one is told', () => {
  const sent: [number, PrimaryMessage][] = [];
  const broadcasts = new Broadcasts({ running: () => [0, 1], send: (i, m) => void sent.push([i, m]), setTimer: () => 0, clearTimer: () => {} });
  const list = new MonitorList(broadcasts);
  assert.is(list.greeting(), null);
  let done = 0;
  list.set(1, true, () => done++);
  assert.equal(sent.map(([i, m]) => [i, m.t === 'monitors' ? m.workers : null]), [[0, [1]], [1, [1]]]);
  const id = (sent[0][1] as { id: number }).id;
  broadcasts.applied(0, id);
  assert.is(done, 0);
  broadcasts.applied(1, id);
  assert.is(done, 1);
  assert.equal(list.greeting(), { t: 'monitors', id: 0, workers: [1] });
  sent.length = 0;
  list.exited(0);
  assert.is(sent.length, 0, 'a worker without monitors leaving changes nothing');
  list.exited(1);
  assert.equal(sent.map(([, m]) => (m.t === 'monitors' ? m.workers : null)), [[], []]);
  assert.is(list.greeting(), null);
});

t.run();
