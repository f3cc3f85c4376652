import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

interface ProcStat {
  ppid: number;
  /** utime + stime + cutime + cstime in clock ticks: reaped children stay counted in their parent. */
  cpuTicks: number;
}

let ticksPerSecond: number | null = null;

function clockTicksPerSecond(): number {
  if (ticksPerSecond === null) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // Fields after the parenthesised command name, which may itself hold spaces: state ppid ... utime(14) stime cutime cstime.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), cpuTicks: Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]) };
}

/** rootPid and all its living descendants (empty if rootPid is gone). */
export function processTree(rootPid: number): number[] {
  if (readStat(rootPid) === null) return [];
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = readStat(pid);
    if (stat === null) continue;
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(pid);
    else children.set(stat.ppid, [pid]);
  }
  const tree = [rootPid];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]) ?? []));
  return tree;
}

/** CPU seconds used so far by these processes; call with the same PID list at both ends of a window. */
export function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) ticks += readStat(pid)?.cpuTicks ?? 0;
  return ticks / clockTicksPerSecond();
}

/** Primes the CLK_TCK lookup so the measured window never waits on a child process. */
export function prepareProcStat(): void {
  clockTicksPerSecond();
}

/** Resident set size of one process in bytes, from VmRSS in /proc/<pid>/status; null if it is gone. */
export function rssBytesOf(pid: number): number | null {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/status`, 'latin1');
  } catch {
    return null;
  }
  return parseVmRss(text);
}

/** The VmRSS line of a /proc/<pid>/status text in bytes (kernel threads have none: null). */
export function parseVmRss(statusText: string): number | null {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(statusText);
  return match ? Number(match[1]) * 1024 : null;
}

export interface TreeRss {
  /** Sum over the processes below. */
  total: number;
  /** RSS in bytes by PID, root first. */
  byPid: Map<number, number>;
}

/** RSS of rootPid and every living descendant, summed (empty and 0 if rootPid is gone). */
export function treeRss(rootPid: number): TreeRss {
  const byPid = new Map<number, number>();
  let total = 0;
  for (const pid of processTree(rootPid)) {
    const rss = rssBytesOf(pid);
    if (rss === null) continue;
    byPid.set(pid, rss);
    total += rss;
  }
  return { total, byPid };
}

/**
 * A measured window of a closed-loop load already running: 500 ms of warm-up, then `seconds` with
 * `measuring(true)` (the load counts what completes meanwhile), then `measuring(false)`. The wall
 * seconds it lasted and the CPU seconds `pids` used in it.
 */
export async function measureWindow(pids: readonly number[], seconds: number, measuring: (on: boolean) => void): Promise<{ elapsed: number; cpu: number }> {
  await new Promise((r) => setTimeout(r, 500));
  const cpu0 = cpuSecondsOf(pids);
  const t0 = performance.now();
  measuring(true);
  await new Promise((r) => setTimeout(r, seconds * 1000));
  measuring(false);
  return { elapsed: (performance.now() - t0) / 1000, cpu: cpuSecondsOf(pids) - cpu0 };
}
