/**
 * Every error reply the Lua engine makes (Redis's exact texts where Redis has them; an error raised
 * in a script also says where, after the text), with a code of ours and how redis-server is made
 * to give it: the same shape as @kv/wire's ReplyError (this package depends on nothing of ours),
 * so test/reply-errors.test.ts checks these with the others.
 */
interface LuaError {
  readonly code: string;
  readonly text: string | ((...args: never[]) => string);
  readonly probe?: { readonly command: readonly string[]; readonly args?: readonly string[]; readonly startsWith?: boolean };
  readonly why?: string;
}

function table<const T extends Readonly<Record<string, LuaError>>>(entries: T): T {
  return entries;
}

export const LUA_ERRORS = table({
  badArgs: { code: 'LUA_BAD_ARGS', text: 'ERR wrong number or type of arguments', probe: { command: ['EVAL', 'return redis.error_reply()', '0'] } },
  wrongArgCount: { code: 'LUA_WRONG_ARG_COUNT', text: 'ERR wrong number of arguments', probe: { command: ['EVAL', 'return redis.sha1hex()', '0'], startsWith: true } },
  respVersion: { code: 'LUA_RESP_VERSION', text: 'ERR RESP version must be 2 or 3.', probe: { command: ['EVAL', 'return redis.setresp(4)', '0'], startsWith: true } },
  noCallArgs: { code: 'LUA_NO_CALL_ARGS', text: 'ERR Please specify at least one argument for this redis lib call', probe: { command: ['EVAL', 'return redis.call()', '0'], startsWith: true } },
  callArgTypes: { code: 'LUA_CALL_ARG_TYPES', text: 'ERR Lua redis lib command arguments must be strings or integers', probe: { command: ['EVAL', 'return redis.call({})', '0'], startsWith: true } },
  compile: {
    code: 'LUA_COMPILE',
    text: (message: string) => `ERR Error compiling script (new function): ${message}`,
    probe: { command: ['EVAL', 'return 1 +', '0'], args: ["user_script:1: unexpected symbol near '<eof>'"] },
  },
  callOutsideRun: { code: 'LUA_CALL_OUTSIDE_RUN', text: 'ERR redis.call/pcall can only be called inside a script invocation', why: 'Redis has no script outside a run to call from' },
  callInCoroutine: { code: 'LUA_CALL_IN_COROUTINE', text: 'ERR redis.call inside a coroutine of the script is not supported', why: 'Redis runs a call from a coroutine; here a call may wait for a peer, which only the script itself can' },
  yieldOutside: { code: 'LUA_YIELD_OUTSIDE', text: 'ERR attempt to yield from a script (coroutine.yield outside a coroutine of its own)' },
  killed: { code: 'LUA_KILLED', text: (limitMs: number) => `ERR Script killed: it ran longer than lua-time-limit (${limitMs} ms) and was stopped (writes it made stay)` },
  stackLimit: { code: 'LUA_STACK_LIMIT', text: 'ERR reached lua stack limit', why: 'needs a result nested past the limit: libs/lua tests make it' },
  failed: { code: 'LUA_FAILED', text: (message: string) => `ERR ${message}` },
  unknown: { code: 'LUA_UNKNOWN', text: 'ERR unknown error' },
});

/** The texts, by name. */
export const LUA_ERR = Object.fromEntries(Object.entries(LUA_ERRORS).map(([name, entry]) => [name, entry.text])) as { readonly [K in keyof typeof LUA_ERRORS]: (typeof LUA_ERRORS)[K]['text'] };
