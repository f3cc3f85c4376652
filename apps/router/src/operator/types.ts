import type { OptionChange, ParamValues } from '../config/params';

/**
 * What a worker asks the primary to do for a client's command (the answer comes back with the
 * same id): change settings everywhere (CONFIG SET), write them to the config file (CONFIG
 * REWRITE), stop the server as SIGTERM does (SHUTDOWN), or count this worker among those with
 * MONITOR clients (every worker then feeds it its commands).
 */
export type OperatorAsk = { op: 'config-set'; change: OptionChange } | { op: 'config-rewrite' } | { op: 'shutdown' } | { op: 'monitor'; on: boolean };

/**
 * A worker's operator side as its clients' commands see it (worker/live-settings.ts implements
 * it): the settings as they stand, and the way to the primary. A leaf of interfaces: client/ and
 * commands/ import it without a cycle.
 */
export interface WorkerOperator {
  readonly settings: ParamValues;
  /** Applies a change on this worker now (the asking worker's own commands see it at once; the primary's broadcast applies it again, to no effect). */
  apply(change: OptionChange): void;
  /** Asks the primary; resolves with undefined when done, or the error to answer. */
  ask(ask: OperatorAsk): Promise<string | undefined>;
}
