import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { startCluster } from '../apps/router/test/harness';
import { missingTool, Skips } from '../test-support/skip';
import { sleep, startRedis } from './clients/target';
import { encode, encodeCommand, type Node } from './compat/resp-raw';
import { RawListener } from './compat/listener';

/**
 * Differential check of Pub/Sub against redis-server: each scenario is a sequence of commands sent
 * from several raw connections (subscribers and publishers) to our cluster (3 workers, so the
 * connections land on different workers) and to a redis-server; after each step both go quiet and
 * every connection's frames since the last step (replies and messages alike) are compared. Where
 * Redis's own order is a hash table's (patterns a message matches, PUBSUB CHANNELS) the step says `sort`; a reply that differs by design (HELLO's server fields) says `skip`.
 */
interface Step {
  conn: number;
  cmd: string[];
  /** Redis's order is a hash table's: compare the frames (`frames`) or one reply's items (`items`) sorted. */
  sort?: 'frames' | 'items';
  skip?: boolean;
}

const s = (conn: number, line: string, opts: Omit<Step, 'conn' | 'cmd'> = {}): Step => ({ conn, cmd: line.split(' '), ...opts });

const SCENARIOS: { name: string; conns: number; steps: Step[] }[] = [
  {
    name: 'RESP2: subscribe, publish from other connections, subscribed mode, unsubscribe all',
    conns: 3,
    steps: [
      s(0, 'SUBSCRIBE news sport'),
      s(1, 'SUBSCRIBE news'),
      s(2, 'PUBLISH news hello'),
      s(2, 'PUBLISH sport goal'),
      s(2, 'PUBLISH nobody x'),
      s(0, 'GET k'),
      s(0, 'HELLO 3'),
      s(0, 'PING'),
      s(0, 'PING hi'),
      s(0, 'SUBSCRIBE news'),
      s(2, 'PUBSUB NUMSUB news sport nobody'),
      s(2, 'PUBSUB CHANNELS', { sort: 'items' }),
      s(2, 'PUBSUB CHANNELS n*'),
      s(0, 'UNSUBSCRIBE nobody'),
      // With several left Redis's order (a hash table's) decides the counts: one is left here.
      s(0, 'UNSUBSCRIBE sport'),
      s(0, 'UNSUBSCRIBE'),
      s(0, 'UNSUBSCRIBE'),
      s(0, 'GET k'),
      s(2, 'PUBLISH news again'),
      s(1, 'QUIT'),
      s(2, 'PUBLISH news after'),
    ],
  },
  {
    name: 'patterns: glob rules, a channel and a pattern both matching, PUNSUBSCRIBE',
    conns: 2,
    steps: [
      s(0, 'PSUBSCRIBE h?llo h[ae]llo h*'),
      s(0, 'PSUBSCRIBE h\\*'),
      s(0, 'SUBSCRIBE hello'),
      s(1, 'PUBLISH hello 1', { sort: 'frames' }),
      s(1, 'PUBLISH hallo 2', { sort: 'frames' }),
      s(1, 'PUBLISH hxllo 3', { sort: 'frames' }),
      s(1, 'PUBLISH h* 4', { sort: 'frames' }),
      s(1, 'PUBSUB NUMPAT'),
      s(0, 'PUNSUBSCRIBE h*'),
      s(1, 'PUBLISH hxllo 5'),
      s(0, 'PUNSUBSCRIBE h?llo h[ae]llo'),
      s(0, 'PUNSUBSCRIBE'),
      s(0, 'PUNSUBSCRIBE'),
      s(1, 'PUBSUB NUMPAT'),
      s(0, 'UNSUBSCRIBE'),
    ],
  },
  {
    name: 'RESP3: confirmations and messages are pushes, other commands run between them',
    conns: 2,
    steps: [
      s(0, 'HELLO 3', { skip: true }),
      s(0, 'SUBSCRIBE c1'),
      s(0, 'PSUBSCRIBE c*'),
      s(0, 'SET k v'),
      s(1, 'PUBLISH c1 m1'),
      s(0, 'GET k'),
      s(0, 'PING'),
      s(1, 'PUBLISH c2 m2'),
      s(0, 'UNSUBSCRIBE c1'),
      s(0, 'PUNSUBSCRIBE'),
      s(0, 'UNSUBSCRIBE'),
      s(0, 'DEL k'),
    ],
  },
  {
    name: 'shard channels: SSUBSCRIBE, SPUBLISH, PUBSUB SHARDCHANNELS / SHARDNUMSUB, SUNSUBSCRIBE',
    conns: 2,
    steps: [
      s(0, 'SSUBSCRIBE {s}a'),
      s(0, 'SSUBSCRIBE {s}b'),
      s(0, 'SUBSCRIBE {s}a'),
      s(1, 'SPUBLISH {s}a m'),
      s(1, 'PUBLISH {s}a n'),
      s(1, 'SPUBLISH nobody m'),
      s(1, 'PUBSUB SHARDNUMSUB {s}a {s}b nobody'),
      s(1, 'PUBSUB SHARDCHANNELS', { sort: 'items' }),
      s(1, 'PUBSUB SHARDCHANNELS *a'),
      s(0, 'SUNSUBSCRIBE {s}a'),
      s(0, 'SUNSUBSCRIBE'),
      s(0, 'SUNSUBSCRIBE'),
      s(0, 'UNSUBSCRIBE'),
    ],
  },
  {
    name: 'RESET ends subscriptions and subscribed mode; PUBLISH inside MULTI',
    conns: 2,
    steps: [
      s(0, 'SUBSCRIBE r'),
      s(0, 'PSUBSCRIBE r*'),
      s(1, 'PUBLISH r 1'),
      s(0, 'RESET'),
      s(1, 'PUBLISH r 2'),
      s(0, 'GET k'),
      s(1, 'MULTI'),
      s(1, 'PUBLISH r 3'),
      s(0, 'SUBSCRIBE r'),
      s(1, 'PUBLISH r 4'),
      s(1, 'EXEC'),
      s(0, 'RESET'),
      s(1, 'MULTI'),
      s(1, 'SUBSCRIBE x'),
      s(1, 'EXEC'),
      s(0, 'PUBLISH x \xff\x00bytes'),
      s(1, 'RESET'),
    ],
  },
  {
    name: 'PUBLISH and SPUBLISH called from scripts: delivered to every connection, counted over all',
    conns: 3,
    steps: [
      s(0, 'SUBSCRIBE r'),
      s(1, 'PSUBSCRIBE r*'),
      s(1, 'SSUBSCRIBE rs'),
      { conn: 2, cmd: ['EVAL', "redis.call('set', KEYS[1], 'v'); return redis.call('publish', 'r', ARGV[1])", '1', 'k', 'one'] },
      { conn: 2, cmd: ['EVAL', "return {redis.call('publish', 'rx', 'two'), redis.call('spublish', 'rs', 'three'), redis.call('get', KEYS[1])}", '1', 'k'] },
      { conn: 2, cmd: ['EVAL_RO', "return redis.call('publish', 'r', 'ro')", '0'] },
      s(2, 'MULTI'),
      { conn: 2, cmd: ['EVAL', "return redis.call('publish', 'r', 'queued')", '0'] },
      s(2, 'EXEC'),
    ],
  },
  {
    name: 'errors: arity, unknown and malformed PUBSUB subcommands, HELP',
    conns: 1,
    steps: [
      s(0, 'SUBSCRIBE'),
      s(0, 'PSUBSCRIBE'),
      s(0, 'PUBLISH a'),
      s(0, 'SPUBLISH a'),
      s(0, 'PUBSUB'),
      s(0, 'PUBSUB NOSUCH'),
      s(0, 'PUBSUB CHANNELS a b'),
      s(0, 'PUBSUB NUMPAT x'),
      s(0, 'PUBSUB NUMSUB'),
      s(0, 'PUBSUB HELP'),
      s(0, 'UNSUBSCRIBE'),
      s(0, 'PUNSUBSCRIBE'),
      s(0, 'SUNSUBSCRIBE'),
      s(0, 'RESET'),
    ],
  },
];

