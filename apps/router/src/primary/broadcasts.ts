import type { PrimaryMessage } from './messages';

/** A worker that has not applied a broadcast by then is reported late (it still applies it when it reads it). */
export const APPLY_TIMEOUT_MS = 5000;

export interface BroadcastDeps {
  /** Worker indexes running now. */
  running(): number[];
  send(index: number, message: PrimaryMessage): void;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(timer: unknown): void;
}

interface Waiting {
  workers: Set<number>;
  done: (late: number[]) => void;
  timer: unknown;
}

/**
 * Messages every running worker must apply before a change counts as made (settings, the MONITOR
 * list): each is sent with an id, each worker answers `applied` with it, and `done` runs once all
 * have (or exited), or after APPLY_TIMEOUT_MS with the ones still late. A worker started later
 * gets the state itself, at its fork.
 */
export class Broadcasts {
  private next = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly deps: BroadcastDeps) {}

  send(make: (id: number) => PrimaryMessage, done: (late: number[]) => void, timeoutMs = APPLY_TIMEOUT_MS): void {
    const id = this.next++;
    const workers = new Set(this.deps.running());
    if (workers.size === 0) return done([]);
    const timer = this.deps.setTimer(() => {
      this.waiting.delete(id);
      done([...workers]);
    }, timeoutMs);
    this.waiting.set(id, { workers, done, timer });
    const message = make(id);
    for (const index of workers) this.deps.send(index, message);
  }

  /** Worker `index` applied broadcast `id`. */
  applied(index: number, id: number): void {
    const waiting = this.waiting.get(id);
    if (waiting === undefined) return;
    waiting.workers.delete(index);
    this.settle(id, waiting);
  }

  /** Worker `index` exited: nothing is waited for from it. */
  exited(index: number): void {
    for (const [id, waiting] of this.waiting) {
      if (waiting.workers.delete(index)) this.settle(id, waiting);
    }
  }

  private settle(id: number, waiting: Waiting): void {
    if (waiting.workers.size > 0) return;
    this.waiting.delete(id);
    this.deps.clearTimer(waiting.timer);
    waiting.done([]);
  }
}
