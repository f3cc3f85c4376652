import { log } from '../log';
import type { PrimaryMessage, WorkerMessage } from './messages';
import type { AskMessage, ClusterControl } from './scaling';
import type { ShardMap } from './shard-map';
import type { WorkerPool } from './slots';

/** A retiring worker that has not exited by then is killed. */
export const RETIRE_TIMEOUT_MS = 10_000;

/** Timers, injected so that tests can run them by hand. */
export interface Timers {
  set(fn: () => void, ms: number): unknown;
  clear(timer: unknown): void;
}

export const realTimers: Timers = {
  set: (fn, ms) => setTimeout(fn, ms),
  clear: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

export interface ControlDeps {
  map: ShardMap;
  pool: WorkerPool;
  timers: Timers;
  stopping(): boolean;
  /** Sends the current map to every running worker. */
  publish(): void;
  /** The resize removed the slots from `count` up: forget their restart counts. */
  removed(count: number): void;
}

/** A request to a worker waiting for its `done` answer. */
interface Ask {
  index: number;
  resolve: (answer: { keys?: number; bytes?: number }) => void;
  reject: (err: Error) => void;
  timer: unknown;
}

type DoneMessage = Extract<WorkerMessage, { t: 'done' }>;

/** What a resize (scaling.ts) does to the workers, over the worker pool. */
export class PoolControl implements ClusterControl {
  readonly map: ShardMap;
  private readonly asks = new Map<number, Ask>();
  private nextAsk = 1;

  constructor(private readonly deps: ControlDeps) {
    this.map = deps.map;
  }

  running(): number[] {
    return this.deps.pool.running();
  }

  stopping(): boolean {
    return this.deps.stopping();
  }

  publish(): void {
    this.deps.publish();
  }

  ask(index: number, message: AskMessage, timeoutMs: number): Promise<{ keys?: number; bytes?: number }> {
    return new Promise((resolve, reject) => {
      if (this.deps.stopping()) return reject(new Error('shutting down'));
      const worker = this.deps.pool.connected(index);
      if (worker === null) return reject(new Error(`worker ${index} is not running`));
      const id = this.nextAsk++;
      const timer = this.deps.timers.set(() => {
        this.asks.delete(id);
        reject(new Error(`worker ${index} did not answer ${message.t} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.asks.set(id, { index, resolve, reject, timer });
      worker.send({ ...message, id } satisfies PrimaryMessage);
    });
  }

  /** A worker's answer to an ask. */
  done(index: number, message: DoneMessage): void {
    const ask = this.asks.get(message.id);
    if (ask === undefined) return;
    this.asks.delete(message.id);
    this.deps.timers.clear(ask.timer);
    if (message.error !== undefined) ask.reject(new Error(`worker ${index}: ${message.error}`));
    else ask.resolve({ keys: message.keys, bytes: message.bytes });
  }

  /** Worker `index` exited: what was asked of it fails. */
  exited(index: number, code: number | null, signal: string | null): void {
    for (const [id, ask] of this.asks) {
      if (ask.index !== index) continue;
      this.asks.delete(id);
      this.deps.timers.clear(ask.timer);
      ask.reject(new Error(`worker ${index} exited (code ${code}, signal ${signal})`));
    }
  }

  tell(index: number, message: PrimaryMessage): void {
    this.deps.pool.connected(index)?.send(message);
  }

  addWorkers(count: number): Promise<void> {
    const { pool, map } = this.deps;
    return Promise.all(
      Array.from({ length: count - map.workers }, (_, i) => {
        const index = map.workers + i;
        // A slot may be left from a grow that failed: reuse it, and its worker if it runs.
        const slot = pool.slot(index);
        slot.retiring = false;
        if (slot.worker !== null && slot.ready) return Promise.resolve();
        const ready = new Promise<void>((resolve, reject) => {
          slot.onReady = (ok) => (ok ? resolve() : reject(new Error(`worker ${index} exited while starting`)));
        });
        if (slot.worker === null) pool.fork(index);
        return ready;
      }),
    ).then(() => undefined);
  }

  async retireWorkers(count: number): Promise<void> {
    const { pool, timers } = this.deps;
    const leaving = pool.slots.slice(count);
    await Promise.all(
      leaving.map((slot, i) => {
        slot.retiring = true;
        if (slot.worker === null) return Promise.resolve();
        const worker = slot.worker;
        return new Promise<void>((resolve) => {
          // Its clients had the time to read their last replies: stop waiting for them.
          const timer = timers.set(() => worker.process.kill('SIGKILL'), RETIRE_TIMEOUT_MS);
          slot.onExit = () => {
            timers.clear(timer);
            resolve();
          };
          worker.send({ t: 'retire' } satisfies PrimaryMessage);
          log('info', 'retiring worker', { worker: count + i, worker_pid: worker.process.pid });
        });
      }),
    );
    pool.truncate(count);
    this.deps.removed(count);
    if (!this.deps.stopping()) pool.broadcast({ t: 'peers', paths: pool.peerMap() });
  }
}
