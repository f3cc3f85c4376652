import type { Args } from '@kv/wire';
import type { CommandSpec, ReplySink } from '@kv/node';

/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING: what an entry keeps of a command. */
const MAX_ARGS = 32;
const MAX_STRING = 128;

/** One slow command: Redis's six fields, and `at` (ms, sub-ms precision) to merge the workers' newest first. */
export type SlowEntry = [id: number, time: number, micros: number, args: string[], addr: string, name: string, at: number];

/** Where a command came from: its client's address and name. */
export interface SlowClient {
  readonly addr: string;
  readonly name: string;
}

/**
 * A worker's slow log (SLOWLOG): the commands that ran on it for slowlog-log-slower-than
 * microseconds or more, newest last, at most slowlog-max-len. A command is timed where it runs,
 * as Redis times its execution: its client's worker times what it runs at once (client/
 * dispatch.ts), the owner times a command a peer forwarded (ShardNode.runOne; the client is the
 * peer's, so the entry names that worker). SLOWLOG GET merges every worker's, newest first.
 */
export class SlowLog {
  /** Negative: none kept. */
  thresholdMicros = 10_000;
  private maxLen = 128;
  private readonly entries: SlowEntry[] = [];
  /** Entries ever made here: ids are count * 16 + worker, unique across the workers. */
  private count = 0;

  constructor(private readonly worker: number) {}

  setMaxLen(maxLen: number): void {
    this.maxLen = maxLen;
    if (this.entries.length > maxLen) this.entries.splice(0, this.entries.length - maxLen);
  }

  /** Keeps a command that took `micros` (args as Redis keeps them, passwords redacted by the table's `redact`). */
  add(spec: CommandSpec | undefined, args: Args, micros: number, client: SlowClient): void {
    if (this.maxLen === 0) return;
    const at = performance.timeOrigin + performance.now();
    this.entries.push([this.count++ * 16 + this.worker, Math.floor(at / 1000), Math.floor(micros), keptArgs(args, redacted(spec, args)), client.addr, client.name, at]);
    if (this.entries.length > this.maxLen) this.entries.shift();
  }

  /** SLOWLOGSTEP GET count (this worker's newest `count`, -1 all, as JSON) | LEN | RESET. */
  step(args: Args, reply: ReplySink): void {
    const op = args.latin1(1);
    if (op === 'len') return reply.integer(this.entries.length);
    if (op === 'reset') {
      this.entries.length = 0;
      return reply.ok();
    }
    const count = Number(args.latin1(2));
    const n = count < 0 ? this.entries.length : Math.min(count, this.entries.length);
    reply.bulk(JSON.stringify(this.entries.slice(this.entries.length - n)));
  }
}

/** The arguments shown as `(redacted)`, by the table's `redact` field: AUTH's all, HELLO's two after AUTH. */
export function redacted(spec: CommandSpec | undefined, args: Args): (i: number) => boolean {
  if (spec?.redact === 'args') return (i) => i > 0;
  if (spec?.redact === 'after-auth') {
    // Each AUTH option's username and password, as Redis's HELLO redacts them.
    const hidden = new Set<number>();
    for (let i = 2; i < args.count; i++) {
      // HELLO's AUTH option (a token of its arguments, as commands/connection.ts reads it).
      const option = args.length(i) === 4 ? args.latin1(i).toUpperCase() : '';
      if (option !== 'AUTH') continue;
      hidden.add(i + 1).add(i + 2);
      i += 2;
    }
    return (i) => hidden.has(i);
  }
  return () => false;
}

/** A command's arguments as a slow log entry keeps them (Redis 7.0's slowlogCreateEntry). */
export function keptArgs(args: Args, hidden: (i: number) => boolean): string[] {
  const argc = args.count;
  const kept = Math.min(argc, MAX_ARGS);
  const out: string[] = [];
  for (let i = 0; i < kept; i++) {
    if (kept !== argc && i === kept - 1) out.push(`... (${argc - kept + 1} more arguments)`);
    else if (hidden(i)) out.push('(redacted)');
    else {
      const length = args.length(i);
      const start = args.starts[i];
      out.push(length > MAX_STRING ? `${args.buf.latin1Slice(start, start + MAX_STRING)}... (${length - MAX_STRING} more bytes)` : args.latin1(i));
    }
  }
  return out;
}
