import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import type { Endpoint } from './cli';
import { readListenCounters, type ListenCounters } from './netstat';
import type { Protocol } from './replyScanner';

/** A burst: `count` connections opened evenly over `spreadMs`, each sending one GET the moment it is connected. */
export interface BurstSpec {
  count: number;
  spreadMs: number;
  proto: Protocol;
  /** A connection with no reply by then counts as failed. */
  timeoutMs: number;
  /** Over TLS: every connection resumes one session (Go generator only: a reconnect storm). */
  resume?: boolean;
  /** Key prefix, so that bursts of one run do not read each other's keys. */
  tag: string;
}

/** Milliseconds: slowest, percentiles and mean over the connections that were answered. */
export interface MsSummary {
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

export interface BurstResult {
  spec: BurstSpec;
  answered: number;
  failed: number;
  /** The first few failures, described. */
  failures: string[];
  /** From the first connect call to the last: how long opening the burst took this generator. */
  openSpanMs: number;
  /** From each connect call to its connection being usable (TLS: handshake done). */
  connectMs: MsSummary;
  /** From each connect call to its first reply: what the burst target bounds. */
  firstReplyMs: MsSummary;
  /** Answered later than 250 ms after their connect call. */
  over250ms: number;
  /** The kernel's counters over the burst (this network namespace), null where /proc/net/netstat is unreadable. */
  listen: ListenCounters | null;
  /** The open sockets, for the caller to inspect (which worker) and then close. */
  sockets: net.Socket[];
}

export function summarize(values: number[]): MsSummary {
  if (values.length === 0) return { p50: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

function request(proto: Protocol, key: string): Buffer {
  if (proto === 'text') return Buffer.from(`GET ${key}\n`, 'latin1');
  return Buffer.from(`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`, 'latin1');
}

/**
 * Opens the burst and waits until every connection has its first reply or has failed. The
 * replies are not checked beyond being one line (a GET of a key nobody wrote: NOTFOUND or a nil).
 */
export async function runBurst(endpoint: Endpoint, spec: BurstSpec): Promise<BurstResult> {
  const sockets: net.Socket[] = [];
  const connectMs: number[] = [];
  const replyMs: number[] = [];
  const failures: string[] = [];
  let failed = 0;
  let settled = 0;
  let firstCall = 0;
  let lastCall = 0;
  const before = readListenCounters();

  const done = new Promise<void>((resolve) => {
    const finish = () => {
      if (++settled === spec.count) resolve();
    };
    const open = (i: number) => {
      const calledAt = performance.now();
      if (i === 0) firstCall = calledAt;
      lastCall = calledAt;
      const socket = endpoint.ca === undefined ? net.connect({ host: endpoint.host, port: endpoint.port }) : tls.connect({ host: endpoint.host, port: endpoint.port, ca: endpoint.ca });
      sockets.push(socket);
      let answered = false;
      let over = false;
      const fail = (why: string) => {
        if (over) return;
        over = true;
        failed++;
        if (failures.length < 5) failures.push(why);
        finish();
      };
      const timer = setTimeout(() => fail(`no reply within ${spec.timeoutMs} ms`), spec.timeoutMs);
      socket.on('error', (err) => fail(err.message));
      socket.on('close', () => {
        if (!answered) fail('closed before its first reply');
      });
      socket.once(endpoint.ca === undefined ? 'connect' : 'secureConnect', () => {
        socket.setNoDelay(true);
        connectMs.push(performance.now() - calledAt);
        socket.write(request(spec.proto, `${spec.tag}:${i}`));
      });
      socket.on('data', (chunk: Buffer) => {
        if (answered || over) return;
        if (chunk.indexOf(0x0a) < 0) return;
        answered = true;
        over = true;
        clearTimeout(timer);
        replyMs.push(performance.now() - calledAt);
        finish();
      });
    };
    // Open each connection when its time comes: `count` spread evenly over `spreadMs`.
    const start = performance.now();
    let next = 0;
    const tick = () => {
      const due = Math.min(spec.count, Math.floor(((performance.now() - start) / spec.spreadMs) * spec.count) + 1);
      while (next < due) open(next++);
      if (next < spec.count) setTimeout(tick, 1);
    };
    tick();
  });
  await done;
  const after = readListenCounters();
  const reply = summarize(replyMs);
  return {
    spec,
    answered: replyMs.length,
    failed,
    failures,
    openSpanMs: lastCall - firstCall,
    connectMs: summarize(connectMs),
    firstReplyMs: reply,
    over250ms: replyMs.filter((ms) => ms > 250).length,
    listen: before === null || after === null ? null : { overflows: after.overflows - before.overflows, drops: after.drops - before.drops },
    sockets,
  };
}
