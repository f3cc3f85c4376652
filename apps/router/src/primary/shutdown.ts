import { log } from '../log';
import type { PrimaryMessage } from './messages';

/** A shutdown that takes longer than this kills what is left. */
export const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface ShutdownDeps {
  /** Stops accepting: closes the client listeners, the admin endpoint and its pings. */
  stopAccepting(): void;
  broadcast(message: PrimaryMessage): void;
  allExited(): boolean;
  /** Every worker still running has drained (answered what it read, closed its clients). */
  allDrained(): boolean;
  /** SIGKILLs every worker still running. */
  killAll(): void;
  /** Removes the run directory, logs and exits the process with `code`. */
  finish(code: number): void;
  /** Runs `fn` after `ms` without keeping the process alive (setTimeout, unref'd). */
  setTimer(fn: () => void, ms: number): void;
}

/**
 * The graceful shutdown the primary leads (SIGTERM, SIGINT, or a worker that cannot run): stop
 * accepting, tell every worker to stop reading clients and answer what it read; once all have
 * drained, tell them to exit (peers serve each other until then); once all have exited, finish.
 * Past SHUTDOWN_TIMEOUT_MS, kill what is left and finish anyway.
 */
export class Shutdown {
  private started = false;
  private finished = false;
  private code = 0;

  constructor(private readonly deps: ShutdownDeps) {}

  get active(): boolean {
    return this.started;
  }

  start(code: number): void {
    if (this.started) return;
    this.started = true;
    this.code = code;
    const { deps } = this;
    log('info', 'shutting down', { exit_code: code });
    deps.stopAccepting();
    deps.broadcast({ t: 'shutdown' });
    if (deps.allExited()) this.finish();
    deps.setTimer(() => {
      if (this.finished) return;
      log('warn', 'shutdown timed out, killing workers', { timeout_ms: SHUTDOWN_TIMEOUT_MS });
      deps.killAll();
      this.finish();
    }, SHUTDOWN_TIMEOUT_MS);
  }

  /** A worker reported 'drained'. */
  drained(): void {
    if (this.started && this.deps.allDrained()) this.deps.broadcast({ t: 'exit' });
  }

  /** A worker exited during the shutdown. */
  workerExited(): void {
    if (!this.started) return;
    if (this.deps.allExited()) this.finish();
    else if (this.deps.allDrained()) this.deps.broadcast({ t: 'exit' });
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.deps.finish(this.code);
  }
}
