import type { CommandSpec } from '@kv/node';
import type { Args } from '@kv/wire';
import { redacted } from '../operator/slowlog';

/**
 * A MONITOR line as Redis 7.0's replicationFeedMonitors makes it: a status reply
 * `+<seconds>.<micros> [0 <addr>] "arg" "arg"...\r\n`, each argument quoted by sdscatrepr, the
 * passwords of AUTH and HELLO shown as "(redacted)" (the table's `redact`, as SLOWLOG).
 */
export function monitorLine(spec: CommandSpec, args: Args, addr: string): string {
  // `addr` is the client's ip:port, or `lua` for a script's call.
  const now = performance.timeOrigin + performance.now();
  const seconds = Math.floor(now / 1000);
  const micros = Math.floor((now - seconds * 1000) * 1000);
  let line = `+${seconds}.${String(Math.min(micros, 999_999)).padStart(6, '0')} [0 ${addr}]`;
  const hidden = spec.redact === undefined ? null : redacted(spec, args);
  for (let i = 0; i < args.count; i++) line += hidden !== null && hidden(i) ? ' "(redacted)"' : ` ${quoted(args.buf, args.starts[i], args.ends[i])}`;
  return line + '\r\n';
}

/** The table's `monitor`: Redis's admin commands and subcommands are not shown (an unknown subcommand neither: Redis refuses it before it runs). */
export function shownToMonitors(spec: CommandSpec, args: Args): boolean {
  const shows = spec.monitor;
  if (shows === undefined) return true;
  if (shows === 'hidden' || args.count < 2) return false;
  return shows.includes(args.latin1(1).toUpperCase());
}

/** Redis's sdscatrepr: `"..."` with \\ \" \n \r \t \a \b escaped, printable ASCII as is, other bytes `\xhh`. */
export function quoted(buf: Uint8Array, start: number, end: number): string {
  let out = '"';
  for (let i = start; i < end; i++) {
    const c = buf[i];
    switch (c) {
      case 0x5c:
        out += '\\\\';
        break;
      case 0x22:
        out += '\\"';
        break;
      case 0x0a:
        out += '\\n';
        break;
      case 0x0d:
        out += '\\r';
        break;
      case 0x09:
        out += '\\t';
        break;
      case 0x07:
        out += '\\a';
        break;
      case 0x08:
        out += '\\b';
        break;
      default:
        out += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, '0')}`;
    }
  }
  return out + '"';
}
