import { ratio, ruleOf, type Rule } from './info';
import { bytesToHuman, distinctCount, mergeLatencyFields, perCall, sumPairs } from './info-format';

/** A merged field to leave out (a latencystats command no worker timed). */
const NOT_SHOWN = '\0';

/** Combines the workers' INFO texts (same sections, each from its own worker) into the server's. */
export function mergeInfo(parts: readonly string[]): string {
  if (parts.length === 0) return '';
  const values = parts.map(valuesOf);
  const merged = new Map<string, string>();
  const lines = withEveryErrorCode(parts, parts[0].split('\r\n'));
  // Plain rules first, so `human` fields can read the merged figure they describe.
  for (const pass of [0, 1]) {
    for (const line of lines) {
      const colon = line.indexOf(':');
      if (colon <= 0 || line[0] === '#') continue;
      const name = line.slice(0, colon);
      const rule = ruleOf(name);
      if ((typeof rule === 'object') !== (pass === 1)) continue;
      merged.set(name, mergeField(name, rule, values, merged));
    }
  }
  const out: string[] = [];
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon <= 0 || line[0] === '#') {
      out.push(line);
      continue;
    }
    const name = line.slice(0, colon);
    const rule = ruleOf(name);
    if (rule === 'keyspace' && /^[a-z_]+=0,/.test(merged.get(name)!)) continue;
    // A command never called, refused or failed.
    if (rule === 'cmdstat' && /^calls=0,.*rejected_calls=0,failed_calls=0$/.test(merged.get(name)!)) continue;
    if (merged.get(name) === NOT_SHOWN) continue;
    out.push(`${name}:${merged.get(name)}`);
  }
  return out.join('\r\n');
}

/** Errorstats lines are each worker's own: every worker's codes, once each, sorted as Redis's, under the first part's header. */
function withEveryErrorCode(parts: readonly string[], lines: string[]): string[] {
  const header = lines.indexOf('# Errorstats');
  if (header < 0) return lines;
  const names = new Set<string>();
  for (const part of parts) for (const line of part.split('\r\n')) if (line.startsWith('errorstat_')) names.add(line.slice(0, line.indexOf(':')));
  const rest = lines.filter((line) => !line.startsWith('errorstat_'));
  rest.splice(header + 1, 0, ...[...names].sort().map((name) => `${name}:`));
  return rest;
}

function valuesOf(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line[0] !== '#') fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}

function mergeField(name: string, rule: Rule, values: readonly Map<string, string>[], merged: Map<string, string>): string {
  const all = values.map((v) => v.get(name)).filter((v): v is string => v !== undefined);
  if (typeof rule === 'object') {
    if ('ratio' in rule) return ratio(Number(merged.get(rule.ratio[0]) ?? 0), Number(merged.get(rule.ratio[1]) ?? 0));
    return bytesToHuman(Number(merged.get(rule.human) ?? 0));
  }
  switch (rule) {
    case 'distinct':
      return String(distinctCount(all));
    case 'sum':
      return String(all.reduce((sum, v) => sum + Number(v), 0));
    case 'seconds':
      return all.reduce((sum, v) => sum + Number(v), 0).toFixed(6);
    case 'max':
      return String(all.reduce((max, v) => Math.max(max, Number(v)), 0));
    case 'pairs':
    case 'keyspace':
    case 'cmdstat': {
      // avg_ttl is a mean: each worker's weighs by its keys with a TTL (expires).
      const sums = sumPairs(all, rule === 'keyspace' ? { avg_ttl: 'expires' } : {});
      const perCallNow = perCall(sums.get('usec') ?? 0, sums.get('calls') ?? 0);
      return [...sums].map(([k, v]) => `${k}=${rule === 'cmdstat' && k === 'usec_per_call' ? perCallNow : v}`).join(',');
    }
    case 'latency':
      return mergeLatencyFields(all) ?? NOT_SHOWN;
    default:
      return all[0] ?? '';
  }
}
