import type { Args } from '@kv/wire';
import { integerArg } from '@kv/node';
import { REPLY_ERRORS } from '../reply-errors';
import { ClientTracking, workerOfClient } from '../tracking/client-tracking';
import type { ConnectionContext } from './context';

/**
 * CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO, as Redis 7.0's networking.c: the options
 * read and checked in Redis's order, then the client's state (its Session's `tracking`) set. The
 * owners of keys learn of it only through the commands it sends (owners.ts `reader`).
 */

/** CLIENT TRACKING ON|OFF [REDIRECT id] [BCAST] [PREFIX p ...] [OPTIN] [OPTOUT] [NOLOOP] */
export function clientTracking(conn: ConnectionContext, args: Args): void {
  let redirect = 0;
  let bcast = false, optin = false, optout = false, noloop = false;
  const prefixes: string[] = [];
  for (let j = 3; j < args.count; j++) {
    const option = args.latin1(j).toLowerCase();
    const more = j + 1 < args.count;
    if (option === 'redirect' && more) {
      j++;
      if (redirect !== 0) return conn.reply.error(REPLY_ERRORS.redirectTwice);
      const id = integerArg(args, j);
      if (id === undefined) return conn.reply.error(REPLY_ERRORS.notInteger);
      if (!clientMayExist(conn, id)) return conn.reply.error(REPLY_ERRORS.redirectMissing);
      redirect = id;
    } else if (option === 'bcast') bcast = true;
    else if (option === 'optin') optin = true;
    else if (option === 'optout') optout = true;
    else if (option === 'noloop') noloop = true;
    else if (option === 'prefix' && more) prefixes.push(args.latin1(++j));
    else return conn.reply.error(REPLY_ERRORS.syntax);
  }
  const mode = args.latin1(2).toLowerCase();
  const trackers = conn.trackers;
  if (mode === 'off') {
    if (conn.tracking !== null) trackers.stop(conn.id, conn.tracking);
    conn.tracking = null;
    return conn.reply.ok();
  }
  if (mode !== 'on') return conn.reply.error(REPLY_ERRORS.syntax);
  const now = conn.tracking;
  if (!bcast && prefixes.length > 0) return conn.reply.error(REPLY_ERRORS.prefixNeedsBcast);
  if (now !== null && now.bcast !== bcast) return conn.reply.error(REPLY_ERRORS.bcastSwitch);
  if (bcast && (optin || optout)) return conn.reply.error(REPLY_ERRORS.bcastOptions);
  if (optin && optout) return conn.reply.error(REPLY_ERRORS.optinOptout);
  if (now !== null && ((optin && now.optout) || (optout && now.optin))) return conn.reply.error(REPLY_ERRORS.optSwitch);
  const had = now?.prefixes ?? [];
  if (bcast) {
    const overlap = prefixOverlap(had, prefixes);
    if (overlap !== null) return conn.reply.error(overlap);
    // No PREFIX: every key (''), as Redis; prefixes add to those it had.
    if (prefixes.length === 0) prefixes.push('');
  }
  const added = prefixes.filter((p, i) => !had.includes(p) && prefixes.indexOf(p) === i);
  const tracking = new ClientTracking(conn.id, redirect, bcast, optin, optout, noloop, [...had, ...added].sort());
  // Its state changes in place for the owners (they know only its id); BCAST's new prefixes are announced.
  if (now !== null) trackers.stop(conn.id, null);
  conn.tracking = tracking;
  trackers.start(conn.id, tracking, added);
  conn.reply.ok();
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
 * Redis requires the redirect's client to exist now. One of this worker's is looked up; another
 * worker's is taken when its id names a worker that runs (a client gone there later is a broken
 * redirect, as one gone after the check is in Redis).
 */
function clientMayExist(conn: ConnectionContext, id: number): boolean {
  if (!(id >= 1)) return false;
  const worker = workerOfClient(id);
  if (worker === conn.trackers.self) return conn.trackers.hasClient(id);
  return worker < conn.env.workers;
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
