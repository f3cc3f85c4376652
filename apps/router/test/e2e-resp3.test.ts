import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { SHARD_COUNT, shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { spreadOwners } from '../src/primary/shard-map';
import { keysPerShard, sleep, startCluster, TextClient, type Cluster } from './harness';
import { mapOf, Resp3Client, type R3 } from './resp3-client';

// RESP3 on 2 workers, read with a raw socket: HELLO 3 switches one connection, nils are `_`
// whether the key's owner is this worker or the other, RESP3 types where Redis 7 uses them, and
// the bytes of a list of commands compared with redis-server's.

const WORKERS = 2;
const OWNERS = spreadOwners(WORKERS);
const KEYS = keysPerShard('r3:', shardOfString);

/** The worker a connection landed on: client ids are k * 16 + worker + 1. */
async function workerOf(c: Resp3Client): Promise<number> {
  const id = (await c.call('CLIENT', 'ID')).value as number;
  return (id - 1) % SHARD_COUNT;
}

/** Keys of shards this worker owns (local) and of the other's (forwarded). */
function keysBy(worker: number): { local: string[]; forwarded: string[] } {
  const local: string[] = [];
  const forwarded: string[] = [];
  KEYS.forEach((key, shard) => (OWNERS[shard] === worker ? local : forwarded).push(key));
  return { local, forwarded };
}

const t = suite('e2e: RESP3 on 2 workers');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: WORKERS });
});
t.after(async () => {
  assert.is(await cluster.stop(), 0);
});

t('HELLO 3 answers a map and switches the connection; GET of a missing key is _ on local and forwarded keys', async () => {
  const c = await Resp3Client.connect(cluster.port);
  const plain = await Resp3Client.connect(cluster.port);
  try {
    const hello = await c.call('HELLO', '3');
    assert.ok(hello.raw.startsWith('%7\r\n'), hello.raw);
    const fields = mapOf(hello.value);
    assert.equal(Object.keys(fields), ['server', 'version', 'proto', 'id', 'mode', 'role', 'modules']);
    assert.equal([fields.server, fields.version, fields.proto, fields.mode, fields.role, fields.modules], ['redis', '7.0.0', 3, 'standalone', 'master', []]);
    const { local, forwarded } = keysBy(await workerOf(c));
    assert.ok(local.length > 0 && forwarded.length > 0);
    for (const key of [...local, ...forwarded]) {
      assert.is((await c.call('GET', key)).raw, '_\r\n', key);
      assert.is((await plain.call('GET', key)).raw, '$-1\r\n', `${key}: a connection that said no HELLO stays RESP2`);
    }
    for (const key of [...local, ...forwarded]) assert.is((await c.call('SET', key, `v-${key}`)).raw, '+OK\r\n');
    for (const key of [...local, ...forwarded]) assert.is((await c.call('GET', key)).value, `v-${key}`);
    assert.is((await c.call('SET', forwarded[0], 'x', 'NX')).raw, '_\r\n', 'SET NX on an existing key: null, from the other worker');
    assert.is((await c.call('GETDEL', `${local[0]}:none`)).raw, '_\r\n');
    assert.is((await c.call('CLIENT', 'GETNAME')).raw, '_\r\n');
    for (const key of [...local, ...forwarded]) await c.call('DEL', key);
  } finally {
    c.close();
    plain.close();
  }
});

t('MGET across workers and within one answers an array with _ for nils; KEYS and SCAN arrays', async () => {
  const c = await Resp3Client.connect(cluster.port);
  try {
    await c.call('HELLO', '3');
    const { local, forwarded } = keysBy(await workerOf(c));
    await c.call('SET', local[0], 'a');
    await c.call('SET', forwarded[0], 'b');
    try {
      // Across workers: a transaction over both.
      const across = await c.call('MGET', local[0], forwarded[1], forwarded[0], local[1]);
      assert.is(across.raw, '*4\r\n$1\r\na\r\n_\r\n$1\r\nb\r\n_\r\n');
      // All on the other worker: one step each, forwarded.
      assert.is((await c.call('MGET', forwarded[1], forwarded[0])).raw, '*2\r\n_\r\n$1\r\nb\r\n');
      assert.is((await c.call('MGET', local[1])).raw, '*1\r\n_\r\n');
      assert.equal((await c.call('KEYS', forwarded[0])).value, [forwarded[0]]);
      // SCAN's steps come from both workers; each call is [cursor, keys].
      const found: string[] = [];
      let cursor = '0';
      do {
        const scan = await c.call('SCAN', cursor, 'COUNT', '1000', 'MATCH', 'r3:*');
        assert.ok(scan.raw.startsWith('*2\r\n$'), scan.raw);
        const [next, keys] = scan.value as [string, string[]];
        found.push(...keys);
        cursor = next;
      } while (cursor !== '0');
      assert.equal(found.sort(), [local[0], forwarded[0]].sort());
    } finally {
      await c.call('DEL', local[0], forwarded[0]);
    }
  } finally {
    c.close();
  }
});

