import type { Args } from '@kv/wire';
import type { Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';

/**
 * TESTFAULT key mode: a command that misbehaves on purpose, registered only when the worker's
 * environment has KV_TEST_FAULTS=1 (tests start such clusters), so a test can prove that a
 * broken handler still gives its client exactly one reply and nobody else any:
 *   answer-then-throw  answers FAULTED, then throws
 *   answer-twice       answers FAULTED, then EXTRA
 *   no-answer          answers nothing
 */
export function testfault(_store: Lru, args: Args, reply: ReplySink): void {
  const mode = args.latin1(2);
  if (mode === 'answer-then-throw') {
    reply.status('FAULTED');
    throw new Error('a test fault after the reply');
  }
  if (mode === 'answer-twice') {
    reply.status('FAULTED');
    return reply.status('EXTRA');
  }
  if (mode !== 'no-answer') reply.error(ERR.unknownTestFault);
}

/** True when this process may register TESTFAULT (see above). */
export const TEST_FAULTS = process.env.KV_TEST_FAULTS === '1';
