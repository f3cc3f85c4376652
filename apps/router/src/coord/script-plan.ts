import { shardOf, type Args } from '@kv/wire';
import type { CommandSpec } from '@kv/node';
import { REPLY_ERRORS } from '../reply-errors';
import type { PlanEnv } from './env';
import type { Plan, PlanSink } from './plan';
import { Script } from './script';
import { declaredKeys, numkeys } from './script-keys';

/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO: checks numkeys, then makes the Script plan (not started).
 * Returns the plan or the error the command is refused with.
 */
export function scriptPlan(env: PlanEnv, sink: PlanSink, txid: string | null, spec: CommandSpec, args: Args): Plan | string {
  const n = numkeys(args);
  if (n < 0) {
    const text = args.latin1(2);
    if (/^-\d+$/.test(text)) return REPLY_ERRORS.negativeKeys;
    if (/^\d{1,18}$/.test(text)) return REPLY_ERRORS.tooManyKeys;
    return REPLY_ERRORS.notInteger;
  }
  const keys: string[] = [];
  const workers: number[] = [];
  for (const i of declaredKeys(args)) {
    keys.push(args.latin1(i));
    workers.push(env.owners.map[shardOf(args.buf, args.starts[i], args.ends[i])]);
  }
  const argv: string[] = [];
  for (let i = 3 + n; i < args.count; i++) argv.push(args.latin1(i));
  return new Script(env, sink, txid, workers, args.latin1(1), spec.script === 'sha', keys, argv, spec.readOnly);
}

