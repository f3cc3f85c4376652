import type * as net from 'node:net';
import { SHARD_COUNT } from './keyspace';

/** What a kv connection's STATS says about the worker process that owns it. */
export interface WorkerInfo {
  worker: number;
  workers: number;
  /** Shards owned by that worker; empty if STATS did not list them. */
  shards: number[];
}

/** Sends STATS on a fresh connection and collects its `name value` lines up to END. */
export function queryStats(socket: net.Socket, timeoutMs: number): Promise<Map<string, string>> {
  return new Promise((resolve, reject) => {
    let text = '';
    const finish = (err: Error | null): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      if (err) return reject(err);
      const stats = new Map<string, string>();
      for (const line of text.split('\n')) {
        const space = line.indexOf(' ');
        if (space > 0) stats.set(line.slice(0, space), line.slice(space + 1).trim());
      }
      resolve(stats);
    };
    const onData = (chunk: Buffer): void => {
      text += chunk.toString('latin1');
      if (text === 'ERROR\n' || text.startsWith('ERROR\n')) finish(new Error('server answered STATS with ERROR'));
      else if (text.endsWith('\nEND\n') || text === 'END\n') finish(null);
    };
    const onError = (err: Error): void => finish(err);
    const timer = setTimeout(() => finish(new Error('no END after STATS')), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.write('STATS\n');
  });
}

export function workerInfoFrom(stats: Map<string, string>): WorkerInfo {
  const worker = Number(stats.get('worker'));
  const workers = Number(stats.get('workers'));
  if (!Number.isInteger(worker) || !Number.isInteger(workers) || workers < 1) {
    throw new Error(`STATS lacks 'worker <index>' / 'workers <N>' (got: ${[...stats.keys()].join(', ') || 'nothing'})`);
  }
  const shards = (stats.get('shards') ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number)
    .filter((s) => Number.isInteger(s) && s >= 0 && s < SHARD_COUNT);
  return { worker, workers, shards };
}

/** Owner worker per shard: as the workers' STATS list them, else the rule shard mod N. */
export function shardOwners(infos: readonly WorkerInfo[], workers: number): Int32Array {
  const owners = new Int32Array(SHARD_COUNT);
  for (let s = 0; s < SHARD_COUNT; s++) owners[s] = s % workers;
  for (const info of infos) for (const s of info.shards) owners[s] = info.worker;
  return owners;
}
