import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { WIRE_ERRORS, type ReplyError, type ReplyErrorTable } from '@kv/wire';
import { NODE_ERRORS } from '@kv/node';
import { LUA_ERRORS } from '@kv/lua';
import { ROUTER_ERRORS } from '../apps/router/src/reply-errors';
import { startCluster } from '../apps/router/test/harness';
import { missingTool, Skips } from '../test-support/skip';
import { startRedis } from './clients/target';
import { RawConn } from './compat/resp-raw';

/**
 * Every error reply comes from one table per package (its code, Redis's exact text, and how
 * redis-server is made to give it). Here: the tables' shape, then each probe sent to this server
 * (2 workers) and to a redis-server, each reply compared with the table's text, byte for byte
 * (an error raised in a script says where after it, on both: only its start is compared).
 */
const TABLES: Readonly<Record<string, ReplyErrorTable>> = { wire: WIRE_ERRORS, node: NODE_ERRORS, router: ROUTER_ERRORS, lua: LUA_ERRORS as unknown as ReplyErrorTable };
const ENTRIES = Object.entries(TABLES).flatMap(([pkg, table]) => Object.entries(table).map(([name, entry]) => ({ pkg, name, entry })));
const PROBED = ENTRIES.filter(({ entry }) => entry.probe !== undefined);

const shape = suite('reply errors: one table per package');

shape('codes are unique across the packages, and each entry says how redis-server gives it or why not', () => {
  const seen = new Map<string, string>();
  for (const { pkg, name, entry } of ENTRIES) {
    assert.match(entry.code, /^[A-Z][A-Z0-9_]*$/, `${pkg}.${name}: code ${entry.code}`);
    assert.not.ok(seen.has(entry.code), `${entry.code} is both ${seen.get(entry.code)} and ${pkg}.${name}`);
    seen.set(entry.code, `${pkg}.${name}`);
    const text = expected(entry);
    assert.match(text, /^[A-Z]+ /, `${pkg}.${name}: starts with Redis's error code word: ${text}`);
  }
  assert.ok(PROBED.length >= 40, `${PROBED.length} errors are probed against redis-server`);
});

shape('a probe says every argument its text takes, and nothing without a probe is unexplained', () => {
  for (const { pkg, name, entry } of ENTRIES) {
    if (entry.probe === undefined) {
      // This server's own errors (no such thing in Redis) say nothing; the Redis ones not probed say why.
      if (/^(NOAUTH|WRONGPASS|OOM|NOTBUSY|NOSCRIPT|EXECABORT|NOPROTO)/.test(expected(entry))) assert.ok(entry.why, `${pkg}.${name} is Redis's and has neither a probe nor a why`);
      continue;
    }
    if (typeof entry.text === 'function') assert.ok((entry.probe.args?.length ?? 0) >= entry.text.length, `${pkg}.${name}: args for its text`);
    else assert.is(entry.probe.args, undefined, `${pkg}.${name}: a fixed text takes no args`);
  }
});

shape.run();

/** The text an entry's probe gets (a function's made from the probe's args). */
function expected(entry: ReplyError): string {
  if (typeof entry.text === 'string') return entry.text;
  const args = (entry.probe?.args ?? Array.from({ length: entry.text.length }, () => 'x')) as never[];
  return entry.text(...args);
}

/** The bytes a probe gets back from a server on a fresh connection, after FLUSHALL. */
async function probe(port: number, entry: ReplyError): Promise<string> {
  const conn = await RawConn.connect(port);
  try {
    await conn.command(['FLUSHALL']);
    for (const argv of entry.probe!.before ?? []) await conn.command([...argv]);
    const reply = await conn.command([...entry.probe!.command]);
    return 'failed' in reply ? reply.failed : reply.raw;
  } finally {
    conn.close();
  }
}

function check(got: string, entry: ReplyError): void {
  const want = `-${expected(entry)}`;
  if (entry.probe!.startsWith) assert.ok(got.startsWith(want), `${JSON.stringify(got)} starts with ${JSON.stringify(want)}`);
  else assert.is(got, `${want}\r\n`);
}

const OURS = 'reply errors: each probe, answered by this server (2 workers)';
const ours = suite(OURS);
let cluster: { port: number; stop(): Promise<unknown> } | undefined;
ours.before(async () => {
  cluster = await startCluster({ workers: 2 });
});
ours.after(async () => {
  await cluster?.stop();
});
for (const { pkg, name, entry } of PROBED) {
  ours(`${entry.code} (${pkg}.${name}): ${entry.probe!.command.join(' ')}`, async () => check(await probe(cluster!.port, entry), entry));
}
ours.run();

const THEIRS = 'reply errors: each probe, answered by redis-server as the table says';
const theirs = suite(THEIRS);
const skips = new Skips(THEIRS);
const noRedis = missingTool('redis-server');
let redis: { port: number; stop(): Promise<unknown> } | undefined;
theirs.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
theirs.after(async () => {
  await redis?.stop();
});
for (const { pkg, name, entry } of PROBED) {
  skips.test(theirs, `${entry.code} (${pkg}.${name}): ${entry.probe!.command.join(' ')}`, noRedis, async () => check(await probe(redis!.port, entry), entry));
}
theirs.run();
