import { decimal, describeErrors, integer, orNa } from './format';
import type { RunResult } from './run';

/** The human-readable summary of one run. */
export function formatRunTable(r: RunResult): string {
  const s = r.spec;
  const rows: [string, string][] = [
    ['target', `${r.target.label} at ${r.target.endpoint.host}:${r.target.endpoint.port}, ${s.proto} protocol`],
    [
      'load',
      `${s.connections} connections x pipeline ${s.pipeline}, ${decimal(s.getRatio * 100, 0)}% GET, ${integer(s.keys)} keys, ${s.valueSize}-byte values, locality ${s.locality}`,
    ],
    [
      'window',
      `${decimal(r.measuredSeconds, 2)} s after ${s.warmupSeconds} s warmup; ${r.prefillSeconds === null ? 'no prefill' : `prefill took ${decimal(r.prefillSeconds, 2)} s`}`,
    ],
    ['throughput', `${integer(r.opsPerSecond)} ops/s (${integer(r.ops)} ops)`],
    [
      'latency µs',
      `p50 ${integer(r.latencyUs.p50)}   p99 ${integer(r.latencyUs.p99)}   p99.9 ${integer(r.latencyUs.p999)}   max ${integer(r.latencyUs.max)}   mean ${integer(r.latencyUs.mean)}`,
    ],
    [
      'server CPU',
      r.serverCpuSeconds === null
        ? 'n/a (no server PID: pass --server-pid)'
        : `${decimal(r.serverCpuSeconds, 2)} s = ${orNa(r.opsPerServerCpuSecond, integer)} ops per server CPU-second, ${orNa(r.serverCpuUsPerOp, (v) => decimal(v, 1))} µs per op`,
    ],
    [
      'bench CPU',
      `${decimal(r.benchCpuSeconds, 2)} s (user ${decimal(r.benchCpuUserSeconds, 2)}, sys ${decimal(r.benchCpuSystemSeconds, 2)}) = ${orNa(r.benchCpuUsPerOp, (v) => decimal(v, 1))} µs per op`,
    ],
  ];
  if (r.connectionsPerWorker !== null) {
    rows.push(['workers', `connections per worker: ${Object.entries(r.connectionsPerWorker).map(([w, n]) => `${w}=${n}`).join(' ')}`]);
  }
  if (r.idleConnections > 0) rows.push(['idle', `${r.idleConnections} connections had no key to use and sent nothing`]);
  rows.push(['errors', describeErrors(r.errors)]);
  const lines = rows.map(([name, value]) => `${name.padEnd(11)} ${value}`);
  for (const sample of r.errors.samples) lines.push(`  ${sample}`);
  return lines.join('\n');
}
