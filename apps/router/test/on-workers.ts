/**
 * Clients on chosen workers. Workers accept from one shared queue (ARCHITECTURE.md, "Accepting
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
  const found = new Map<number, C>();
  const elsewhere: C[] = [];
  try {
    for (const until = Date.now() + ms; found.size < wanted.length && Date.now() < until; ) {
      const client = await connect();
      const worker = await workerOf(client);
      if (wanted.includes(worker) && !found.has(worker)) {
        found.set(worker, client);
        continue;
      }
      elsewhere.push(client);
      // A moment now and then for the workers' reports to reach the balance.
      if (elsewhere.length % 4 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } finally {
    for (const client of elsewhere) client.close();
  }
  if (found.size < wanted.length) {
    for (const client of found.values()) client.close();
    throw new Error(`no client landed on worker(s) ${wanted.filter((w) => !found.has(w)).join(', ')} in ${ms} ms`);
  }
  return wanted.map((worker) => found.get(worker)!);
}

/** Worker indexes 0 .. workers - 1. */
export function everyWorker(workers: number): number[] {
  return Array.from({ length: workers }, (_, i) => i);
}

/** The worker of a client whose CLIENT ID is `id`: ids are k * 16 + the worker's index + 1 (worker/router.ts). */
export function workerOfId(id: number): number {
  return (id - 1) % 16;
}
