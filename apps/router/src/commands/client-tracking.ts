import { copyArgs, type Args } from '@kv/wire';
import { integerArg, type ReplySink } from '@kv/node';
import { REPLY_ERRORS } from '../reply-errors';
import { ClientTracking, workerOfClient } from '../tracking/client-tracking';
import type { ConnectionContext } from './context';
import { RedirectCheck } from './redirect-check';

/**
 * CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO, as Redis 7.0's networking.c: the options
 * read and checked in Redis's order, then the client's state (its Session's `tracking`) set. The
 * owners of keys learn of it only through the commands it sends (owners.ts `reader`).
 */

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP] */
export function clientTracking(conn: ConnectionContext, args: Args, reply: ReplySink = conn.reply, checked = 0): void {
  let redirect = 0;
  let bcast = false, optin = false, optout = false, noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < args.count; j++) {
    const option = args.latin1(j).toLowerCase();
    const more = j + 1 < args.count;
    if (option === 'redirect' && more) {
      j++;
      if (redirect !== 0) return reply.error(REPLY_ERRORS.redirectTwice);
      const id = integerArg(args, j);
      if (id === undefined) return reply.error(REPLY_ERRORS.notInteger);
      if (id !== checked) {
        const elsewhere = redirectElsewhere(conn, id);
        if (elsewhere < 0) return reply.error(REPLY_ERRORS.redirectMissing);
        // Another worker's client: that worker is asked, and the command finishes once it answers (its args copied: they outlive this call).
        if (elsewhere !== conn.trackers.self) return conn.plans.start(new RedirectCheck(conn.env.owners, conn.plans, conn.plans.txid, elsewhere, id, finishAfterCheck(conn, args, id)));
      }
      redirect = id;
    } else if (option === 'bcast') bcast = true;
    else if (option === 'optin') optin = true;
    else if (option === 'optout') optout = true;
    else if (option === 'noloop') noloop = true;
    else if (option === 'prefix' && more) prefixes.push(args.latin1(++j));
    else return reply.error(REPLY_ERRORS.syntax);
  }
  const mode = args.latin1(2).toLowerCase();
  const trackers = conn.trackers;
  if (mode === 'off') {
    if (conn.tracking !== null) trackers.stop(conn.id, conn.tracking);
    conn.tracking = null;
    return reply.ok();
  }
  if (mode !== 'on') return reply.error(REPLY_ERRORS.syntax);
  const now = conn.tracking;
  if (!bcast && prefixes.length > 0) return reply.error(REPLY_ERRORS.prefixNeedsBcast);
  if (now !== null && now.bcast !== bcast) return reply.error(REPLY_ERRORS.bcastSwitch);
  if (bcast && (optin || optout)) return reply.error(REPLY_ERRORS.bcastOptions);
  if (optin && optout) return reply.error(REPLY_ERRORS.optinOptout);
  if (now !== null && ((optin && now.optout) || (optout && now.optin))) return reply.error(REPLY_ERRORS.optSwitch);
  const had = now?.prefixes ?? [];
  if (bcast) {
    const overlap = prefixOverlap(had, prefixes);
    if (overlap !== null) return reply.error(overlap);
    // No PREFIX: every key (''), as Redis; prefixes add to those it had.
    if (prefixes.length === 0) prefixes.push('');
  }
  const added = prefixes.filter((p, i) => !had.includes(p) && prefixes.indexOf(p) === i);
  const tracking = new ClientTracking(conn.id, redirect, bcast, optin, optout, noloop, [...had, ...added].sort());
  // Its state changes in place for the owners (they know only its id); BCAST's new prefixes are announced.
  if (now !== null) trackers.stop(conn.id, null);
  conn.tracking = tracking;
  trackers.start(conn.id, tracking, added);
  reply.ok();
}

/** Redis's checkPrefixCollisionsOrReply: a client's prefixes must not be prefixes of each other (its own and those given). */
function prefixOverlap(had: readonly string[], given: readonly string[]): string | null {
  for (let i = 0; i < given.length; i++) {
    const existing = had.find((p) => p.startsWith(given[i]) || given[i].startsWith(p));
    if (existing !== undefined) return REPLY_ERRORS.prefixOverlapsExisting(given[i], existing);
    for (let j = i + 1; j < given.length; j++) {
      if (given[j].startsWith(given[i]) || given[i].startsWith(given[j])) return REPLY_ERRORS.prefixOverlapsGiven(given[i], given[j]);
    }
  }
  return null;
}

/**
 * Redis requires the redirect's client to exist now: -1 when it cannot (no such worker, or this
 * worker has no such client), else the worker whose client it would be (another is asked:
 * RedirectCheck).
 */
function redirectElsewhere(conn: ConnectionContext, id: number): number {
  if (!(id >= 1)) return -1;
  const worker = workerOfClient(id);
  if (worker === conn.trackers.self) return conn.trackers.hasClient(id) ? worker : -1;
  return worker < conn.env.workers ? worker : -1;
}

/** The rest of CLIENT TRACKING once the redirect's worker said its client lives (not for a client that closed meanwhile). */
function finishAfterCheck(conn: ConnectionContext, args: Args, id: number): (reply: ReplySink) => void {
  const copy = copyArgs(args);
  return (reply) => {
    if (conn.trackers.hasClient(conn.id)) clientTracking(conn, copy, reply, id);
    else reply.ok();
  };
}

/** CLIENT CACHING YES|NO: for the next command (OPTIN: track it; OPTOUT: do not). */
export function clientCaching(conn: ConnectionContext, args: Args): void {
  const tracking = conn.tracking;
  if (tracking === null) return conn.reply.error(REPLY_ERRORS.cachingNotTracking);
  const word = args.latin1(2).toLowerCase();
  if (word === 'yes') {
    if (!tracking.optin) return conn.reply.error(REPLY_ERRORS.cachingYes);
  } else if (word === 'no') {
    if (!tracking.optout) return conn.reply.error(REPLY_ERRORS.cachingNo);
  } else return conn.reply.error(REPLY_ERRORS.syntax);
  tracking.caching = true;
  conn.reply.ok();
}

/** CLIENT GETREDIR: the redirect's id, 0 for none, -1 when not tracking. */
export function clientGetredir(conn: ConnectionContext): void {
  conn.reply.integer(conn.tracking === null ? -1 : conn.tracking.redirect);
}

/** CLIENT TRACKINGINFO: flags (a set), redirect, prefixes. */
export function clientTrackinginfo(conn: ConnectionContext): void {
  const tracking = conn.tracking;
  const resp = conn.reply.replies;
  const out = conn.reply.target();
  const flags = tracking === null ? ['off'] : tracking.flags();
  resp.mapHeader(out, 3);
  resp.bulk(out, 'flags');
  resp.setHeader(out, flags.length);
  for (const flag of flags) resp.bulk(out, flag);
  resp.bulk(out, 'redirect');
  resp.integer(out, tracking === null ? -1 : tracking.redirect);
  resp.bulk(out, 'prefixes');
  const prefixes = tracking?.prefixes ?? [];
  resp.arrayHeader(out, prefixes.length);
  for (const prefix of prefixes) resp.bulk(out, prefix);
}
