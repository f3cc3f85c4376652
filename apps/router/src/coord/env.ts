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
  /** The plan of a command that spans owners, not started, its reply to `sink`, passing hold `txid`; or the error it is refused with. */
  plan(sink: PlanSink, txid: string | null, spec: CommandSpec, args: Args): Plan | string;
}
