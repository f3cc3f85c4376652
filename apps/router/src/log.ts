import cluster from 'node:cluster';

/** One JSON object per line on stdout: time, level, process, message, then the event's fields. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

const processName = cluster.isPrimary ? 'primary' : `worker-${process.env.KV_WORKER_INDEX ?? '?'}`;

export function log(level: Level, msg: string, fields?: Record<string, unknown>): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, process: processName, pid: process.pid, msg, ...fields });
  process.stdout.write(line + '\n');
}
