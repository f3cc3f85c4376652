import type { BurstRow, IdleRow, NewConnRow } from './acceptParts';
import type { BalanceRow } from './acceptBalance';
import type { BenchmarkRow } from './redisBenchmark';
import { decimal, integer } from './format';
import type { RunResult } from './run';
import * as os from 'node:os';

const cores = () => os.availableParallelism();

/** Everything one `--accept` run measured, by part; a server that could not run is named in `skipped`. */
export interface AcceptRun {
  workers: number;
  burst: BurstRow[];
  busy: BurstRow[];
  tls: BurstRow[];
  cold: RunResult[];
  tenK: RunResult[];
  idle: IdleRow[];
  balance: BalanceRow[];
  newconn: NewConnRow[];
  redisBenchmark: { server: string; rows: BenchmarkRow[] }[];
  skipped: string[];
  problems: string[];
  /** Which generator opened the bursts. */
  generator: string;
  loadAverage: { start: number; end: number };
  elapsedSeconds: number;
}

const ms = (v: number) => (Number.isFinite(v) ? decimal(v, 0) : 'n/a');
const usToMs = (v: number) => decimal(v / 1000, 1);
const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || !(b > 0) ? 'n/a' : `${decimal(a / b, 2)}x`);
const perWorker = (counts: number[] | null) => (counts === null ? '' : `${counts.join(' / ')} (${decimal(Math.max(...counts) / Math.max(1, Math.min(...counts)), 2)}x)`);

