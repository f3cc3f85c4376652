import { commandNamed } from '@kv/node';
import { argsOf, RESP_REPLIES, type Args } from '@kv/wire';
import { Combined, type Combine } from '../coord/combine';
import { Gather, WorkerSteps } from '../coord/gather';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext, ConnectionHandlers } from './context';
import { subcommand } from './subcommand';

/**
 * Redis's pubsub group: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, SSUBSCRIBE, SUNSUBSCRIBE
 * (a connection's subscriptions, kept by its worker: pubsub/hub.ts) and PUBSUB (every worker's
 * answer made one, through the internal PUBSUBSTEP). Each (un)subscription is confirmed by a
 * message [kind, channel, count]: a push in RESP3, an array in RESP2, as Redis's. PUBLISH and
 * SPUBLISH are plain every-worker commands of the table.
 */
export const PUBSUB_COMMANDS: ConnectionHandlers = new Map([
  ['SUBSCRIBE', (conn, args) => subscribe(conn, args, false)],
  ['SSUBSCRIBE', (conn, args) => subscribe(conn, args, true)],
  ['UNSUBSCRIBE', (conn, args) => unsubscribe(conn, args, false)],
  ['SUNSUBSCRIBE', (conn, args) => unsubscribe(conn, args, true)],
  ['PSUBSCRIBE', psubscribe],
  ['PUNSUBSCRIBE', punsubscribe],
  ['PUBSUB', pubsub],
]);

const PUBSUBSTEP = commandNamed('PUBSUBSTEP');

/** One (un)subscription's confirmation: [kind, channel or nil, count]. */
function confirm(conn: ConnectionContext, kind: string, channel: string | undefined, count: number): void {
  const reply = conn.reply;
  reply.pushHeader(3);
  reply.bulk(kind);
  if (channel === undefined) reply.nil();
  else reply.bulk(channel);
  reply.integer(count);
}

function subscribe(conn: ConnectionContext, args: Args, shard: boolean): void {
  const subs = conn.subs;
  for (let i = 1; i < args.count; i++) {
    const channel = args.latin1(i);
    conn.pubsub.subscribe(subs, channel, shard);
    confirm(conn, shard ? 'ssubscribe' : 'subscribe', channel, shard ? subs.shardCount : subs.count);
  }
}

/** UNSUBSCRIBE [channel ...]: those given (subscribed or not), or every one; none at all still answers once, with nil. */
function unsubscribe(conn: ConnectionContext, args: Args, shard: boolean): void {
  const subs = conn.subs;
  const kind = shard ? 'sunsubscribe' : 'unsubscribe';
  const mine = shard ? subs.shardChannels : subs.channels;
  const channels = args.count > 1 ? Array.from({ length: args.count - 1 }, (_, i) => args.latin1(i + 1)) : [...(mine ?? [])];
  if (channels.length === 0) return confirm(conn, kind, undefined, shard ? subs.shardCount : subs.count);
  for (const channel of channels) {
    conn.pubsub.unsubscribe(subs, channel, shard);
    confirm(conn, kind, channel, shard ? subs.shardCount : subs.count);
  }
}

function psubscribe(conn: ConnectionContext, args: Args): void {
  const subs = conn.subs;
  for (let i = 1; i < args.count; i++) {
    const pattern = args.latin1(i);
    conn.pubsub.psubscribe(subs, pattern);
    confirm(conn, 'psubscribe', pattern, subs.count);
  }
}

function punsubscribe(conn: ConnectionContext, args: Args): void {
  const subs = conn.subs;
  const patterns = args.count > 1 ? Array.from({ length: args.count - 1 }, (_, i) => args.latin1(i + 1)) : [...(subs.patterns ?? [])];
  if (patterns.length === 0) return confirm(conn, 'punsubscribe', undefined, subs.count);
  for (const pattern of patterns) {
    conn.pubsub.punsubscribe(subs, pattern);
    confirm(conn, 'punsubscribe', pattern, subs.count);
  }
}

/** Redis 7's arity of each PUBSUB subcommand (counting PUBSUB and the subcommand). */
const ARITY: Readonly<Record<string, number>> = { CHANNELS: -2, NUMSUB: -2, NUMPAT: 2, SHARDCHANNELS: -2, SHARDNUMSUB: -2, HELP: 2 };
/** How the workers' steps are made one reply. */
const COMBINE: Readonly<Record<string, Combine>> = { CHANNELS: 'union', SHARDCHANNELS: 'union', NUMSUB: 'pair-sums', SHARDNUMSUB: 'pair-sums', NUMPAT: 'union-count' };

const HELP = [
  'PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CHANNELS [<pattern>]',
  "    Return the currently active channels matching a <pattern> (default: '*').",
  'NUMPAT',
  '    Return number of subscriptions to patterns.',
  'NUMSUB [<channel> ...]',
  '    Return the number of subscribers for the specified channels, excluding',
  '    pattern subscriptions(default: no channels).',
  'SHARDCHANNELS [<pattern>]',
  "    Return the currently active shard level channels matching a <pattern> (default: '*').",
  'SHARDNUMSUB [<shardchannel> ...]',
  '    Return the number of subscribers for the specified shard level channel(s)',
  'HELP',
  '    Prints this help.',
];

/**
 * PUBSUB CHANNELS / SHARDCHANNELS [pattern] (channels with a subscriber on any worker, each
 * once), NUMSUB / SHARDNUMSUB [channel ...] (subscribers over every worker), NUMPAT (patterns
 * subscribed to anywhere, each once), HELP.
 */
function pubsub(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'PUBSUB', ARITY);
  if (sub === undefined) return;
  if (sub === 'HELP') {
    conn.reply.arrayHeader(HELP.length);
    for (const line of HELP) conn.reply.status(line);
    return;
  }
  if ((sub === 'CHANNELS' || sub === 'SHARDCHANNELS') && args.count > 3) return conn.reply.error(REPLY_ERRORS.subcommandSyntax(args.latin1(1), 'PUBSUB'));
  const parts = [PUBSUBSTEP.name, sub];
  for (let i = 2; i < args.count; i++) parts.push(args.latin1(i));
  const workers = conn.env.workers;
  const plans = conn.plans;
  plans.start(new Gather(conn.env.owners, plans, plans.txid, new WorkerSteps(PUBSUBSTEP, argsOf(parts), workers), new Combined(COMBINE[sub], workers)));
}

/** PING's reply on a RESP2 connection in subscribed mode: [pong, message or ''], as Redis's. */
export function subscribedPing(conn: ConnectionContext, args: Args): boolean {
  if (conn.subs.active === 0 || conn.resp !== RESP_REPLIES) return false;
  conn.reply.arrayHeader(2);
  conn.reply.bulk('pong');
  conn.reply.bulk(args.count === 2 ? args.latin1(1) : '');
  return true;
}
