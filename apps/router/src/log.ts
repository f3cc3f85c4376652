import cluster from 'node:cluster';

/** One JSON object per line on stdout: time, level, process, message, then the event's fields. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

// A closed stdout (the reader went away, e.g. turbo exiting first) must not crash a server.
process.stdout.on('error', () => {});

const processName = cluster.isPrimary ? 'primary' : `worker-${process.env.KV_WORKER_INDEX ?? '?'}`;

export function log(level: Level, msg: string, fields?: Record<string, unknown>): void {
  const line = JSON.stringify({ time: new Date().toISOString(), level, process: processName, pid: process.pid, msg, ...fields });
  process.stdout.write(line + '\n');
}
