import { commandNamed, integerArg } from '@kv/node';
import { argsOf, ReplyMode, type Args } from '@kv/wire';
import { Combined } from '../coord/combine';
import { Gather, WorkerSteps } from '../coord/gather';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext } from './context';
import { subcommand } from './subcommand';
import { clientCaching, clientGetredir, clientTracking, clientTrackinginfo } from './client-tracking';
import { CLIENT_TYPES, clientKill, clientUnblock } from './client-kill';

/**
 * CLIENT ID / GETNAME / SETNAME / SETINFO / INFO / LIST, as Redis 7.2 (TRACKING, CACHING, GETREDIR,
 * TRACKINGINFO: client-tracking.ts). CLIENT LIST asks every
 * worker for its clients' lines (the internal CLIENTLIST, through a Gather), so it lists the
 * whole server's clients, worker by worker; client ids are unique across workers (Router).
 */

export const BAD_CLIENT_NAME = REPLY_ERRORS.badClientName;

const CLIENTLIST = commandNamed('CLIENTLIST');

/** Redis 7's arity of each subcommand we have (counting CLIENT and the subcommand). */
const ARITY: Readonly<Record<string, number>> = { ID: 2, GETNAME: 2, SETNAME: 3, SETINFO: 4, INFO: 2, LIST: -2, KILL: -3, UNBLOCK: -3, REPLY: 3, TRACKING: -3, CACHING: 3, GETREDIR: 2, TRACKINGINFO: 2 };

export function client(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'CLIENT', ARITY);
  switch (sub) {
    case 'ID':
      return conn.reply.integer(conn.id);
    case 'GETNAME':
      return conn.name === '' ? conn.reply.nil() : conn.reply.bulk(conn.name);
    case 'SETNAME':
      return setClientName(conn, args.latin1(2)) ? conn.reply.ok() : conn.reply.error(BAD_CLIENT_NAME);
    case 'SETINFO':
      return setInfo(conn, args.latin1(2), args.latin1(3));
    case 'INFO':
      return conn.reply.verbatim(clientLine(conn) + '\n');
    case 'LIST':
      return list(conn, args);
    case 'KILL':
      return clientKill(conn, args);
    case 'REPLY':
      return clientReply(conn, args);
    case 'UNBLOCK':
      // Redis's own check past the subcommand's arity (-3): at most a reason after the id.
      return args.count > 4 ? conn.reply.error(REPLY_ERRORS.subcommandSyntax(args.latin1(1), 'CLIENT')) : clientUnblock(conn, args);
    case 'TRACKING':
      return clientTracking(conn, args);
    case 'CACHING':
      return clientCaching(conn, args);
    case 'GETREDIR':
      return clientGetredir(conn);
    case 'TRACKINGINFO':
      return clientTrackinginfo(conn);
  }
}

/** CLIENT REPLY ON | OFF | SKIP, as Redis: OFF and SKIP answer nothing; ON answers OK even after them. */
function clientReply(conn: ConnectionContext, args: Args): void {
  switch (args.latin1(2).toUpperCase()) {
    case 'ON':
      conn.replyOff = conn.skipNext = false;
      conn.reply.replies = conn.resp;
      return conn.reply.ok();
    case 'OFF':
      conn.replyOff = true;
      return;
    case 'SKIP':
      if (!conn.replyOff) conn.skipNext = true;
      return;
    default:
      return conn.reply.error(REPLY_ERRORS.syntax);
  }
}

/**
 * Redis's one rule for HELLO SETNAME and CLIENT SETNAME: every byte in '!'..'~'; the empty name is
 * allowed and clears the name. False (the name unchanged) when refused.
 */
export function setClientName(conn: ConnectionContext, name: string): boolean {
  if (!validClientAttr(name)) return false;
  conn.name = name;
  return true;
}

/** Redis's validateClientAttr: a name, LIB-NAME or LIB-VER must split CLIENT LIST by spaces. */
export function validClientAttr(value: string): boolean {
  return !/[^\x21-\x7e]/.test(value);
}

/** CLIENT SETINFO LIB-NAME|LIB-VER value (Redis 7.2): the same characters as a name; '' clears it. */
function setInfo(conn: ConnectionContext, attribute: string, value: string): void {
  const which = attribute.toLowerCase();
  if (which !== 'lib-name' && which !== 'lib-ver') return conn.reply.error(REPLY_ERRORS.unrecognizedOption(attribute));
  if (!validClientAttr(value)) return conn.reply.error(REPLY_ERRORS.badClientAttr(attribute));
  if (which === 'lib-name') conn.info.libName = value;
  else conn.info.libVer = value;
  conn.reply.ok();
}

