import type { Args } from '@kv/wire';
import type { EncodedReply, Reply } from './values';

/** What a running script asks of the server: one command, answered now or later. */
export interface ScriptHost {
  /**
   * Runs the command in `args` (valid only during the call: copy what outlives it); its reply now
   * (a value, or RESP2 bytes the engine reads at once), or `LATER` when it will come by Run.resume.
   */
  call(args: Args, raise: boolean): Reply | EncodedReply | typeof LATER;
  log?(level: number, message: string): void;
}

export const LATER: unique symbol = Symbol('later');

/** What a step of a run came to: done with its result, or waiting for a command's reply. */
export type Step = { done: true; result: Reply } | { done: false };

/** What a Run needs of the engine it runs in (engine.ts). */
export interface RunEngine {
  resumeRun(run: Run, nargs: number): Step;
  release(threadRef: number): void;
}

/** One script run: a coroutine, resumed until done; a command it waits for resumes it with its reply. */
export class Run {
  /** CPU spent in Lua so far (every resume), and when the run started (performance.now). */
  spentMs = 0;
  resumedAt = 0;
  startedAt = -1;
  killed = false;
  /** Waiting for a call's reply (yielded by redis.call), and the reply once it came. */
  waiting = false;
  reply: Reply = null;
  private ended = false;

  constructor(
    private readonly engine: RunEngine,
    readonly T: number,
    private readonly threadRef: number,
    readonly host: ScriptHost,
    readonly limitMs: number,
    readonly sha: string,
    /** Set when the run could not even be set up (the engine ran out of memory): its only result. */
    private readonly setupError: string | null = null,
  ) {}

  /** Runs it until it finishes or waits for a command's reply (`reply`: that reply, to go on with). */
  resume(reply?: Reply): Step {
    if (this.setupError !== null) return { done: true, result: { err: this.setupError } };
    this.resumedAt = performance.now();
    if (this.startedAt < 0) this.startedAt = this.resumedAt;
    // The chunk's arguments: _ENV, KEYS, ARGV.
    if (reply === undefined) return this.engine.resumeRun(this, 3);
    this.reply = reply;
    return this.engine.resumeRun(this, 0);
  }

  /** Past the limit since it started, as Redis's lua-time-limit counts (waiting for other workers included). */
  overTime(): boolean {
    return performance.now() - this.startedAt > this.limitMs;
  }

  /** @internal */
  end(): void {
    if (this.ended || this.setupError !== null) return;
    this.ended = true;
    this.engine.release(this.threadRef);
  }
}
