import type { OperatorAsk } from '../operator/types';
import type { RuntimeConfig } from './runtime-config';

export interface AskDeps {
  readonly runtime: RuntimeConfig;
  /** Answers worker `index`'s ask `id`: done, or Redis's error text. */
  answer(index: number, id: number, error?: string): void;
}

/**
 * What the primary does for its workers' clients' commands that concern the whole server:
 * CONFIG SET and CONFIG REWRITE (runtime-config.ts).
 */
export function handleAsk(deps: AskDeps, index: number, id: number, ask: OperatorAsk): void {
  switch (ask.op) {
    case 'config-set':
      return deps.runtime.set(ask.change, (error) => deps.answer(index, id, error));
    case 'config-rewrite':
      return deps.answer(index, id, deps.runtime.rewrite());
  }
}
