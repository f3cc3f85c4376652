import { errorTexts, replyErrors } from '@kv/wire';
import { ERR } from '@kv/node';
import { MAX_LINK_BYTES, MAX_LINK_OWED } from './links/bounds';

/**
 * Every error reply the router gives (client connections, connection commands, plans over several
 * owners, scripts, links): Redis's exact text where Redis has the error, a code of ours, and how
 * redis-server is made to give it (test/reply-errors.test.ts checks each probe against
 * redis-server and this server). The data side's are @kv/node's NODE_ERRORS; syntax, integer
 * and arity errors come from there.
 */
export const ROUTER_ERRORS = replyErrors({
  noauth: { code: 'NOAUTH', text: 'NOAUTH Authentication required.', why: 'needs a password: e2e-auth compares it' },
  unknownCommand: {
    code: 'UNKNOWN_COMMAND',
    text: (name: string, ...args: string[]) => {
      let text = `ERR unknown command '${name.slice(0, 128)}', with args beginning with: `;
      for (let i = 0; i < args.length && text.length < 256; i++) text += `'${args[i].slice(0, 128)}' `;
      return text;
    },
    probe: { command: ['NOSUCH', 'a', 'b'], args: ['NOSUCH', 'a', 'b'] },
  },
  unknownSubcommand: {
    code: 'UNKNOWN_SUBCOMMAND',
    text: (given: string, container: string) => `ERR unknown subcommand '${given.slice(0, 128)}'. Try ${container} HELP.`,
    probe: { command: ['CLIENT', 'NOSUCH'], args: ['NOSUCH', 'CLIENT'] },
  },
  subcommandArity: {
    code: 'SUBCOMMAND_ARITY',
    text: (container: string, sub: string) => `ERR wrong number of arguments for '${container.toLowerCase()}|${sub.toLowerCase()}' command`,
    probe: { command: ['CLIENT', 'GETNAME', 'x'], args: ['CLIENT', 'GETNAME'] },
  },
  queueFull: { code: 'QUEUE_FULL', text: 'ERR MULTI queue is over the client query buffer limit; EXEC will abort', why: 'this server bounds the queue by the client query buffer limit; Redis does not' },
  execAbort: { code: 'EXECABORT', text: 'EXECABORT Transaction discarded because of previous errors.', probe: { before: [['MULTI'], ['GET']], command: ['EXEC'] } },
  execAbortBecause: {
    code: 'EXECABORT_BECAUSE',
    text: (message: string) => `EXECABORT Transaction discarded because of: ${message.replace(/^ERR /, '')}`,
    probe: { before: [['MULTI']], command: ['EXEC', 'x'], args: ["ERR wrong number of arguments for 'exec' command"] },
  },
  nestedMulti: { code: 'NESTED_MULTI', text: 'ERR MULTI calls can not be nested', probe: { before: [['MULTI']], command: ['MULTI'] } },
  execWithoutMulti: { code: 'EXEC_WITHOUT_MULTI', text: 'ERR EXEC without MULTI', probe: { command: ['EXEC'] } },
  discardWithoutMulti: { code: 'DISCARD_WITHOUT_MULTI', text: 'ERR DISCARD without MULTI', probe: { command: ['DISCARD'] } },
  watchInMulti: { code: 'WATCH_IN_MULTI', text: 'ERR WATCH inside MULTI is not allowed', probe: { before: [['MULTI']], command: ['WATCH', 'k'] } },
  wrongPass: { code: 'WRONGPASS', text: 'WRONGPASS invalid username-password pair or user is disabled.', probe: { command: ['AUTH', 'nobody', 'x'] } },
  noPassword: {
    code: 'NO_PASSWORD',
    text: 'ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?',
    probe: { command: ['AUTH', 'x'] },
  },
  helloNoauth: {
    code: 'HELLO_NOAUTH',
    text: 'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    why: 'needs a password: e2e-auth compares it',
  },
  protoNotInteger: { code: 'PROTO_NOT_INTEGER', text: 'ERR Protocol version is not an integer or out of range', probe: { command: ['HELLO', 'x'] } },
  noProto: { code: 'NOPROTO', text: 'NOPROTO unsupported protocol version', probe: { command: ['HELLO', '4'] } },
  helloOption: { code: 'HELLO_OPTION', text: (option: string) => `ERR Syntax error in HELLO option '${option}'`, probe: { command: ['HELLO', '2', 'NOSUCH'], args: ['NOSUCH'] } },
  badClientName: { code: 'BAD_CLIENT_NAME', text: 'ERR Client names cannot contain spaces, newlines or special characters.', probe: { command: ['CLIENT', 'SETNAME', 'a b'] } },
  // CLIENT SETINFO is Redis 7.2's (the texts of its networking.c); redis-server 7.0, the one tests run, lacks it.
  unrecognizedOption: { code: 'UNRECOGNIZED_OPTION', text: (option: string) => `ERR Unrecognized option '${option}'`, why: "CLIENT SETINFO's: Redis 7.2, not the 7.0 tests run" },
  badClientAttr: {
    code: 'BAD_CLIENT_ATTR',
    text: (attribute: string) => `ERR ${attribute} cannot contain spaces, newlines or special characters.`,
    why: "CLIENT SETINFO's: Redis 7.2, not the 7.0 tests run",
  },
  unknownClientType: { code: 'UNKNOWN_CLIENT_TYPE', text: (type: string) => `ERR Unknown client type '${type}'`, probe: { command: ['CLIENT', 'LIST', 'TYPE', 'nosuch'], args: ['nosuch'] } },
  invalidClientId: { code: 'INVALID_CLIENT_ID', text: 'ERR Invalid client ID', probe: { command: ['CLIENT', 'LIST', 'ID', 'x'] } },
  clientIdNotPositive: { code: 'CLIENT_ID_NOT_POSITIVE', text: 'ERR client-id should be greater than 0', probe: { command: ['CLIENT', 'KILL', 'ID', '0'] } },
  noSuchClient: { code: 'NO_SUCH_CLIENT', text: 'ERR No such client', probe: { command: ['CLIENT', 'KILL', '192.0.2.1:1'] } },
  noSuchUser: { code: 'NO_SUCH_USER', text: (user: string) => `ERR No such user '${user}'`, probe: { command: ['CLIENT', 'KILL', 'USER', 'nosuch'], args: ['nosuch'] } },
  unblockReason: { code: 'UNBLOCK_REASON', text: 'ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR', probe: { command: ['CLIENT', 'UNBLOCK', '1', 'later'] } },
  unblocked: { code: 'UNBLOCKED', text: 'UNBLOCKED client unblocked via CLIENT UNBLOCK', why: 'needs a blocked client: e2e-client-kill blocks one' },
  subscribedContext: {
    code: 'SUBSCRIBED_CONTEXT',
    text: (name: string) => `ERR Can't execute '${name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`,
    probe: { before: [['SUBSCRIBE', 'ch']], command: ['GET', 'k'], args: ['get'] },
  },
  subcommandSyntax: {
    code: 'SUBCOMMAND_SYNTAX',
    text: (given: string, container: string) => `ERR unknown subcommand or wrong number of arguments for '${given.slice(0, 128)}'. Try ${container} HELP.`,
    probe: { command: ['PUBSUB', 'CHANNELS', 'a', 'b'], args: ['CHANNELS', 'PUBSUB'] },
  },
  dbIndexOutOfRange: { code: 'DB_INDEX_OUT_OF_RANGE', text: 'ERR DB index is out of range', probe: { command: ['SELECT', '99'] } },
  scriptFlushMode: { code: 'SCRIPT_FLUSH_MODE', text: 'ERR SCRIPT FLUSH only support SYNC|ASYNC option', probe: { command: ['SCRIPT', 'FLUSH', 'x'] } },
  notBusy: { code: 'NOTBUSY', text: 'NOTBUSY No scripts in execution right now.', probe: { command: ['SCRIPT', 'KILL'] } },
  negativeKeys: { code: 'NEGATIVE_KEYS', text: "ERR Number of keys can't be negative", probe: { command: ['EVAL', 'return 1', '-1'] } },
  tooManyKeys: { code: 'TOO_MANY_KEYS', text: "ERR Number of keys can't be greater than number of args", probe: { command: ['EVAL', 'return 1', '5'] } },
  noScript: { code: 'NOSCRIPT', text: 'NOSCRIPT No matching script. Please use EVAL.', probe: { command: ['EVALSHA', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', '0'] } },
  unknownInScript: { code: 'UNKNOWN_IN_SCRIPT', text: 'ERR Unknown Redis command called from script', probe: { command: ['EVAL', "return redis.call('nosuch')", '0'], startsWith: true } },
  arityInScript: { code: 'ARITY_IN_SCRIPT', text: 'ERR Wrong number of args calling Redis command from script', probe: { command: ['EVAL', "return redis.call('get')", '0'], startsWith: true } },
  notInScript: { code: 'NOT_IN_SCRIPT', text: 'ERR This Redis command is not allowed from script', probe: { command: ['EVAL', "return redis.call('multi')", '0'], startsWith: true } },
  blockInScript: {
    code: 'BLOCK_IN_SCRIPT',
    text: (command: string) => `ERR ${command} command is not allowed with BLOCK option from scripts`,
    probe: { command: ['EVAL', "return redis.call('XREAD', 'BLOCK', 0, 'STREAMS', KEYS[1], '$')", '1', 's'], args: ['XREAD'], startsWith: true },
  },
  writeInReadOnlyScript: {
    code: 'WRITE_IN_READ_ONLY_SCRIPT',
    text: 'ERR Write commands are not allowed from read-only scripts.',
    probe: { command: ['EVAL_RO', "return redis.call('set', KEYS[1], 'v')", '1', 'k'], startsWith: true },
  },
  // This server's own.
  everyWorkerInScript: {
    code: 'EVERY_WORKER_IN_SCRIPT',
    text: (name: string) => `ERR ${name} is not supported in scripts here: it runs on every worker, and a script holds only the workers of its keys`,
  },
  publishNotNamed: {
    code: 'PUBLISH_NOT_NAMED',
    text: (name: string) => `ERR ${name} from a script here must be named in its body: it waits for every worker's receivers, so the script must hold its workers`,
  },
  undeclaredKey: {
    code: 'UNDECLARED_KEY',
    text: (key: string) => `ERR script tried accessing undeclared key '${key.slice(0, 128)}': a script may touch only the keys it declares (numkeys), which place it, and keys in their hash slots`,
  },
  scriptFailed: { code: 'SCRIPT_FAILED', text: (message: string) => `ERR script failed: ${message}` },
  engineDidNotStart: { code: 'ENGINE_DID_NOT_START', text: (message: string) => `ERR the Lua engine failed to start: ${message}` },
  engineStarting: { code: 'ENGINE_STARTING', text: 'LOADING the Lua engine is starting' },
  linkDown: { code: 'LINK_DOWN', text: 'ERR the worker owning this key is down' },
  linkFull: {
    code: 'LINK_FULL',
    text: `ERR too many commands are in flight to the worker owning this key (at most ${MAX_LINK_OWED} commands and ${MAX_LINK_BYTES / 1048576} MB unsent): try again`,
  },
  unexpectedFromOwner: { code: 'UNEXPECTED_FROM_OWNER', text: (payload: string) => `ERR unexpected reply from the owner: ${payload}` },
  unexpectedScanStep: { code: 'UNEXPECTED_SCAN_STEP', text: 'ERR unexpected reply to SCAN' },
  scriptNotHere: {
    code: 'SCRIPT_NOT_HERE',
    text: 'NOSCRIPT the worker owning these keys does not have this script',
    why: 'between workers only (EVALHERE by sha): its sender sends the body then (coord/script.ts); no client command gives it',
  },
  lateHere: { code: 'LATE_HERE', text: 'ERR this command could not run at once on the worker owning its keys' },
  unknownHere: { code: 'UNKNOWN_HERE', text: 'ERR unknown command' },
  noPlan: { code: 'NO_PLAN', text: (name: string) => `ERR command ${name} has no plan over several owners` },
  noHandler: { code: 'NO_HANDLER', text: (name: string) => `ERR unknown command '${name.toLowerCase()}'` },
  slowlogCount: { code: 'SLOWLOG_COUNT', text: 'ERR count should be greater than or equal to -1', probe: { command: ['SLOWLOG', 'GET', '-2'] } },
  notInMulti: { code: 'NOT_IN_MULTI', text: 'ERR Command not allowed inside a transaction', probe: { before: [['MULTI']], command: ['SHUTDOWN'] } },
  monitorKeyspace: { code: 'MONITOR_KEYSPACE', text: "ERR Replica can't interact with the keyspace", probe: { before: [['MONITOR']], command: ['GET', 'k'] } },
  monitorInExec: { code: 'MONITOR_IN_EXEC', text: "ERR MONITOR isn't allowed for DENY BLOCKING client", why: "redis-server gives it inside EXEC's reply (MULTI, MONITOR, EXEC): e2e-monitor compares that reply" },
  noShutdown: { code: 'NO_SHUTDOWN', text: 'ERR No shutdown in progress.', probe: { command: ['SHUTDOWN', 'ABORT'] } },
  shutdownFailed: { code: 'SHUTDOWN_FAILED', text: 'ERR Errors trying to SHUTDOWN. Check logs.', why: "redis-server gives it when its save fails; here SHUTDOWN SAVE without FORCE (nothing can be saved): e2e-shutdown-command checks it" },
  // CONFIG (commands/config.ts): Redis 7.0's config.c texts, then this server's own.
  configUnknownOption: {
    code: 'CONFIG_UNKNOWN_OPTION',
    text: (name: string) => `ERR Unknown option or number of arguments for CONFIG SET - '${name}'`,
    probe: { command: ['CONFIG', 'SET', 'nosuch', '1'], args: ['nosuch'] },
  },
  configSetFailed: {
    code: 'CONFIG_SET_FAILED',
    text: (name: string, reason: string) => `ERR CONFIG SET failed (possibly related to argument '${name}') - ${reason}`,
    probe: { command: ['CONFIG', 'SET', 'databases', '3'], args: ['databases', "can't set immutable config"] },
  },
  noConfigFile: { code: 'NO_CONFIG_FILE', text: 'ERR The server is running without a config file', probe: { command: ['CONFIG', 'REWRITE'] } },
  rewriteFailed: { code: 'REWRITE_FAILED', text: (message: string) => `ERR Rewriting config file: ${message}`, why: 'needs a config file that cannot be written: e2e-config makes one' },
  configLate: {
    code: 'CONFIG_LATE',
    text: (workers: string) => `ERR CONFIG SET is made, but worker(s) ${workers} did not confirm applying it in time (they apply it when they read it)`,
  },
  primaryGone: { code: 'PRIMARY_GONE', text: 'ERR the primary process is gone: the server is stopping' },
  primaryLate: { code: 'PRIMARY_LATE', text: (seconds: number) => `ERR the primary process did not answer within ${seconds} s` },
  maxClients: { code: 'MAX_CLIENTS', text: 'ERR max number of clients reached', why: 'needs maxclients reached: e2e-limits makes it' },
  // Client-side caching (commands/client-tracking.ts): Redis 7.0's networking.c texts.
  redirectTwice: { code: 'REDIRECT_TWICE', text: 'ERR A client can only redirect to a single other client', why: 'the first REDIRECT must name a live client: e2e-tracking-redis compares it' },
  redirectMissing: { code: 'REDIRECT_MISSING', text: 'ERR The client ID you want redirect to does not exist', probe: { command: ['CLIENT', 'TRACKING', 'ON', 'REDIRECT', '999999'] } },
  prefixNeedsBcast: { code: 'PREFIX_NEEDS_BCAST', text: 'ERR PREFIX option requires BCAST mode to be enabled', probe: { command: ['CLIENT', 'TRACKING', 'ON', 'PREFIX', 'a'] } },
  bcastSwitch: {
    code: 'BCAST_SWITCH',
    text: "ERR You can't switch BCAST mode on/off before disabling tracking for this client, and then re-enabling it with a different mode.",
    probe: { before: [['CLIENT', 'TRACKING', 'ON']], command: ['CLIENT', 'TRACKING', 'ON', 'BCAST'] },
  },
  bcastOptions: { code: 'BCAST_OPTIONS', text: 'ERR OPTIN and OPTOUT are not compatible with BCAST', probe: { command: ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'OPTIN'] } },
  optinOptout: { code: 'OPTIN_OPTOUT', text: "ERR You can't specify both OPTIN mode and OPTOUT mode", probe: { command: ['CLIENT', 'TRACKING', 'ON', 'OPTIN', 'OPTOUT'] } },
  optSwitch: {
    code: 'OPT_SWITCH',
    text: "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, and then re-enabling it with a different mode.",
    probe: { before: [['CLIENT', 'TRACKING', 'ON', 'OPTIN']], command: ['CLIENT', 'TRACKING', 'ON', 'OPTOUT'] },
  },
  cachingNotTracking: {
    code: 'CACHING_NOT_TRACKING',
    text: 'ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled',
    probe: { command: ['CLIENT', 'CACHING', 'YES'] },
  },
  cachingYes: { code: 'CACHING_YES', text: 'ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.', probe: { before: [['CLIENT', 'TRACKING', 'ON']], command: ['CLIENT', 'CACHING', 'YES'] } },
  prefixOverlapsExisting: {
    code: 'PREFIX_OVERLAPS_EXISTING',
    text: (given: string, existing: string) => `ERR Prefix '${given}' overlaps with an existing prefix '${existing}'. Prefixes for a single client must not overlap.`,
    probe: { before: [['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'ab']], command: ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a'], args: ['a', 'ab'] },
  },
  prefixOverlapsGiven: {
    code: 'PREFIX_OVERLAPS_GIVEN',
    text: (given: string, other: string) => `ERR Prefix '${given}' overlaps with another provided prefix '${other}'. Prefixes for a single client must not overlap.`,
    probe: { command: ['CLIENT', 'TRACKING', 'ON', 'BCAST', 'PREFIX', 'a', 'PREFIX', 'ab'], args: ['a', 'ab'] },
  },
  cachingNo: { code: 'CACHING_NO', text: 'ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.', probe: { before: [['CLIENT', 'TRACKING', 'ON']], command: ['CLIENT', 'CACHING', 'NO'] } },
});

/** The texts, by name, as the router answers them; with the data side's it shares. */
export const REPLY_ERRORS = {
  ...errorTexts(ROUTER_ERRORS),
  syntax: ERR.syntax,
  notInteger: ERR.notInteger,
  arity: ERR.arity,
  invalidCursor: ERR.invalidCursor,
} as const;
