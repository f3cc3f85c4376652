import type * as net from 'node:net';
import { connectSocket } from './client';
import { burstInThread } from './burstThread';
import { burstInGo, goBurstBinary } from './burstGo';
import { settledPerWorker } from './acceptParts';
import { startKvServer } from './servers';

export interface BalanceRow {
  case: string;
  perWorker: number[] | null;
  /** Most clients on a worker over fewest: 1 is even, the target is at most 1.5. */
  ratio: number | null;
}

function row(name: string, perWorker: number[] | null): BalanceRow {
  return { case: name, perWorker, ratio: perWorker === null ? null : Math.max(...perWorker) / Math.max(1, Math.min(...perWorker)) };
}

async function openHeld(endpoint: { host: string; port: number }, count: number, into: net.Socket[]): Promise<void> {
  for (let opened = 0; opened < count; opened += 100) {
    into.push(...(await Promise.all(Array.from({ length: Math.min(100, count - opened) }, () => connectSocket(endpoint, 10_000)))));
  }
}

/**
 * How evenly kv's workers share their clients (each worker's count from the admin endpoint): after
 * a burst of 2,000 in 100 ms, after a slow trickle (300 one at a time, 10 ms apart), and after a
 * resize from 2 to 4 workers with 500 clients held, 500 more.
 */
export async function measureBalance(kvMain: string, maxmemory: string | null, log: (line: string) => void): Promise<BalanceRow[]> {
  const rows: BalanceRow[] = [];
  const server = await startKvServer(kvMain, 2, maxmemory);
  const held: net.Socket[] = [];
  try {
    const spec = { count: 2000, spreadMs: 100, proto: 'text' as const, timeoutMs: 30_000, tag: 'balance' };
    const go = goBurstBinary(() => {});
    const settle = () => settledPerWorker(server, 2000);
    const { held: afterBurst } = go === null ? await burstInThread(server.endpoint, spec, settle) : await burstInGo(go, server.endpoint, spec, settle);
    rows.push(row('burst of 2,000 in 100 ms', afterBurst));
    log(`balance: burst ${afterBurst?.join(' / ')}`);
    await settledPerWorker(server, 0);

    for (let i = 0; i < 300; i++) {
      held.push(await connectSocket(server.endpoint, 10_000));
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    rows.push(row('trickle of 300, 10 ms apart', await settledPerWorker(server, 300)));
    log(`balance: trickle ${rows[rows.length - 1].perWorker?.join(' / ')}`);
    for (const s of held.splice(0)) s.destroy();
    await settledPerWorker(server, 0);

    await openHeld(server.endpoint, 500, held);
    await settledPerWorker(server, 500);
    const res = await fetch(`http://127.0.0.1:${server.adminPort}/workers`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ count: 4 }) });
    if (res.status !== 200) throw new Error(`resize to 4 workers answered ${res.status}: ${await res.text()}`);
    await openHeld(server.endpoint, 500, held);
    rows.push(row('resize 2 -> 4 with 500 held, then 500 more', await settledPerWorker(server, 1000)));
    log(`balance: resize ${rows[rows.length - 1].perWorker?.join(' / ')}`);
  } finally {
    for (const s of held) s.destroy();
    await server.stop();
  }
  return rows;
}