t('CONFIG GET is a map, INFO a verbatim string, COMMAND flags sets, COMMAND DOCS maps; RESP2 keeps flat arrays and bulk', async () => {
  const c = await Resp3Client.connect(cluster.port);
  try {
    const before = await c.call('CONFIG', 'GET', 'maxmemory-policy');
    assert.is(before.raw, '*2\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n');
    assert.ok((await c.call('INFO', 'server')).raw.startsWith('$'), 'INFO in RESP2: a bulk string');
    await c.call('HELLO', '3');
    assert.is((await c.call('CONFIG', 'GET', 'maxmemory-policy')).raw, '%1\r\n$16\r\nmaxmemory-policy\r\n$11\r\nallkeys-lru\r\n');
    assert.equal(mapOf((await c.call('CONFIG', 'GET', 'save', 'appendonly')).value), { save: '', appendonly: 'no' });
    assert.is((await c.call('CONFIG', 'GET', 'nosuch')).raw, '%0\r\n');
    const info = await c.call('INFO');
    const header = /^=(\d+)\r\n/.exec(info.raw)!;
    assert.ok(header, info.raw.slice(0, 20));
    assert.is(Number(header[1]), Buffer.byteLength(info.raw, 'latin1') - header[0].length - 2, 'the length counts txt: and the text');
    const text = info.value as { verbatim: string; format: string };
    assert.is(text.format, 'txt');
    assert.match(text.verbatim, /^# Server\r\nredis_version:7\.0\.0\r\n/);
    assert.match(text.verbatim, /# Keyspace\r\n/);
    const get = ((await c.call('COMMAND', 'INFO', 'get', 'nosuch')).value as R3[]);
    assert.equal(get[0], ['get', 2, { set: [{ simple: 'readonly' }, { simple: 'fast' }] }, 1, 1, 1, { set: [] }, { set: [] }, [], { set: [] }]);
    assert.is(get[1], null);
    const docs = mapOf((await c.call('COMMAND', 'DOCS', 'set')).value);
    const set = mapOf(docs.set);
    assert.is(set.summary, 'Set the string value of a key');
    const args = set.arguments as R3[];
    const condition = mapOf(args[2]);
    assert.equal(condition.flags, { set: [{ simple: 'optional' }] });
    assert.ok((await c.call('COMMAND')).raw.startsWith('*'));
  } finally {
    c.close();
  }
});

t('HELLO 2 goes back to RESP2; HELLO with no version keeps the protocol; NOPROTO for 4, 1 and 0', async () => {
  const c = await Resp3Client.connect(cluster.port);
  try {
    const { forwarded } = keysBy(await workerOf(c));
    await c.call('HELLO', '3');
    assert.is(mapOf((await c.call('HELLO')).value).proto, 3, 'HELLO alone answers in the current protocol');
    for (const v of ['4', '1', '0', '-1']) assert.equal((await c.call('HELLO', v)).value, { error: 'NOPROTO unsupported protocol version' }, v);
    assert.equal((await c.call('HELLO', 'three')).value, { error: 'ERR Protocol version is not an integer or out of range' });
    assert.is((await c.call('GET', forwarded[0])).raw, '_\r\n', 'a refused HELLO leaves RESP3 on');
    const back = await c.call('HELLO', '2');
    assert.ok(back.raw.startsWith('*14\r\n'), back.raw);
    assert.is((back.value as R3[])[5], 2);
    assert.is((await c.call('GET', forwarded[0])).raw, '$-1\r\n');
    assert.is((await c.call('CONFIG', 'GET', 'appendonly')).raw, '*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n');
    assert.equal((await c.call('HELLO', '3', 'FOO')).value, { error: "ERR Syntax error in HELLO option 'FOO'" });
    assert.equal((await c.call('HELLO', '3', 'SETNAME', 'a b')).value, { error: 'ERR Client names cannot contain spaces, newlines or special characters.' });
    assert.is((await c.call('GET', forwarded[0])).raw, '$-1\r\n', 'a HELLO with a bad option switches nothing');
  } finally {
    c.close();
  }
});

t('a HELLO 3 between pipelined commands changes only the replies of the commands after it', async () => {
  const c = await Resp3Client.connect(cluster.port);
  try {
    const { local, forwarded } = keysBy(await workerOf(c));
    const round = [
      ['GET', forwarded[0]],
      ['GET', local[0]],
      ['MGET', local[0], forwarded[0]],
      ['MGET', forwarded[1], forwarded[2]],
      ['CONFIG', 'GET', 'appendonly'],
    ];
    const replies = await c.pipeline([...round, ['HELLO', '3'], ...round, ['HELLO', '2'], ...round]);
    const resp2 = ['$-1\r\n', '$-1\r\n', '*2\r\n$-1\r\n$-1\r\n', '*2\r\n$-1\r\n$-1\r\n', '*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n'];
    const resp3 = ['_\r\n', '_\r\n', '*2\r\n_\r\n_\r\n', '*2\r\n_\r\n_\r\n', '%1\r\n$10\r\nappendonly\r\n$2\r\nno\r\n'];
    assert.equal(replies.slice(0, 5).map((r) => r.raw), resp2);
    assert.ok(replies[5].raw.startsWith('%7\r\n'));
    assert.equal(replies.slice(6, 11).map((r) => r.raw), resp3);
    assert.ok(replies[11].raw.startsWith('*14\r\n'));
    assert.equal(replies.slice(12).map((r) => r.raw), resp2);
    // INFO runs on every worker and waits for the other: its reply keeps the protocol it was sent in.
    const [bulk, , verbatim] = await c.pipeline([['INFO', 'server'], ['HELLO', '3'], ['INFO', 'server'], ['HELLO', '2']]);
    assert.ok(bulk.raw.startsWith('$'), bulk.raw.slice(0, 10));
    assert.ok(verbatim.raw.startsWith('='), verbatim.raw.slice(0, 10));
  } finally {
    c.close();
  }
});

t('CLIENT SETINFO sets lib-name and lib-ver as Redis 7.2; CLIENT INFO and CLIENT LIST show them, across workers', async () => {
  const a = await Resp3Client.connect(cluster.port);
  const b = await Resp3Client.connect(cluster.port);
  try {
    await a.call('HELLO', '3', 'SETNAME', 'first');
    assert.is((await a.call('CLIENT', 'SETINFO', 'LIB-NAME', 'node-redis')).raw, '+OK\r\n');
    assert.is((await a.call('CLIENT', 'SETINFO', 'lib-ver', '5.0.0')).raw, '+OK\r\n');
    assert.equal((await a.call('CLIENT', 'SETINFO', 'lib-foo', 'x')).value, { error: "ERR Unrecognized option 'lib-foo'" });
    assert.equal((await a.call('CLIENT', 'SETINFO', 'Lib-Name', 'a b')).value, { error: 'ERR Lib-Name cannot contain spaces, newlines or special characters.' });
    assert.equal((await a.call('CLIENT', 'SETINFO', 'lib-ver', 'x\ny')).value, { error: 'ERR lib-ver cannot contain spaces, newlines or special characters.' });
    assert.equal((await a.call('CLIENT', 'SETINFO', 'lib-name')).value, { error: "ERR wrong number of arguments for 'client|setinfo' command" });
    assert.equal((await a.call('CLIENT', 'NOPE')).value, { error: "ERR unknown subcommand 'NOPE'. Try CLIENT HELP." });
    const info = await a.call('CLIENT', 'INFO');
    assert.ok(info.raw.startsWith('='), info.raw);
    const line = (info.value as { verbatim: string }).verbatim;
    const aId = (await a.call('CLIENT', 'ID')).value as number;
    assert.match(line, new RegExp(`^id=${aId} addr=127\\.0\\.0\\.1:\\d+ laddr=127\\.0\\.0\\.1:${cluster.port} fd=-?\\d+ name=first age=\\d+ idle=\\d+ flags=N db=0 `));
    assert.match(line, / cmd=client\|info user=default redir=-1 resp=3 lib-name=node-redis lib-ver=5\.0\.0\n$/);
    // b stays RESP2: CLIENT LIST is a bulk string there, and lists both clients wherever they are.
    await b.call('CLIENT', 'SETINFO', 'lib-name', 'ioredis');
    const bId = (await b.call('CLIENT', 'ID')).value as number;
    const all = await b.call('CLIENT', 'LIST');
    assert.ok(all.raw.startsWith('$'));
    const lines = (all.value as string).split('\n').filter((l) => l !== '');
    const byId = new Map(lines.map((l) => [Number(/^id=(\d+) /.exec(l)![1]), l]));
    assert.match(byId.get(aId) ?? '', / name=first .* cmd=client\|id .* resp=3 lib-name=node-redis lib-ver=5\.0\.0$/);
    assert.match(byId.get(bId) ?? '', / cmd=client\|list .* resp=2 lib-name=ioredis lib-ver=$/);
    const one = (await b.call('CLIENT', 'LIST', 'ID', String(aId))).value as string;
    assert.is(one.split('\n').filter((l) => l !== '').length, 1);
    assert.match(one, new RegExp(`^id=${aId} `));
    assert.is((await b.call('CLIENT', 'LIST', 'TYPE', 'pubsub')).raw, '$0\r\n\r\n');
    assert.equal((await b.call('CLIENT', 'LIST', 'ID', 'x')).value, { error: 'ERR Invalid client ID' });
    assert.equal((await b.call('CLIENT', 'LIST', 'TYPE', 'x')).value, { error: "ERR Unknown client type 'x'" });
    assert.is((await a.call('CLIENT', 'SETINFO', 'lib-name', '')).raw, '+OK\r\n', 'the empty value clears it');
    assert.match(((await a.call('CLIENT', 'INFO')).value as { verbatim: string }).verbatim, / lib-name= lib-ver=5\.0\.0\n$/);
  } finally {
    a.close();
    b.close();
  }
});

t('the text protocol is unaffected by a RESP3 connection beside it', async () => {
  const r3 = await Resp3Client.connect(cluster.port);
  const text = await TextClient.connect(cluster.port);
  try {
    await r3.call('HELLO', '3');
    const { forwarded } = keysBy(await workerOf(r3));
    assert.equal(await text.request([`GET ${forwarded[0]}`, `PUT ${forwarded[0]} v`, `GET ${forwarded[0]}`]), ['NOTFOUND', 'OK', 'v']);
    assert.is((await r3.call('GET', forwarded[0])).value, 'v');
    await r3.call('DEL', forwarded[0]);
  } finally {
    r3.close();
    text.close();
  }
});

t.run();

const auth = suite('e2e: RESP3 HELLO with --requirepass');
let locked: Cluster;

auth.before(async () => {
  locked = await startCluster({ workers: WORKERS, args: ['--requirepass', 'pw-r3'] });
});
auth.after(async () => {
  assert.is(await locked.stop(), 0);
});

auth('HELLO 3 AUTH authenticates and switches at once; a wrong password or none switches nothing and names no one', async () => {
  const c = await Resp3Client.connect(locked.port);
  try {
    assert.equal((await c.call('GET', 'k')).value, { error: 'NOAUTH Authentication required.' });
    assert.match(JSON.stringify((await c.call('HELLO', '3', 'SETNAME', 'early')).value), /NOAUTH HELLO must be called with the client already authenticated/);
    assert.equal((await c.call('HELLO', '3', 'AUTH', 'default', 'wrong')).value, { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
    assert.equal((await c.call('HELLO', '3', 'AUTH', 'other', 'pw-r3')).value, { error: 'WRONGPASS invalid username-password pair or user is disabled.' });
    assert.equal((await c.call('GET', 'k')).value, { error: 'NOAUTH Authentication required.' }, 'still locked, still RESP2');
    const hello = await c.call('HELLO', '3', 'AUTH', 'default', 'pw-r3', 'SETNAME', 'locked-in');
    assert.ok(hello.raw.startsWith('%7\r\n'), hello.raw);
    assert.is(mapOf(hello.value).proto, 3);
    assert.is((await c.call('CLIENT', 'GETNAME')).value, 'locked-in', 'the name of the HELLO that authenticated');
    assert.is((await c.call('GET', 'k')).raw, '_\r\n');
  } finally {
    c.close();
  }
});

auth.run();

// The bytes Redis 7 sends in RESP3 for the same commands, where this server means to match them.
const diff = suite('e2e: RESP3 bytes against redis-server');
const diffSkips = new Skips('e2e: RESP3 bytes against redis-server');
const noRedis = missingTool('redis-server');
let kv: Cluster | undefined;
let redis: ChildProcess | null = null;
let redisPort = 0;

const COMMANDS: string[][] = [
  ['HELLO', '3'], ['PING'], ['PING', 'hi'], ['ECHO', 'x y'], ['SET', 'dk', 'v'], ['GET', 'dk'], ['GET', 'dmissing'],
  ['MGET', 'dk', 'dmissing', 'dk2'], ['SET', 'dk', 'w', 'GET'], ['SET', 'dk', 'z', 'NX'], ['SET', 'dk', 'z', 'NX', 'GET'],
  ['GETEX', 'dmissing'], ['GETDEL', 'dmissing'], ['GETSET', 'dmissing', '1'], ['INCR', 'dn'], ['INCRBY', 'dn', '5'], ['DECR', 'dn'],
  ['INCRBYFLOAT', 'df', '1.5'], ['INCRBYFLOAT', 'df', '0.1'], ['APPEND', 'dk', 'xy'], ['STRLEN', 'dk'], ['TYPE', 'dk'], ['TYPE', 'dmissing'],
  ['TTL', 'dk'], ['PTTL', 'dmissing'], ['EXPIRE', 'dk', '100'], ['TTL', 'dk'], ['PERSIST', 'dk'], ['EXISTS', 'dk', 'dmissing', 'dk'],
  ['TOUCH', 'dk'], ['DEL', 'dk', 'dmissing'], ['UNLINK', 'dn'], ['SETNX', 'dk', '1'], ['SETEX', 'dk', '10', 'v'], ['PSETEX', 'dk', '10000', 'v'],
  ['MSET', 'da', '1', 'db', '2'], ['MSETNX', 'da', '1', 'dc', '2'], ['MGET', 'da', 'db', 'dc'], ['KEYS', 'da'],
  ['CONFIG', 'GET', 'maxmemory-policy'], ['CONFIG', 'GET', 'appendonly'], ['CONFIG', 'GET', 'save'], ['CONFIG', 'GET', 'nosuchparam'], ['SELECT', '0'],
  ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'dname'], ['CLIENT', 'GETNAME'], ['CLIENT', 'SETNAME', 'a b'], ['CLIENT', 'FOO'], ['CLIENT', 'SETNAME'],
  ['CLIENT', 'ID', 'x'], ['CLIENT', 'LIST', 'TYPE', 'foo'], ['CLIENT', 'LIST', 'ID', 'x'], ['CLIENT', 'LIST', 'TYPE', 'pubsub'], ['CLIENT', 'LIST', 'bad'],
  ['HELLO', '4'], ['HELLO', 'x'], ['HELLO', '3', 'SETNAME'], ['HELLO', '3', 'FOO'], ['HELLO', '3', 'AUTH', 'other', 'x'], ['HELLO', '3', 'SETNAME', 'a b'],
  ['COMMAND', 'FOO'], ['COMMAND', 'COUNT', 'x'], ['CONFIG', 'GET'], ['CONFIG', 'FOO'], ['NOSUCH', 'a'], ['GET'], ['AUTH', 'x'], ['AUTH', 'default', 'x'],
  ['AUTH', 'other', 'x'], ['SET', 'dk', 'v', 'EX', '0'], ['SET', 'dk', 'v', 'FOO'], ['EXPIRE', 'dk', 'x'], ['TIME', 'x'], ['DBSIZE', 'x'],
  ['FLUSHALL'], ['DBSIZE'], ['GET', 'dk'], ['MGET', 'x', 'y'], ['HELLO', '2'], ['GET', 'dmissing'], ['MGET', 'dmissing', 'dk'], ['CONFIG', 'GET', 'appendonly'],
  ['HELLO', '3'], ['INFO', 'server'], ['CLIENT', 'INFO'], ['TIME'], ['SCAN', '0'], ['COMMAND', 'INFO', 'get'],
  // MULTI/EXEC and scripts: their replies in the client's protocol too.
  ['MULTI'], ['GET', 'mk-missing'], ['SET', 'mk', 'v'], ['GET', 'mk'], ['MGET', 'mk', 'mk-missing'], ['EXEC'],
  ['MULTI'], ['GET', 'x'], ['DISCARD'], ['EXEC'],
  ['EVAL', 'return false', '0'], ['EVAL', "return {1,false,'a'}", '0'], ['EVAL', "return redis.call('GET', KEYS[1])", '1', 'sk-missing'],
  ['EVAL', "return redis.call('MGET', KEYS[1], KEYS[2])", '2', 'sk1', 'sk2'], ['EVAL', "return {ok='FINE'}", '0'], ['EVAL', "return {err='ERR boom'}", '0'],
  ['EVAL', 'return 3.7', '0'], ['HELLO', '2'], ['EVAL', 'return false', '0'], ['MULTI'], ['GET', 'mk-missing'], ['EXEC'],
];

/** What legitimately differs: the version and id in HELLO, INFO's and CLIENT INFO's text, TIME's clock, SCAN's cursor, COMMAND's extras. */
function normalise(command: string[], raw: string): string {
  const name = command.join(' ').toUpperCase();
  if (name.startsWith('HELLO') && (raw.startsWith('%') || raw.startsWith('*'))) {
    return raw.replace(/\$7\r\nversion\r\n\$\d+\r\n[^\r]*\r\n/, '$7\r\nversion\r\nV\r\n').replace(/\$2\r\nid\r\n:\d+\r\n/, '$2\r\nid\r\n:ID\r\n');
  }
  if (name === 'INFO SERVER' || name === 'CLIENT INFO') return raw.replace(/^=\d+\r\ntxt:[^]*$/, '=N txt:');
  if (name === 'TIME') return raw.replace(/\$\d+\r\n\d+\r\n/g, '$N digits ');
  if (name === 'SCAN 0') return raw.replace(/^\*2\r\n\$\d+\r\n\d+\r\n\*\d+\r\n[^]*$/, '*2 cursor keys');
  // COMMAND INFO: the name, arity, flags set and key positions; Redis's ACL categories, tips and key specs this server does not keep.
  if (name === 'COMMAND INFO GET') return raw.slice(0, raw.indexOf(':1\r\n:1\r\n:1\r\n') + 12);
  return raw;
}

async function replies(port: number): Promise<string[]> {
  const c = await Resp3Client.connect(port);
  try {
    return (await c.pipeline(COMMANDS)).map((r, i) => normalise(COMMANDS[i], r.raw));
  } finally {
    c.close();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

diff.before(async () => {
  if (noRedis !== null) return;
  kv = await startCluster({ workers: WORKERS });
  redisPort = await freePort();
  redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'allkeys-lru'], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(redisPort, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await sleep(50);
  }
  throw new Error('redis-server did not start');
});
diff.after(async () => {
  if (redis !== null) {
    const exited = new Promise((resolve) => redis!.once('exit', resolve));
    redis.kill('SIGTERM');
    await exited;
  }
  if (kv !== undefined) assert.is(await kv.stop(), 0);
});

diffSkips.test(diff, 'each command of the list gets the bytes redis-server 7 sends in RESP3 (normalised where they legitimately differ)', noRedis, async () => {
  const [expected, actual] = [await replies(redisPort), await replies(kv!.port)];
  const differing = COMMANDS.map((command, i) => ({ command: command.join(' '), redis: expected[i], kv: actual[i] })).filter((d) => d.redis !== d.kv);
  assert.equal(differing, []);
});

diff.run();
