import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface CgroupOptions {
  /** Where the cgroup filesystem is mounted; default /sys/fs/cgroup. */
  cgroupRoot?: string;
  /** This process's cgroup membership file; default /proc/self/cgroup. */
  procSelfCgroup?: string;
}

export const MAX_CPUS = 16;

/** The CPUs this process may use: the least of cgroup quota, affinity mask and machine, from 1 to 16. */
export function availableCpus(opts: CgroupOptions = {}): { count: number; source: string } {
  const candidates = [
    cgroupCpus(cgroupDirs(opts)),
    { count: os.availableParallelism(), source: 'affinity' },
    { count: os.cpus().length, source: 'machine' },
  ];
  // os.cpus() is empty when /proc is unreadable, so counts below 1 are ignored; ties keep the earlier source.
  const best = candidates.reduce<{ count: number; source: string }>(
    (least, c) => (c && c.count >= 1 && c.count < least.count ? c : least),
    { count: Infinity, source: 'unknown' },
  );
  if (best.count > MAX_CPUS) return { count: MAX_CPUS, source: `${best.source} (${best.count}), capped at ${MAX_CPUS}` };
  return best;
}

/** The memory this process may use: the cgroup limit if there is one below physical memory, else physical memory. */
export function memoryLimit(opts: CgroupOptions = {}): { bytes: number; source: string } {
  const machine = { bytes: os.totalmem(), source: 'machine' };
  const cgroup = cgroupMemory(cgroupDirs(opts));
  // cgroup v1 reports "unlimited" as a number near 2^63, which this comparison also discards.
  return cgroup && cgroup.bytes < machine.bytes ? cgroup : machine;
}

interface CgroupDirs {
  v2: string[];
  cpu: string[];
  memory: string[];
}

/** Directories to look in, most specific first, for each controller. */
function cgroupDirs({ cgroupRoot = '/sys/fs/cgroup', procSelfCgroup = '/proc/self/cgroup' }: CgroupOptions): CgroupDirs {
  const paths = new Map<string, string>(); // controller ('' for v2) -> cgroup path
  for (const line of (read(procSelfCgroup) ?? '').split('\n')) {
    const match = /^\d+:([^:]*):(.*)$/.exec(line);
    if (match) for (const controller of match[1].split(',')) paths.set(controller, match[2]);
  }
  const under = (dir: string, cgroupPath = '/') => [...new Set([path.resolve(path.join(dir, cgroupPath)), path.resolve(dir)])];
  return {
    v2: under(cgroupRoot, paths.get('')),
    cpu: ['cpu,cpuacct', 'cpu'].flatMap((dir) => under(path.join(cgroupRoot, dir), paths.get('cpu'))),
    memory: under(path.join(cgroupRoot, 'memory'), paths.get('memory')),
  };
}

function cgroupCpus(dirs: CgroupDirs): { count: number; source: string } | undefined {
  const v2 = readFirst(dirs.v2, 'cpu.max');
  if (v2) {
    const [quota, period = '100000'] = v2.text.split(/\s+/);
    return quotaCpus('cgroup v2 cpu.max', quota, period);
  }
  const v1 = readFirst(dirs.cpu, 'cpu.cfs_quota_us');
  if (v1) return quotaCpus('cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us', v1.text, read(path.join(v1.dir, 'cpu.cfs_period_us')) ?? '');
  return undefined;
}

function quotaCpus(label: string, quota: string, period: string): { count: number; source: string } | undefined {
  const q = Number(quota);
  const p = Number(period);
  // "max", -1 and unreadable values all mean no quota.
  if (!(q > 0 && p > 0)) return undefined;
  return { count: Math.ceil(q / p), source: `${label} ${quota}/${period}` };
}

function cgroupMemory(dirs: CgroupDirs): { bytes: number; source: string } | undefined {
  const v2 = readFirst(dirs.v2, 'memory.max');
  const [label, text] = v2
    ? ['cgroup v2 memory.max', v2.text]
    : ['cgroup v1 memory.limit_in_bytes', readFirst(dirs.memory, 'memory.limit_in_bytes')?.text];
  const bytes = Number(text); // "max" and a missing file both give NaN
  return bytes > 0 ? { bytes, source: `${label} ${text}` } : undefined;
}

function readFirst(dirs: string[], name: string): { dir: string; text: string } | undefined {
  for (const dir of dirs) {
    const text = read(path.join(dir, name));
    if (text !== undefined) return { dir, text };
  }
  return undefined;
}

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * The soft and hard limits on open files of this process (/proc/self/limits), or null where that
 * file is missing. Node raises the soft limit to the hard one as it starts (in the primary and in
 * each worker), so what is left to do is report a hard limit too low for maxclients.
 */
export function openFilesLimit(limitsFile = '/proc/self/limits'): { soft: number; hard: number } | null {
  let text: string;
  try {
    text = fs.readFileSync(limitsFile, 'utf8');
  } catch {
    return null;
  }
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(text);
  if (!match) return null;
  const value = (s: string) => (s === 'unlimited' ? Infinity : Number(s));
  return { soft: value(match[1]), hard: value(match[2]) };
}
