import { commandNamed, compileGlob } from '@kv/node';
import { argsOf, type Args } from '@kv/wire';
import { Combined } from '../coord/combine';
import { Gather, WorkerSteps } from '../coord/gather';
import { PARAM_NAMES, paramNamed, type ConfigParam, type OptionChange } from '../config/params';
import { AskPlan } from '../operator/ask-plan';
import { REPLY_ERRORS } from '../reply-errors';
import type { ConnectionContext } from './context';
import { subcommand } from './subcommand';

/**
 * CONFIG GET / SET / RESETSTAT / REWRITE / HELP, as Redis 7.0's config.c. GET reads this worker's
 * copy of the settings; SET, once read whole here (Redis's errors, nothing changed on any), is
 * made by the primary, which has every worker apply it before the OK (operator/ask-plan.ts,
 * primary/runtime-config.ts); RESETSTAT runs on every worker; REWRITE is the primary's.
 */

const RESETSTAT = commandNamed('RESETSTAT');

type Sub = (conn: ConnectionContext, args: Args) => void;
const SUBCOMMANDS: Readonly<Record<string, { arity: number; run: Sub }>> = {
  GET: { arity: -3, run: get },
  SET: { arity: -4, run: set },
  RESETSTAT: { arity: 2, run: resetstat },
  REWRITE: { arity: 2, run: rewrite },
  HELP: { arity: 2, run: help },
};
const ARITY = Object.fromEntries(Object.entries(SUBCOMMANDS).map(([name, sub]) => [name, sub.arity]));

export function config(conn: ConnectionContext, args: Args): void {
  const sub = subcommand(conn, args, 'CONFIG', ARITY);
  if (sub !== undefined) SUBCOMMANDS[sub].run(conn, args);
}

/** A pattern with none of glob's special characters names one parameter, and is listed as given (Redis 7.0). */
const GLOB_CHARS = /[*?[]/;

/** CONFIG GET pattern...: every parameter some pattern matches, once each, as a map (a flat array in RESP2). */
function get(conn: ConnectionContext, args: Args): void {
  const values = conn.operator.settings;
  const matched = new Map<string, string>();
  for (let i = 2; i < args.count; i++) {
    const pattern = args.latin1(i);
    if (!GLOB_CHARS.test(pattern)) {
      const param = paramNamed(pattern);
      if (param !== undefined && !matched.has(pattern)) matched.set(pattern, param.get(values));
      continue;
    }
    // Redis matches parameter names without regard to case.
    const glob = compileGlob(pattern, true);
    for (const [name, param] of PARAM_NAMES) if (!matched.has(name) && glob.matches(name)) matched.set(name, param.get(values));
  }
  conn.reply.mapHeader(matched.size);
  for (const [name, value] of matched) {
    conn.reply.bulk(name);
    conn.reply.bulk(value);
  }
}

/**
 * CONFIG SET name value [name value ...]: all or nothing, as Redis 7. First every name (unknown,
 * fixed while running, given twice: Redis's errors in that order of checks), then every value;
 * the first error answers and nothing is set.
 */
function set(conn: ConnectionContext, args: Args): void {
  if ((args.count - 2) % 2 !== 0) return conn.reply.error(REPLY_ERRORS.syntax);
  const params: ConfigParam[] = [];
  const seen = new Set<string>();
  for (let i = 2; i < args.count; i += 2) {
    const given = args.latin1(i);
    const param = paramNamed(given);
    if (param === undefined) return conn.reply.error(REPLY_ERRORS.configUnknownOption(given));
    if (param.set === undefined) return conn.reply.error(REPLY_ERRORS.configSetFailed(given, param.fixed ?? ''));
    if (seen.has(given.toLowerCase())) return conn.reply.error(REPLY_ERRORS.configSetFailed(given, 'duplicate parameter'));
    seen.add(given.toLowerCase());
    params.push(param);
  }
  const change: OptionChange = {};
  for (let i = 2; i < args.count; i += 2) {
    const made = params[(i - 2) / 2].set!(args.latin1(i + 1));
    if ('error' in made) return conn.reply.error(REPLY_ERRORS.configSetFailed(args.latin1(i).toLowerCase(), made.error as string));
    Object.assign(change, made);
  }
  const { operator } = conn;
  // Applied here first: the commands after it that run on this worker (an EXEC's, with no hold) see it at once.
  const asking = () => {
    operator.apply(change);
    return operator.ask({ op: 'config-set', change });
  };
  conn.plans.start(new AskPlan(conn.plans, asking, () => conn.env.owners.flushReplies()));
}

/** CONFIG RESETSTAT: every worker's counters back to 0 (the internal RESETSTAT on each). */
function resetstat(conn: ConnectionContext): void {
  const workers = conn.env.workers;
  const plans = conn.plans;
  plans.start(new Gather(conn.env.owners, plans, plans.txid, new WorkerSteps(RESETSTAT, argsOf([RESETSTAT.name]), workers), new Combined('ok', workers)));
}

/** CONFIG REWRITE: the primary writes the settings to the --config file (Redis's error without one). */
function rewrite(conn: ConnectionContext): void {
  const { operator } = conn;
  conn.plans.start(new AskPlan(conn.plans, () => operator.ask({ op: 'config-rewrite' }), () => conn.env.owners.flushReplies()));
}

/** Redis 7.0's CONFIG HELP, line for line. */
const HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

function help(conn: ConnectionContext): void {
  conn.reply.arrayHeader(HELP.length);
  for (const line of HELP) conn.reply.status(line);
}
