import * as assert from 'uvu/assert';
import { prng } from '../../../test-support/prng';
import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { startCluster } from './harness';

/**
 * What the differential suites against redis-server share: a raw connection to each server, in
 * RESP2 then RESP3, and a sequence of commands whose replies must read the same (each suite says
 * how a reply is compared: as sent, sorted, masked).
 */
export interface Pair {
  readonly ours: RawConn;
  readonly theirs: RawConn;
  readonly resp: 2 | 3;
}

/** Runs `run` over a connection to each server, once in RESP2 and once in RESP3; `prepare` sets redis-server up first (its thresholds). */
export async function eachProtocol(ourPort: number, redisPort: number, run: (pair: Pair) => Promise<void>, prepare?: (theirs: RawConn) => Promise<unknown>): Promise<void> {
  for (const resp of [2, 3] as const) {
    const [ours, theirs] = [await RawConn.connect(ourPort), await RawConn.connect(redisPort)];
    try {
      await prepare?.(theirs);
      if (resp === 3) for (const conn of [ours, theirs]) await conn.command(['HELLO', '3']);
      await run({ ours, theirs, resp });
    } finally {
      ours.close();
      theirs.close();
    }
  }
}

/** Both servers emptied. */
export async function flushBoth(pair: Pair): Promise<void> {
  for (const conn of [pair.ours, pair.theirs]) await conn.command(['FLUSHALL']);
}

/** Each command sent to both servers: its replies, read as `read` says, must be equal; a failure names `label`, the protocol and the command's number. */
export async function sameReplies<H>(pair: Pair, label: string, commands: Iterable<readonly [string[], H]>, read: (reply: Reply, how: H) => string): Promise<void> {
  let n = 0;
  for (const [argv, how] of commands) {
    const [got, want] = [read(await pair.ours.command(argv), how), read(await pair.theirs.command(argv), how)];
    assert.is(got, want, `${label}, RESP${pair.resp}, command ${n}: ${argv.map((x) => (x.length > 40 ? `${x.slice(0, 16)}...(${x.length})` : x)).join(' ')}`);
    n++;
  }
}

/** A list of commands as sameReplies takes them, each compared one way. */
export function all<H>(commands: Iterable<string[]>, how: H): [string[], H][] {
  return [...commands].map((argv) => [argv, how]);
}

/** One step of a transcript: a command on one of its connections, its reply written down. */
export type Step = (conn: RawConn, argv: string[]) => Promise<void>;

/**
 * A transcript on one server, to compare with redis-server's: two clients' steps (`body`, given
 * `step` and the two connections) with every keyspace event a subscriber to `pattern` saw, in
 * order, after them. The server is emptied and its notify-keyspace-events set to KEA first.
 */
export async function eventTranscript(port: number, pattern: string, body: (step: Step, a: RawConn, b: RawConn) => Promise<void>, maxEvents = 100): Promise<string[]> {
  const [a, b, events] = [await RawConn.connect(port), await RawConn.connect(port), await RawConn.connect(port)];
  const out: string[] = [];
  const text = (reply: Reply): string => ('raw' in reply ? reply.raw : reply.failed);
  try {
    await a.command(['FLUSHALL']);
    await a.command(['CONFIG', 'SET', 'notify-keyspace-events', 'KEA']);
    await events.command(['PSUBSCRIBE', pattern]);
    await body(async (conn, argv) => void out.push(`${argv.join(' ')} -> ${text(await conn.command(argv))}`), a, b);
    // Every event so far, in order, then a PING's answer (the events had time to come first).
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (let n = 0; n < maxEvents; n++) {
      const message = text(await events.command(['PING']));
      out.push(`event ${message}`);
      if (message.includes('pong')) break;
    }
  } finally {
    for (const conn of [a, b, events]) conn.close();
  }
  return out;
}

/** A reply as sent, or why none came. */
export const rawReply = (reply: Reply): string => ('raw' in reply ? reply.raw : reply.failed);

/**
 * Seeded random sequences on a cluster of `workers` started for them and on redis-server, in RESP2
 * then RESP3, both emptied before each seed: every reply compared as sent. `sequence` makes one
 * seed's commands from its random numbers.
 */
export async function sameSequences(workers: number, redisPort: number, seeds: readonly number[], sequence: (next: () => number) => string[][]): Promise<void> {
  const cluster = await startCluster({ workers });
  try {
    await eachProtocol(cluster.port, redisPort, async (pair) => {
      for (const seed of seeds) {
        await flushBoth(pair);
        await sameReplies(pair, `${workers} workers, seed ${seed}`, all(sequence(prng(seed * 10 + pair.resp)), null), rawReply);
      }
    });
  } finally {
    assert.is(await cluster.stop(), 0);
  }
}
