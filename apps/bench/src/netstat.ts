import * as fs from 'node:fs';

/** The kernel's count of connections a full listen queue turned away (TcpExt ListenOverflows, ListenDrops). */
export interface ListenCounters {
  overflows: number;
  drops: number;
}

/**
 * TcpExt's ListenOverflows and ListenDrops from /proc/net/netstat (what `nstat -az
 * TcpExtListenOverflows` shows), for this process's network namespace; null where unreadable.
 */
export function readListenCounters(file = '/proc/net/netstat'): ListenCounters | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'latin1');
  } catch {
    return null;
  }
  const lines = text.split('\n').filter((l) => l.startsWith('TcpExt:'));
  if (lines.length < 2) return null;
  const names = lines[0].trim().split(/\s+/);
  const values = lines[1].trim().split(/\s+/).map(Number);
  const overflows = values[names.indexOf('ListenOverflows')];
  const drops = values[names.indexOf('ListenDrops')];
  return Number.isFinite(overflows) && Number.isFinite(drops) ? { overflows, drops } : null;
}