/** The frames since the last take, as bytes, sorted as `sort` says. */
function take(conn: RawListener, sort: Step['sort']): string[] {
  const items = (n: Node): Node => ('items' in n && n.items !== null && sort === 'items' ? { ...n, items: [...n.items].sort((a, b) => (encode(a) < encode(b) ? -1 : 1)) } : n);
  const out = conn.takeNodes().map((n) => encode(items(n)));
  return sort === 'frames' ? out.sort() : out;
}

/** Runs a scenario on one server: each step's frames per connection (closed connections marked). */
async function play(port: number, scenario: (typeof SCENARIOS)[number]): Promise<string[][][]> {
  const conns: RawListener[] = [];
  for (let i = 0; i < scenario.conns; i++) conns.push(await RawListener.connect(port));
  const steps: string[][][] = [];
  try {
    for (const step of scenario.steps) {
      const sent = Date.now();
      conns[step.conn].socket.write(encodeCommand(step.cmd));
      await conns[step.conn].waitFor(1);
      // Quiet: nothing came for 60 ms, at least 60 ms after sending (a message crosses workers).
      for (;;) {
        await sleep(15);
        const last = Math.max(sent, ...conns.map((c) => c.lastData));
        if (Date.now() - last >= 60) break;
      }
      steps.push(
        conns.map((c) => {
          const frames = take(c, step.sort);
          if (step.skip) frames.length = 0;
          return c.closed ? [...frames, '(closed)'] : frames;
        }),
      );
    }
  } finally {
    for (const c of conns) c.socket.destroy();
  }
  return steps;
}

const t = suite('pubsub-compat: Pub/Sub sequences against redis-server (3 workers)');
const noRedis = missingTool('redis-server');
if (noRedis !== null) {
  new Skips('pubsub-compat').all(SCENARIOS.map((sc) => sc.name), `${noRedis} (apt-get install redis-server)`);
} else {
  let ours: { port: number; stop(): Promise<unknown> } | undefined;
  let redis: { port: number; stop(): Promise<unknown> } | undefined;
  t.before(async () => {
    [ours, redis] = await Promise.all([startCluster({ workers: 3 }), startRedis()]);
  });
  t.after(async () => {
    await Promise.all([ours?.stop(), redis?.stop()]);
  });
  for (const scenario of SCENARIOS) {
    t(scenario.name, async () => {
      const [mine, theirs] = await Promise.all([play(ours!.port, scenario), play(redis!.port, scenario)]);
      scenario.steps.forEach((step, i) => assert.equal(mine[i], theirs[i], `step ${i}: conn ${step.conn} ${step.cmd.join(' ')}`));
    });
  }
}
t.run();