/** CLIENT LIST [TYPE type] | CLIENT LIST ID id [id ...]: the clients' lines, of every worker. */
function list(conn: ConnectionContext, args: Args): void {
  // The step's arguments: a type ('': any), then ids.
  const filter: string[] = [''];
  if (args.count === 4 && args.latin1(2).toUpperCase() === 'TYPE') {
    const type = args.latin1(3).toLowerCase();
    if (!CLIENT_TYPES.has(type)) return conn.reply.error(REPLY_ERRORS.unknownClientType(args.latin1(3)));
    filter[0] = type;
  } else if (args.count > 3 && args.latin1(2).toUpperCase() === 'ID') {
    for (let i = 3; i < args.count; i++) {
      if (integerArg(args, i) === undefined) return conn.reply.error(REPLY_ERRORS.invalidClientId);
      filter.push(args.latin1(i));
    }
  } else if (args.count !== 2) {
    return conn.reply.error(REPLY_ERRORS.syntax);
  }
  const workers = conn.env.workers;
  const plans = conn.plans;
  plans.start(new Gather(conn.env.owners, plans, plans.txid, new WorkerSteps(CLIENTLIST, argsOf([CLIENTLIST.name, ...filter]), workers), new Combined('lines', workers)));
}

/** CLIENT LIST's lines for a worker's clients, in the order they connected: all, those of the ids given, or those of a type ('': any). */
export function listClients(clients: Iterable<{ readonly session: ListedClient }>, ids: readonly number[] | null, type: string): string {
  let text = '';
  for (const { session } of clients) if ((ids === null || ids.includes(session.id)) && ofType(session, type)) text += clientLine(session) + '\n';
  return text;
}

/** Redis's getClientType: `pubsub` while subscribed to anything, else `normal` (masters and replicas there are none); '' is any. */
export function ofType(c: Pick<ListedClient, 'subs'>, type: string): boolean {
  if (type === '') return true;
  return c.subs.active > 0 ? type === 'pubsub' : type === 'normal';
}

/** What a client's CLIENT LIST line is made of (Conn has it all). */
export interface ListedClient {
  readonly id: number;
  readonly name: string;
  readonly info: ConnectionContext['info'];
  readonly socket: ConnectionContext['socket'];
  readonly started: number;
  readonly resp: ConnectionContext['resp'];
  readonly subs: ConnectionContext['subs'];
  readonly tracking: ConnectionContext['tracking'];
}

/**
 * One client as Redis 7.2's CLIENT LIST and CLIENT INFO show it, field for field. What this
 * server does not keep per client reads as Redis's idle value: no MULTI, no
 * query or output buffer of its own (the output a socket holds unsent is `omem`).
 */
export function clientLine(c: ListedClient): string {
  const now = Date.now();
  const age = Math.floor((now - c.info.connectedAt) / 1000);
  const idle = c.started === 0 ? age : Math.floor((performance.now() - c.started) / 1000);
  const spec = c.info.command;
  const cmd = spec === undefined ? 'NULL' : c.info.subcommand === '' ? spec.name.toLowerCase() : `${spec.name.toLowerCase()}|${c.info.subcommand}`;
  const s = c.socket;
  const fd = (s as { _handle?: { fd?: number } })._handle?.fd ?? -1;
  const { channels, patterns, shardChannels, active } = c.subs;
  return (
    `id=${c.id} addr=${address(s.remoteAddress, s.remotePort)} laddr=${address(s.localAddress, s.localPort)} fd=${fd} name=${c.name} ` +
    `age=${age} idle=${idle} flags=${flagsOf(active > 0, c.tracking)} db=0 sub=${channels?.size ?? 0} psub=${patterns?.size ?? 0} ssub=${shardChannels?.size ?? 0} multi=-1 qbuf=0 qbuf-free=0 argv-mem=0 multi-mem=0 rbs=0 rbp=0 ` +
    `obl=0 oll=0 omem=${s.writableLength} tot-mem=0 events=r cmd=${cmd} user=default redir=${c.tracking?.redirect ?? -1} resp=${c.resp.mode === ReplyMode.RESP3 ? 3 : 2} ` +
    `lib-name=${c.info.libName} lib-ver=${c.info.libVer}`
  );
}

/** Redis's flags letters this server has, in its order: P subscribed, t tracking, R broken redirect, B broadcasting; N none. */
function flagsOf(subscribed: boolean, tracking: ListedClient['tracking']): string {
  let flags = subscribed ? 'P' : '';
  if (tracking !== null) flags += `t${tracking.brokenRedirect ? 'R' : ''}${tracking.bcast ? 'B' : ''}`;
  return flags === '' ? 'N' : flags;
}

/** ip:port, an IPv6 address in brackets (as Redis's anetFormatAddr). */
export function address(ip: string | undefined, port: number | undefined): string {
  if (ip === undefined) return '?:0';
  return ip.includes(':') ? `[${ip}]:${port ?? 0}` : `${ip}:${port ?? 0}`;
}
