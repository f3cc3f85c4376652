import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { Endpoint } from './cli';
import { runBurst, type BurstResult, type BurstSpec } from './burst';

/** A burst's figures, without its sockets (they stay in the thread that opened them). */
export type BurstFigures = Omit<BurstResult, 'sockets'> & {
  /** Over TLS with resume: connections that resumed the session (Go generator). */
  resumed?: number;
  /** CPU seconds the generator's process used for the burst (Go generator; a thread's are not separable). */
  generatorCpuSeconds?: number;
};

/**
 * Runs a burst on its own thread, so the closed-loop load of the main thread (clients already
 * busy) does not slow the opening of the burst or the reading of its replies. `whileHeld` runs
 * once every connection has its reply and before they are closed (to ask the server how its
 * workers share them).
 */
export function burstInThread<T>(endpoint: Endpoint, spec: BurstSpec, whileHeld: () => Promise<T>): Promise<{ burst: BurstFigures; held: T }> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { endpoint, spec } });
    let burst: BurstFigures | null = null;
    let held: T;
    worker.on('error', reject);
    worker.on('message', (message: { t: 'answered'; burst: BurstFigures } | { t: 'closed' }) => {
      if (message.t === 'answered') {
        burst = message.burst;
        whileHeld().then(
          (value) => {
            held = value;
            worker.postMessage('close');
          },
          (err: unknown) => {
            worker.postMessage('close');
            reject(err as Error);
          },
        );
      } else {
        void worker.terminate();
        resolve({ burst: burst!, held });
      }
    });
  });
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  const { endpoint, spec } = workerData as { endpoint: Endpoint; spec: BurstSpec };
  void runBurst(endpoint, spec).then((result) => {
    const { sockets, ...figures } = result;
    port.once('message', () => {
      for (const socket of sockets) socket.destroy();
      port.postMessage({ t: 'closed' });
    });
    port.postMessage({ t: 'answered', burst: figures });
  });
}
