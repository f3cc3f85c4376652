/**
 * Clients on chosen workers (a worker named twice gets two). Workers accept from one shared queue (ARCHITECTURE.md, "Accepting
 * clients") and an idle one may win every race: a client that lands elsewhere is kept open until
 * every wanted worker has one, so the worker it landed on passes its share and the balance
 * (primary/balance.ts) lets the others take the next ones. Closing such clients at once could leave
 * every try on the same worker, as it once did in CI.
 */
export async function clientsOn<C extends { close(): void }>(
  wanted: readonly number[],
  connect: () => Promise<C>,
  workerOf: (client: C) => Promise<number>,
  ms = 15_000,
): Promise<C[]> {
  // A worker may be wanted more than once: a client for each time.
  const found = new Map<number, C[]>();
  const missing = () => wanted.filter((w, i) => (found.get(w)?.length ?? 0) < wanted.slice(0, i + 1).filter((x) => x === w).length);
  const elsewhere: C[] = [];
  try {
    for (const until = Date.now() + ms; missing().length > 0 && Date.now() < until; ) {
      const client = await connect();
      const worker = await workerOf(client);
      if (missing().includes(worker)) {
        found.set(worker, [...(found.get(worker) ?? []), client]);
        continue;
      }
      elsewhere.push(client);
      // A moment now and then for the workers' reports to reach the balance.
      if (elsewhere.length % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    for (const client of elsewhere) client.close();
  }
  const left = missing();
  if (left.length > 0) {
    for (const list of found.values()) for (const client of list) client.close();
    throw new Error(`no client landed on worker(s) ${left.join(', ')} in ${ms} ms`);
  }
  const taken = new Map<number, number>();
  return wanted.map((worker) => {
    const at = taken.get(worker) ?? 0;
    taken.set(worker, at + 1);
    return found.get(worker)![at];
  });
}

/** Worker indexes 0 .. workers - 1. */
export function everyWorker(workers: number): number[] {
  return Array.from({ length: workers }, (_, i) => i);
}

/** The worker of a client whose CLIENT ID is `id`: ids are k * 16 + the worker's index + 1 (worker/router.ts). */
export function workerOfId(id: number): number {
  return (id - 1) % 16;
}
