import { log } from '../log';
import type { OperatorAsk } from '../operator/types';
import type { MonitorList } from './monitor-list';
import type { RuntimeConfig } from './runtime-config';

export interface AskDeps {
  readonly runtime: RuntimeConfig;
  readonly monitors: MonitorList;
  /** Answers worker `index`'s ask `id`: done, or Redis's error text. */
  answer(index: number, id: number, error?: string): void;
  /** Stops the server as SIGTERM does (exit 0). */
  shutdown(): void;
}

/**
 * What the primary does for its workers' clients' commands that concern the whole server:
 * CONFIG SET and CONFIG REWRITE (runtime-config.ts), SHUTDOWN, MONITOR (monitor-list.ts).
 */
export function handleAsk(deps: AskDeps, index: number, id: number, ask: OperatorAsk): void {
  switch (ask.op) {
    case 'config-set':
      return deps.runtime.set(ask.change, (error) => deps.answer(index, id, error));
    case 'config-rewrite':
      return deps.answer(index, id, deps.runtime.rewrite());
    case 'monitor':
      return deps.monitors.set(index, ask.on, () => deps.answer(index, id));
    case 'shutdown':
      // Answered first: the asking client's connection then closes with the others as its worker drains.
      log('info', 'SHUTDOWN from a client', { worker: index });
      deps.answer(index, id);
      return deps.shutdown();
  }
}
