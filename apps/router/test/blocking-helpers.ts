import { RawConn, type Reply } from '../../../test/compat/resp-raw';
import { sleep } from './harness';

/** What the e2e suites of the blocking sorted set and stream commands share (e2e-blocking.test.ts has its own). */

export const raw = (r: Reply): string => ('raw' in r ? r.raw : r.failed);
export const bulk = (s: string): string => `$${Buffer.byteLength(s)}\r\n${s}\r\n`;

/** A raw connection speaking RESP `resp` (2 or 3). */
export async function connect(port: number, resp: number): Promise<RawConn> {
  const conn = await RawConn.connect(port);
  if (resp === 3) await conn.command(['HELLO', '3']);
  return conn;
}

/** A raw connection on `worker` (CLIENT ID - 1 is the worker's index mod 16); the others that landed elsewhere are closed. */
export async function connectOn(port: number, worker: number, resp = 2): Promise<RawConn> {
  for (let i = 0; i < 64; i++) {
    const conn = await connect(port, resp);
    const id = Number(raw(await conn.command(['CLIENT', 'ID'])).slice(1));
    if ((id - 1) % 16 === worker) return conn;
    conn.close();
  }
  throw new Error(`no connection landed on worker ${worker}`);
}

/** Waits until INFO's blocked_clients (summed over the workers) is `n`: the blocked requests reached their owners. */
export async function blockedAre(port: number, n: number): Promise<void> {
  const conn = await RawConn.connect(port);
  try {
    for (let i = 0; i < 500; i++) {
      const info = raw(await conn.command(['INFO', 'clients']));
      if (new RegExp(`blocked_clients:${n}\\r`).test(info)) return;
      await sleep(10);
    }
    throw new Error(`blocked_clients never became ${n}`);
  } finally {
    conn.close();
  }
}
