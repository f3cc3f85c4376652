import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { setLogLevel } from '../src/log';
import type { PrimaryMessage, WorkerMessage } from '../src/primary/messages';
import type { Timers } from '../src/primary/control';
import type { WorkerLike } from '../src/primary/slots';

// The parts log what they do; the tests look at what they did.
setLogLevel('error');

let nextPid = 1000;

/** A cluster Worker stand-in: records what is sent to it; the test plays its messages and exit. */
export class FakeWorker extends EventEmitter implements WorkerLike {
  readonly sent: PrimaryMessage[] = [];
  readonly handles: { message: PrimaryMessage; handle: net.Socket; callback: (err: Error | null) => void }[] = [];
  readonly signals: string[] = [];
  connected = true;
  readonly process = {
    pid: nextPid++,
    kill: (signal?: NodeJS.Signals) => {
      this.signals.push(signal ?? 'SIGTERM');
      return true;
    },
  };

  isConnected(): boolean {
    return this.connected;
  }

  send(message: PrimaryMessage, handle?: net.Socket, _options?: { keepOpen?: boolean }, callback?: (err: Error | null) => void): boolean {
    this.sent.push(message);
    if (handle !== undefined) this.handles.push({ message, handle, callback: callback ?? (() => {}) });
    return true;
  }

  /** Sends a message as this worker. */
  say(message: WorkerMessage): void {
    this.emit('message', message);
  }

  /** The process exits. */
  exit(code: number | null = 1, signal: string | null = null): void {
    this.connected = false;
    this.emit('exit', code, signal);
  }

  /** Types of the messages sent, in order. */
  kinds(): string[] {
    return this.sent.map((m) => m.t);
  }
}

/** Timers the test fires by hand. */
export class ManualTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();

  set(fn: () => void, ms: number): number {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }

  clear(timer: unknown): void {
    this.pending.delete(timer as number);
  }

  /** Fires every pending timer set for `ms`. */
  fire(ms: number): void {
    for (const [id, t] of [...this.pending]) {
      if (t.ms !== ms) continue;
      this.pending.delete(id);
      t.fn();
    }
  }
}

/** Lets promise callbacks run. */
export const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Resolves with the error the promise rejects with; fails if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}
