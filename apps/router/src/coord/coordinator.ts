import type { Args, OutBuffer } from '@kv/wire';
import { lastKeyIndex, parseScan, type CommandSpec } from '@kv/node';
import { Gather } from './gather';
import { HeldWrite } from './held-write';
import { runPlan, type Plan, type PlanClient } from './plan';
import { Scan } from './scan';
import { Transaction } from './txn';

/**
 * Runs a command whose plan spans owners (each-key, each-worker, atomic, cursor) for a client,
 * from its table entry alone. Returns the plan (done when it was answered at once; a transaction
 * not done yet makes the client wait for it), or an error message for arguments the plan refuses.
 */
export function coordinate(client: PlanClient, spec: CommandSpec, args: Args, workers: number, target: () => OutBuffer): Plan | string {
  switch (spec.plan) {
    case 'each-key': {
      const last = lastKeyIndex(spec, args.count);
      // Values from several workers must be read at one moment, as Redis's MGET does.
      // (Under a MULTI/EXEC's or a script's hold nothing else runs meanwhile: a Gather does.)
      if (spec.combine === 'list' && client.txid === null && client.owners.spans(args, spec.firstKey, last, spec.step)) {
        const keys: string[] = [];
        for (let k = spec.firstKey; k <= last; k += spec.step) keys.push(args.latin1(k));
        return runPlan(new Transaction(client, 'MGET', keys, null), target);
      }
      return runPlan(Gather.eachKey(client, spec, args), target);
    }
    case 'each-worker':
      return runPlan(Gather.eachWorker(client, spec, args, workers), target);
    case 'atomic': {
      // MSET, MSETNX: key value pairs.
      if ((args.count - spec.firstKey) % spec.step !== 0) return `ERR wrong number of arguments for '${spec.name.toLowerCase()}' command`;
      const keys: string[] = [];
      const values: string[] = [];
      for (let k = spec.firstKey; k < args.count; k += spec.step) {
        keys.push(args.latin1(k));
        values.push(args.latin1(k + 1));
      }
      const mode = spec.name as 'MSET' | 'MSETNX';
      if (client.txid !== null) return runPlan(new HeldWrite(client, mode, keys, values), target);
      return runPlan(new Transaction(client, mode, keys, values), target);
    }
    case 'cursor': {
      const request = parseScan(args);
      if (typeof request === 'string') return request;
      return runPlan(new Scan(client, spec, request), target);
    }
    default:
      return `ERR command ${spec.name} has no plan over several owners`;
  }
}

export { Transaction };
