import cluster from 'node:cluster';

/** One JSON object per line on stdout: time, level, process, message, then the event's fields. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

export const LEVELS: readonly Level[] = ['debug', 'info', 'warn', 'error'];

// A closed stdout (the reader went away, e.g. turbo exiting first) must not crash a server.
process.stdout.on('error', () => {});

const processName = cluster.isPrimary ? 'primary' : `worker-${process.env.KV_WORKER_INDEX ?? '?'}`;
/** Lines below this level are dropped (--log-level; each process sets it once from its config). */
let threshold = LEVELS.indexOf('info');

export function setLogLevel(level: Level): void {
  threshold = LEVELS.indexOf(level);
}

export function log(level: Level, message: string, fields?: Record<string, unknown>): void {
  if (LEVELS.indexOf(level) < threshold) return;
  const line = JSON.stringify({ time: new Date().toISOString(), level, process: processName, pid: process.pid, message, ...fields });
  process.stdout.write(line + '\n');
}
