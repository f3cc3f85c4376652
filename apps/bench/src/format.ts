import type { ErrorTally } from './loadState';

export function integer(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

export function decimal(n: number, digits: number): string {
  return n.toFixed(digits);
}

export function orNa<T>(value: T | null, show: (v: T) => string): string {
  return value === null ? 'n/a' : show(value);
}

export function describeErrors(errors: ErrorTally): string {
  if (errors.total === 0) return '0';
  const parts: string[] = [];
  if (errors.errorReplies) parts.push(`${errors.errorReplies} error replies`);
  if (errors.mismatches) parts.push(`${errors.mismatches} value mismatches`);
  if (errors.unexpectedReplies) parts.push(`${errors.unexpectedReplies} unexpected replies`);
  if (errors.connectionErrors) parts.push(`${errors.connectionErrors} connection errors`);
  if (errors.stalled) parts.push(`${errors.stalled} stalled connections`);
  return `${integer(errors.total)} (${parts.join(', ')})`;
}