function table(head: string[], rows: string[][]): string[] {
  return [`| ${head.join(' | ')} |`, `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)];
}

function burstTable(rows: BurstRow[], seedSlowest: number | undefined): string[] {
  return table(
    ['server', 'opened in ms', 'first reply p50 ms', 'p99 ms', 'slowest ms', 'slowest / seed', 'over 250 ms', 'failed', 'listen overflows', 'busy clients: ops/s, p99 ms', 'clients per worker', 'CPU s: server, generator'],
    rows.map((r) => [
      r.label,
      ms(r.burst.openSpanMs),
      ms(r.burst.firstReplyMs.p50),
      ms(r.burst.firstReplyMs.p99),
      ms(r.burst.firstReplyMs.max),
      ratio(r.burst.firstReplyMs.max, seedSlowest),
      integer(r.burst.over250ms),
      integer(r.burst.failed),
      r.burst.listen === null ? 'n/a' : integer(r.burst.listen.overflows),
      r.busy === null ? '' : `${integer(r.busy.opsPerSecond)}, ${usToMs(r.busy.latencyUs.p99)}`,
      perWorker(r.perWorker),
      `${r.serverCpuSeconds === null ? 'n/a' : decimal(r.serverCpuSeconds, 2)}, ${r.burst.generatorCpuSeconds === undefined ? 'n/a' : decimal(r.burst.generatorCpuSeconds, 2)}`,
    ]),
  );
}

function loadTable(rows: RunResult[]): string[] {
  const seed = rows.find((r) => r.target.label.startsWith('seed'));
  return table(
    ['server', 'ops/s', 'ops/s / seed', 'server CPU µs/op', 'p99 ms', 'p99.9 ms', 'p99.9 / seed', 'slowest ms', 'slowest / seed', 'errors'],
    rows.map((r) => [
      r.target.label,
      integer(r.opsPerSecond),
      ratio(r.opsPerSecond, seed?.opsPerSecond),
      r.serverCpuUsPerOp === null ? 'n/a' : decimal(r.serverCpuUsPerOp, 1),
      usToMs(r.latencyUs.p99),
      usToMs(r.latencyUs.p999),
      ratio(r.latencyUs.p999, seed?.latencyUs.p999),
      usToMs(r.latencyUs.max),
      ratio(r.latencyUs.max, seed?.latencyUs.max),
      integer(r.errors.total),
    ]),
  );
}

type Verdict = [string, boolean | null, string];

/** The targets, each met / not met / n/a, from one run's figures. */
export function acceptTargets(run: AcceptRun): Verdict[] {
  const out: Verdict[] = [];
  const seedOf = (rows: BurstRow[]) => rows.find((r) => r.label.startsWith('seed'))?.burst.firstReplyMs.max;
  const kvRows = (rows: BurstRow[]) => rows.filter((r) => r.label.startsWith('kv'));
  const burstCheck = (name: string, rows: BurstRow[], seed: number | undefined) => {
    for (const r of kvRows(rows)) {
      const max = r.burst.firstReplyMs.max;
      const ok = r.burst.failed > 0 || r.burst.over250ms > 0 ? false : seed === undefined ? null : max <= 2 * seed;
      out.push([`${name}, ${r.label}: every first reply within 250 ms, slowest <= 2x the seed's`, ok, `slowest ${ms(max)} ms (seed ${seed === undefined ? 'n/a' : ms(seed)}), ${r.burst.over250ms} over 250 ms, ${r.burst.failed} failed`]);
      if (r.burst.listen !== null) out.push([`${name}, ${r.label}: no listen overflow`, r.burst.listen.overflows === 0, `${r.burst.listen.overflows} (TcpExtListenOverflows in this network namespace)`]);
    }
  };
  burstCheck('burst of 2,000 in 100 ms', run.burst, seedOf(run.burst));
  burstCheck('the same beside 1,000 busy clients', run.busy, seedOf(run.busy));
  burstCheck('TLS burst', run.tls.filter((r) => r.label.includes('ECDSA')), seedOf(run.burst));
  const load = (rows: RunResult[], kv: boolean) => rows.find((r) => r.target.label.startsWith(kv ? 'kv' : 'seed'));
  const [coldKv, coldSeed] = [load(run.cold, true), load(run.cold, false)];
  if (coldKv) out.push(["1,000 clients started at once: slowest reply <= 2x the seed's", coldSeed ? coldKv.latencyUs.max <= 2 * coldSeed.latencyUs.max : null, `${usToMs(coldKv.latencyUs.max)} ms against ${coldSeed ? usToMs(coldSeed.latencyUs.max) : 'n/a'} ms`]);
  const [tenKv, tenSeed] = [load(run.tenK, true), load(run.tenK, false)];
  if (tenKv) {
    out.push(["10,000 clients: ops/s >= 1.0x the seed's", tenSeed ? tenKv.opsPerSecond >= tenSeed.opsPerSecond : null, `${integer(tenKv.opsPerSecond)} against ${tenSeed ? integer(tenSeed.opsPerSecond) : 'n/a'}`]);
    out.push(["10,000 clients: p99.9 <= 1.2x the seed's", tenSeed ? tenKv.latencyUs.p999 <= 1.2 * tenSeed.latencyUs.p999 : null, `${usToMs(tenKv.latencyUs.p999)} ms against ${tenSeed ? usToMs(tenSeed.latencyUs.p999) : 'n/a'} ms`]);
  }
  const idle = run.idle.find((r) => r.label.startsWith('kv'));
  if (idle) {
    out.push(['RSS per idle connection <= 8 KB', idle.rssPerConnection <= 8192, `${decimal(idle.rssPerConnection / 1024, 1)} KB over ${integer(idle.idle)} idle`]);
    // No request answered is a failed measurement, not a p99 of 0.
    const measured = idle.busy.opsPerSecond > 0;
    out.push(["10,000 idle clients and one busy: the busy one's p99 < 5 ms", measured ? idle.busy.latencyUs.p99 < 5000 : null, `p99 ${integer(idle.busy.latencyUs.p99)} µs, p99.9 ${integer(idle.busy.latencyUs.p999)} µs, ${integer(idle.busy.opsPerSecond)} ops/s`]);
  }
  for (const b of run.balance) out.push([`workers within 1.5x of each other: ${b.case}`, b.ratio === null ? null : b.ratio <= 1.5, b.perWorker === null ? 'n/a' : perWorker(b.perWorker)]);
  return out;
}

