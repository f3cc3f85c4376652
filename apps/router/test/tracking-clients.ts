import * as assert from 'uvu/assert';
import { SHARD_COUNT } from '@kv/wire';
import { sleep } from './harness';
import { Resp3Client, type R3 } from './resp3-client';

/** Test helpers for client-side caching (e2e-tracking*.test.ts). */

/** A client on worker `worker` (ids are k * 16 + worker + 1), in RESP3 when `resp3`. */
export async function clientOn(port: number, worker: number, resp3: boolean): Promise<Resp3Client> {
  const elsewhere: Resp3Client[] = [];
  try {
    for (let i = 0; i < 64; i++) {
      const c = await Resp3Client.connect(port);
      if ((((await c.call('CLIENT', 'ID')).value as number) - 1) % SHARD_COUNT === worker) {
        if (resp3) await c.call('HELLO', '3');
        return c;
      }
      elsewhere.push(c);
    }
  } finally {
    for (const c of elsewhere) c.close();
  }
  throw new Error(`no client landed on worker ${worker}`);
}

export async function idOf(c: Resp3Client): Promise<number> {
  return (await c.call('CLIENT', 'ID')).value as number;
}

/** The items of a push (RESP3 `>`) or a RESP2 array. */
export function partsOf(value: R3): R3[] {
  if (Array.isArray(value)) return value;
  if (value !== null && typeof value === 'object' && 'push' in value) return value.push;
  throw new Error(`not a message: ${JSON.stringify(value)}`);
}

/**
 * Reads `n` invalidation messages (RESP3 `invalidate [keys]`, or RESP2 `message
 * __redis__:invalidate [keys]` when `redirected`): the keys, sorted; a null invalidation reads as '(null)'.
 */
export async function invalidations(c: Resp3Client, n: number, redirected = false): Promise<string[]> {
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    const { value } = await c.read();
    const parts = partsOf(value);
    if (redirected && Array.isArray(value)) {
      assert.equal(parts.slice(0, 2), ['message', '__redis__:invalidate']);
      parts.shift();
    } else assert.is(parts[0], 'invalidate', JSON.stringify(value));
    const last = parts[parts.length - 1];
    if (last === null) keys.push('(null)');
    else for (const key of last as string[]) keys.push(key);
  }
  return keys.sort();
}

/** Nothing more arrives for `c` within `ms` (a PING's reply is next; a RESP2 subscriber's is [pong, '']). */
export async function nothingMore(c: Resp3Client, ms = 80, subscribed = false): Promise<void> {
  await sleep(ms);
  assert.is((await c.call('PING')).raw, subscribed ? '*2\r\n$4\r\npong\r\n$0\r\n\r\n' : '+PONG\r\n');
}

/**
 * A tracking client and where its invalidations arrive: itself in RESP3; in RESP2 (which takes no
 * push) a client subscribed to __redis__:invalidate on the next worker, named by REDIRECT.
 */
export interface Tracking {
  tracker: Resp3Client;
  inbox: Resp3Client;
  /** `n` invalidation messages' keys, sorted. */
  read(n: number): Promise<string[]>;
  /** Broadcast messages until `n` keys came, sorted. */
  broadcast(n: number): Promise<string[]>;
  /** Nothing more arrives. */
  quiet(): Promise<void>;
}

export async function tracking(open: (worker: number, resp3: boolean) => Promise<Resp3Client>, worker: number, resp3: boolean, ...options: string[]): Promise<Tracking> {
  const tracker = await open(worker, resp3);
  let inbox = tracker;
  if (!resp3) {
    inbox = await open(worker + 1, false);
    const id = await idOf(inbox);
    await inbox.call('SUBSCRIBE', '__redis__:invalidate');
    options.push('REDIRECT', String(id));
  }
  assert.is((await tracker.call('CLIENT', 'TRACKING', 'ON', ...options)).raw, '+OK\r\n');
  return {
    tracker,
    inbox,
    read: (n) => invalidations(inbox, n, !resp3),
    broadcast: (n) => broadcastKeys(inbox, n),
    quiet: () => nothingMore(inbox, 80, !resp3),
  };
}

/** Reads broadcast invalidations (several keys a message; RESP3 pushes or RESP2 messages) until `n` keys came: the keys, sorted. */
export async function broadcastKeys(c: Resp3Client, n: number): Promise<string[]> {
  const keys: string[] = [];
  while (keys.length < n) {
    const { value } = await c.read();
    const parts = partsOf(value);
    // RESP2 through a redirect: [message, __redis__:invalidate, keys].
    if (Array.isArray(value)) assert.equal(parts.splice(0, 2), ['message', '__redis__:invalidate']);
    else assert.is(parts.shift(), 'invalidate');
    keys.push(...(parts[0] as string[]));
  }
  return keys.sort();
}
