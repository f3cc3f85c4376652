import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { availableCpus, memoryLimit, MAX_CPUS, openFilesLimit } from '../src/config/resources';

const fixture = (name: string) => {
  const cgroupRoot = path.join(__dirname, 'fixtures', 'cgroup', name);
  return { cgroupRoot, procSelfCgroup: path.join(cgroupRoot, 'proc-self-cgroup') };
};

// What this machine allows without any cgroup quota.
const machineCpus = Math.min(os.availableParallelism(), os.cpus().length || Infinity, MAX_CPUS);

function assertQuota(name: string, quota: number, source: string) {
  const cpus = availableCpus(fixture(name));
  assert.is(cpus.count, Math.min(quota, machineCpus));
  if (quota <= machineCpus) assert.is(cpus.source, source);
  else assert.not.match(cpus.source, /^cgroup/);
}

function assertNoQuota(name: string) {
  const cpus = availableCpus(fixture(name));
  assert.is(cpus.count, machineCpus);
  assert.match(cpus.source, /^(affinity|machine)/);
}

function assertMemory(name: string, limit: number, source: string) {
  const expected = limit < os.totalmem() ? { bytes: limit, source } : { bytes: os.totalmem(), source: 'machine' };
  assert.equal(memoryLimit(fixture(name)), expected);
}

function assertNoMemoryLimit(name: string) {
  assert.equal(memoryLimit(fixture(name)), { bytes: os.totalmem(), source: 'machine' });
}

const cpus = suite('availableCpus');

cpus('uses the cgroup v2 cpu.max quota of the process cgroup, rounded up', () => {
  assertQuota('v2', 2, 'cgroup v2 cpu.max 150000/100000');
});

cpus('treats a cgroup v2 cpu.max of "max" as no quota', () => {
  assertNoQuota('v2-unlimited');
});

cpus('uses the cgroup v1 cfs quota over period', () => {
  assertQuota('v1', 1, 'cgroup v1 cpu.cfs_quota_us/cpu.cfs_period_us 100000/100000');
});

cpus('treats a cgroup v1 quota of -1 as no quota', () => {
  assertNoQuota('v1-unlimited');
});

cpus('falls back to affinity or machine when no cgroup files exist', () => {
  assertNoQuota('missing');
  const nowhere = { cgroupRoot: '/nonexistent/cgroup', procSelfCgroup: '/nonexistent/proc-self-cgroup' };
  assert.is(availableCpus(nowhere).count, machineCpus);
});

cpus('reports between 1 and 16 CPUs for this process', () => {
  const { count, source } = availableCpus();
  assert.ok(count >= 1 && count <= MAX_CPUS, `count ${count}`);
  assert.ok(source.length > 0);
});

cpus.run();

const memory = suite('memoryLimit');

memory('uses cgroup v2 memory.max of the process cgroup', () => {
  assertMemory('v2', 2147483648, 'cgroup v2 memory.max 2147483648');
});

memory('treats a cgroup v2 memory.max of "max" as physical memory', () => {
  assertNoMemoryLimit('v2-unlimited');
});

memory('uses cgroup v1 memory.limit_in_bytes of the process cgroup', () => {
  assertMemory('v1', 536870912, 'cgroup v1 memory.limit_in_bytes 536870912');
});

memory('treats a huge cgroup v1 limit as physical memory', () => {
  assertNoMemoryLimit('v1-unlimited');
});

memory('falls back to physical memory when no cgroup files exist', () => {
  assertNoMemoryLimit('missing');
  const nowhere = { cgroupRoot: '/nonexistent/cgroup', procSelfCgroup: '/nonexistent/proc-self-cgroup' };
  assert.equal(memoryLimit(nowhere), { bytes: os.totalmem(), source: 'machine' });
});

memory('reports a positive limit for this process', () => {
  assert.ok(memoryLimit().bytes > 0);
});

memory.run();

const files = suite('openFilesLimit');

files('reads the soft and hard limits, with unlimited as Infinity, and null without the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-limits-'));
  try {
    const file = path.join(dir, 'limits');
    fs.writeFileSync(file, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 524288               files\n');
    assert.equal(openFilesLimit(file), { soft: 1024, hard: 524288 });
    fs.writeFileSync(file, 'Max open files            unlimited            unlimited            files\n');
    assert.equal(openFilesLimit(file), { soft: Infinity, hard: Infinity });
    assert.is(openFilesLimit(path.join(dir, 'missing')), null);
    const own = openFilesLimit();
    assert.ok(own === null || own.soft > 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

files.run();
