import { HANDOVER_TIMEOUT_MS } from '../links/handover';
import { log } from '../log';
import type { PrimaryMessage } from './messages';
import { MAX_WORKERS, planMoves, type ShardMap } from './shard-map';

/** What a resize needs of the primary (PoolControl in control.ts implements it over the worker slots). */
export interface ClusterControl {
  /** The primary's shard map: a resize changes it in place, one version at a time. */
  readonly map: ShardMap;
  /** Indexes of the workers running now (those a pause must reach). */
  running(): number[];
  /** Sends a request and resolves with its `done` answer; rejects if the worker exits first or on timeout. */
  ask(index: number, message: AskMessage, timeoutMs: number): Promise<{ keys?: number; bytes?: number }>;
  tell(index: number, message: PrimaryMessage): void;
  /** Sends the current map to every running worker. */
  publish(): void;
  /** Forks workers map.workers .. count-1 (owning nothing yet); resolves once each is linked to its peers. */
  addWorkers(count: number): Promise<void>;
  /** Lets the workers from index `count` up answer their clients and exit; resolves once they have. */
  retireWorkers(count: number): Promise<void>;
  /** The server is shutting down: no resize starts. */
  stopping(): boolean;
}

export type AskMessage = { t: 'pause'; linkTo: number } | { t: 'resume' } | { t: 'move'; shard: number; to: number; version: number };

/** A pause waits this long for every router to have nothing in flight. */
const PAUSE_TIMEOUT_MS = 10_000;
/**
 * A shard's hand-over (its entries over a peer socket) may take this long: longer than the
 * sender's own deadline (handover.ts), so the sender decides and puts the shard back first.
 */
const MOVE_TIMEOUT_MS = HANDOVER_TIMEOUT_MS + 10_000;

export interface ShardMoveReport {
  shard: number;
  from: number;
  to: number;
  keys: number;
  bytes: number;
  /** How long clients' commands waited: pause, hand-over, new map, resume. */
  pause_ms: number;
}

export interface ResizeReport {
  from: number;
  to: number;
  map_version: number;
  duration_ms: number;
  max_pause_ms: number;
  moves: ShardMoveReport[];
}

/** Why a resize was not done: `busy` (another is running, or the server is stopping), `invalid` (bad count), `failed`. */
export class ResizeError extends Error {
  constructor(
    readonly reason: 'busy' | 'invalid' | 'failed',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Changes the worker count while clients keep working. The steps, each under a short pause of
 * every router (no client command runs, nothing is in flight, what clients send waits in order):
 * 1. growing: fork the new workers (they own nothing), wait until all are linked, then publish a
 *    map that includes them;
 * 2. every shard whose owner changes under the even spread (shard s on worker s mod N) is handed
 *    over by its owner, entries with TTLs in recency order, and the map names the new owner;
 * 3. shrinking: publish a map without the retiring workers, which then answer what their clients
 *    sent, close those connections (clients reconnect to the others) and exit.
 * A failed step leaves the map as it was for the shard in question: the cluster keeps serving on
 * the map it has, and the caller gets the error.
 */
export class Resizer {
  private running = false;
  /** Changes that finished, and those that stopped on an error (for /stats and /metrics). */
  done = 0;
  failed = 0;
  lastSeconds = 0;

  constructor(private readonly control: ClusterControl) {}

  get busy(): boolean {
    return this.running;
  }

  async resize(count: number): Promise<ResizeReport> {
    if (!Number.isInteger(count) || count < 1 || count > MAX_WORKERS) throw new ResizeError('invalid', `worker count must be an integer from 1 to ${MAX_WORKERS}`);
    if (this.running) throw new ResizeError('busy', 'a change of the worker count is already running');
    if (this.control.stopping()) throw new ResizeError('busy', 'the server is shutting down');
    this.running = true;
    try {
      const report = await this.run(count);
      this.done++;
      this.lastSeconds = report.duration_ms / 1000;
      return report;
    } catch (err) {
      this.failed++;
      log('error', 'resize failed', { to: count, error: (err as Error).message, map_version: this.control.map.version });
      throw err instanceof ResizeError ? err : new ResizeError('failed', (err as Error).message);
    } finally {
      this.running = false;
    }
  }

  private async run(count: number): Promise<ResizeReport> {
    const { control } = this;
    const map = control.map;
    const from = map.workers;
    const started = performance.now();
    const moves: ShardMoveReport[] = [];
    let maxPause = 0;
    const paused = async (linkTo: number, step: () => Promise<void> | void) => {
      const t0 = performance.now();
      try {
        await this.pauseAll(linkTo);
        await step();
      } catch (err) {
        // A new version, so that chunks of a failed hand-over still on their way are refused and
        // every worker drops what does not match the map.
        map.version++;
        throw err;
      } finally {
        control.publish();
        // Answered once every worker runs again: a blocking command sent after the resize's reply
        // waits (one that reached a worker still paused would be answered as timed out).
        await Promise.allSettled(control.running().map((index) => control.ask(index, { t: 'resume' }, PAUSE_TIMEOUT_MS)));
      }
      const ms = performance.now() - t0;
      maxPause = Math.max(maxPause, ms);
      return ms;
    };
    log('info', 'resize started', { from, to: count, map_version: map.version });

    if (count > from) {
      // Workers added but not yet in the map are removed again if growing fails.
      try {
        await control.addWorkers(count);
        await paused(count, () => {
          map.workers = count;
          map.version++;
        });
      } catch (err) {
        if (map.workers === from) await control.retireWorkers(from);
        throw err;
      }
    }
    for (const move of planMoves(map.owners, count)) {
      let moved = { keys: 0, bytes: 0 };
      const ms = await paused(Math.max(count, from), async () => {
        const done = await control.ask(move.from, { t: 'move', shard: move.shard, to: move.to, version: map.version }, MOVE_TIMEOUT_MS);
        moved = { keys: done.keys ?? 0, bytes: done.bytes ?? 0 };
        map.owners[move.shard] = move.to;
        map.version++;
      });
      moves.push({ ...move, ...moved, pause_ms: round(ms) });
    }
    if (count < from) {
      await paused(from, () => {
        map.workers = count;
        map.version++;
      });
      await control.retireWorkers(count);
    }

    const report: ResizeReport = { from, to: count, map_version: map.version, duration_ms: round(performance.now() - started), max_pause_ms: round(maxPause), moves };
    log('info', 'resize done', { ...report, moves: moves.length, keys_moved: moves.reduce((n, m) => n + m.keys, 0) });
    return report;
  }

  /** Pauses every running router; resolves once all have nothing in flight and are linked to workers 0 .. linkTo-1. */
  private async pauseAll(linkTo: number): Promise<void> {
    const { control } = this;
    await Promise.all(control.running().map((index) => control.ask(index, { t: 'pause', linkTo }, PAUSE_TIMEOUT_MS)));
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}