export function formatAccept(run: AcceptRun): string {
  const lines: string[] = [];
  const seedBurst = run.burst.find((r) => r.label.startsWith('seed'))?.burst.firstReplyMs.max;
  const section = (title: string, body: string[]) => {
    if (body.length > 2) lines.push('', `### ${title}`, '', ...body);
  };
  section('A burst of 2,000 connections opened within 100 ms, each sending one GET once connected (first reply timed from its connect call)', burstTable(run.burst, seedBurst));
  section('The same beside 1,000 clients already busy (closed loop, 50% GET)', burstTable(run.busy, run.busy.find((r) => r.label.startsWith('seed'))?.burst.firstReplyMs.max));
  section("TLS bursts (kv, and redis-server with the same certificate; the ratio is to the seed's plain burst above)", burstTable(run.tls, seedBurst));
  for (const r of run.tls) {
    const generator = r.burst.generatorCpuSeconds;
    if (generator !== undefined && generator > 0) lines.push(`- ${r.label}: the generator's own handshakes took ${decimal(generator, 2)} CPU s; on ${cores()} cores shared with it, no server answers the slowest before ~${ms((generator / cores()) * 1000)} ms.`);
  }
  section('1,000 clients that connect at once and start at once, no warm-up (5 s)', loadTable(run.cold));
  section('10,000 clients, 10 s after 1 s of warm-up', loadTable(run.tenK));
  section(
    '10,000 idle clients: RSS per connection, and one busy client among them (5 s)',
    table(
      ['server', 'RSS per idle connection', 'busy client ops/s', 'p50 µs', 'p99 µs', 'p99.9 µs', 'slowest µs', 'idle clients per worker'],
      run.idle.map((r) => [r.idle === 10_000 ? r.label : `${r.label} (${integer(r.idle)} idle)`, `${decimal(r.rssPerConnection / 1024, 1)} KB`, integer(r.busy.opsPerSecond), integer(r.busy.latencyUs.p50), integer(r.busy.latencyUs.p99), integer(r.busy.latencyUs.p999), integer(r.busy.latencyUs.max), perWorker(r.perWorker)]),
    ),
  );
  section('Balance (kv, clients per worker from the admin endpoint)', table(['case', 'clients per worker', 'most / fewest'], run.balance.map((b) => [b.case, b.perWorker?.join(' / ') ?? 'n/a', b.ratio === null ? 'n/a' : `${decimal(b.ratio, 2)}x`])));
  const seedNew = run.newconn.find((r) => r.label.startsWith('seed'));
  section(
    'A new connection per request: 50 loops of connect, GET, reply, close (5 s)',
    table(
      ['server', 'requests/s', '/ seed', 'p50 ms', 'p99 ms', 'slowest ms', 'errors'],
      run.newconn.map((r) => [r.label, integer(r.perSecond), ratio(r.perSecond, seedNew?.perSecond), decimal(r.latency.p50, 2), decimal(r.latency.p99, 2), decimal(r.latency.max, 1), integer(r.errors)]),
    ),
  );
  section(
    'redis-benchmark -k 0 -c 50 -n 20000 -t set,get (a new connection per request)',
    table(
      ['server', 'test', 'requests/s', 'p50 ms', 'p99 ms'],
      run.redisBenchmark.flatMap((b) => b.rows.map((r) => [b.server, r.test, integer(r.rps), String(r.p50ms), String(r.p99ms)])),
    ),
  );
  lines.push('', '### Targets', '');
  for (const [name, ok, detail] of acceptTargets(run)) lines.push(`- ${ok === null ? 'n/a' : ok ? 'met' : 'NOT met'}: ${name} (${detail})`);
  for (const s of run.skipped) lines.push(`- skipped: ${s}`);
  for (const p of run.problems) lines.push(`- problem: ${p}`);
  lines.push('', `${run.generator}.`);
  lines.push('', `${decimal(run.elapsedSeconds, 0)} s; 1-minute load average ${decimal(run.loadAverage.start, 2)} at the start, ${decimal(run.loadAverage.end, 2)} at the end (other work on the machine competes for its cores).`);
  return lines.join('\n');
}
