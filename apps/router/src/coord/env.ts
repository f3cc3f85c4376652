import type { Args } from '@kv/wire';
import type { CommandSpec } from '@kv/node';
import type { OwnerSet, Plan, PlanSink } from './plan';
import type { Scripts } from './scripts';

/** MONITOR's feed as a script's calls reach it (monitor/feed.ts): its lines read `[0 lua]`. */
export interface CallMonitor {
  readonly active: boolean;
  feed(spec: CommandSpec, args: Args, addr: string): void;
}

/**
 * What plans run with on a worker, besides their sink: its owners, its scripts, the workers in
 * the map, and how a command that spans owners becomes a plan (coordinator.ts; a script's calls
 * and EXEC's commands make theirs through it).
 */
export interface PlanEnv {
  /** MONITOR's feed (null until the worker sets it, and in tests). */
  readonly monitor: CallMonitor | null;
  readonly owners: OwnerSet;
  readonly scripts: Scripts;
  /** Workers in the shard map: every-worker commands run on each. */
  readonly workers: number;
  /**
   * A new script body run here goes to every other worker before its reply (coord/scripts.ts): a
   * client's EVAL. Not a script a peer sent whole (EVALHERE): its sender shared it.
   */
  readonly sharesScripts: boolean;
  /**
   * PUBLISH from a script (null: refused, as in tests): delivered to this worker's subscribers at
   * once and pushed to every other worker's, as keyspace events are; answers the receivers here.
   * Gathering counts would make a script wait on workers it does not hold, behind their holds.
   */
  readonly publish: ((args: Args) => number) | null;
  /** The plan of a command that spans owners, not started, its reply to `sink`, passing hold `txid`; or the error it is refused with. */
  plan(sink: PlanSink, txid: string | null, spec: CommandSpec, args: Args): Plan | string;
}
