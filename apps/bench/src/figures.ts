import type { RunResult } from './run';

/** What one row of the matrix reports: one run's figures, or with --rounds N the median of each over the rounds. */
export interface RowFigures {
  opsPerSecond: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  serverCpuSeconds: number | null;
  /** ops ÷ server CPU-seconds. */
  opsPerServerCpuSecond: number | null;
  /** server CPU-seconds × 10^6 ÷ ops. */
  serverCpuUsPerOp: number | null;
  benchCpuSeconds: number;
  /** Summed over rounds, not a median: one bad reply anywhere counts. */
  errors: number;
  /** Runs that produced figures. */
  rounds: number;
}

export function figuresOf(r: RunResult): RowFigures {
  return {
    opsPerSecond: r.opsPerSecond,
    p50Us: r.latencyUs.p50,
    p99Us: r.latencyUs.p99,
    p999Us: r.latencyUs.p999,
    serverCpuSeconds: r.serverCpuSeconds,
    opsPerServerCpuSecond: r.opsPerServerCpuSecond,
    serverCpuUsPerOp: r.serverCpuUsPerOp,
    benchCpuSeconds: r.benchCpuSeconds,
    errors: r.errors.total,
    rounds: 1,
  };
}

/** Median of the values (mean of the middle two for an even count); null if there are none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function medianOf(rows: readonly RowFigures[], pick: (r: RowFigures) => number | null): number | null {
  const values = rows.map(pick);
  // A figure some round could not measure (no server PID) is not a figure of the row.
  if (values.some((v) => v === null)) return null;
  return median(values as number[]);
}

/** Per-figure medians over the rounds of one row; null if no round produced figures. */
export function medianFigures(rows: readonly RowFigures[]): RowFigures | null {
  if (rows.length === 0) return null;
  return {
    opsPerSecond: medianOf(rows, (r) => r.opsPerSecond)!,
    p50Us: medianOf(rows, (r) => r.p50Us)!,
    p99Us: medianOf(rows, (r) => r.p99Us)!,
    p999Us: medianOf(rows, (r) => r.p999Us)!,
    serverCpuSeconds: medianOf(rows, (r) => r.serverCpuSeconds),
    opsPerServerCpuSecond: medianOf(rows, (r) => r.opsPerServerCpuSecond),
    serverCpuUsPerOp: medianOf(rows, (r) => r.serverCpuUsPerOp),
    benchCpuSeconds: medianOf(rows, (r) => r.benchCpuSeconds)!,
    errors: rows.reduce((sum, r) => sum + r.errors, 0),
    rounds: rows.reduce((sum, r) => sum + r.rounds, 0),
  };
}
