import { suite } from 'uvu';
import { request } from 'undici';
import * as assert from 'uvu/assert';
import { startRedis, type Target } from '../../../test/clients/target';
import { missingTool, Skips } from '../../../test-support/skip';
import { RespClient, respClientOn, sleep, startCluster, type Cluster } from './harness';
import { Resp3Client } from './resp3-client';
import { Contention } from '../../../test-support/contention';

/**
 * MONITOR on 2 workers: a monitor on worker 0 sees the commands run on both, each client's in
 * the order it sent them, quoted as Redis's sdscatrepr, passwords redacted, admin commands not
 * shown; RESP3 gets the same status lines; RESET ends it; a monitor that stops reading is cut at
 * client-output-limit; the lines' shape as redis-server's for the same commands.
 */

const NAME = 'e2e: MONITOR on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);
let cluster: Cluster;

/** A value with every kind of byte sdscatrepr treats apart: quote, backslash, newline, a control byte, UTF-8. */
const ODD = Buffer.from('x"y\\z\n\r\t\x07\x08\x01é', 'utf8');
const ODD_SHOWN = '"x\\"y\\\\z\\n\\r\\t\\a\\b\\x01\\xc3\\xa9"';
const LINE = /^(\d+)\.(\d{6}) \[0 (127\.0\.0\.1:\d+)\] (.*)$/;

function clientOnWorker(port: number, worker: number): Promise<RespClient> {
  return respClientOn(port, worker);
}

/** Reads monitor lines until `done` says enough, as [addr, args text]. */
async function readLines(m: RespClient, count: number): Promise<[string, string][]> {
  const out: [string, string][] = [];
  while (out.length < count) {
    const line = (await m.read()) as string;
    const match = LINE.exec(line);
    assert.ok(match !== null, line);
    assert.ok(Math.abs(Number(match![1]) - Date.now() / 1000) < 60, line);
    out.push([match![3], match![4]]);
  }
  return out;
}

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
});
t.after(async () => {
  assert.is(await cluster?.stop(), 0);
});

t('a monitor on worker 0 sees both workers\' commands, each client\'s in order, quoted and redacted as Redis; admin commands not shown', async () => {
  const m = await clientOnWorker(cluster.port, 0);
  const a = await clientOnWorker(cluster.port, 0);
  const b = await clientOnWorker(cluster.port, 1);
  assert.is(await m.call('MONITOR'), 'OK');
  const sent = new Map<RespClient, string[]>([
    [a, []],
    [b, []],
  ]);
  const run = async (c: RespClient, shown: string | null, ...argv: (string | Buffer)[]) => {
    await c.call(...argv);
    if (shown !== null) sent.get(c)!.push(shown);
  };
  for (let i = 0; i < 5; i++) {
    await run(a, `"SET" "mon-a-${i}" "${i}"`, 'SET', `mon-a-${i}`, String(i));
    await run(b, `"INCR" "mon-b"`, 'INCR', 'mon-b');
  }
  await run(a, `"SET" "odd" ${ODD_SHOWN}`, 'SET', 'odd', ODD);
  await run(b, '"AUTH" "(redacted)"', 'AUTH', 'secret-password');
  await run(b, '"HELLO" "2" "AUTH" "(redacted)" "(redacted)" "SETNAME" "x"', 'HELLO', '2', 'AUTH', 'default', 'other-secret', 'SETNAME', 'x');
  await run(a, null, 'CONFIG', 'GET', 'maxmemory');
  await run(a, '"CONFIG" "HELP"', 'CONFIG', 'HELP');
  await run(b, null, 'CLIENT', 'LIST');
  await run(b, '"CLIENT" "GETNAME"', 'CLIENT', 'GETNAME');
  await run(b, null, 'SLOWLOG', 'LEN');
  await run(a, '"MULTI"', 'MULTI');
  await run(a, '"GET" "odd"', 'GET', 'odd');
  await run(a, '"EXEC"', 'EXEC');
  const lines = await readLines(m, sent.get(a)!.length + sent.get(b)!.length);
  const byAddr = new Map<string, string[]>();
  for (const [addr, text] of lines) byAddr.set(addr, [...(byAddr.get(addr) ?? []), text]);
  assert.is(byAddr.size, 2, JSON.stringify(lines));
  const seen = [...byAddr.values()];
  for (const expected of sent.values()) assert.ok(seen.some((s) => JSON.stringify(s) === JSON.stringify(expected)), `${JSON.stringify(expected)} in ${JSON.stringify(seen)}`);
  assert.ok(!lines.some(([, text]) => text.includes('secret')), 'no password shown');
  // RESET ends it: the next reply is PING's, with no line between.
  assert.is(await m.call('RESET'), 'RESET');
  await a.call('SET', 'after-reset', '1');
  assert.is(await m.call('PING'), 'PONG');
  for (const c of [m, a, b]) c.close();
});

t('RESP3: the lines are status replies too; MONITOR again answers nothing', async () => {
  const m = await Resp3Client.connect(cluster.port);
  await m.call('HELLO', '3');
  assert.equal((await m.call('MONITOR')).value, { simple: 'OK' });
  const c = await RespClient.connect(cluster.port);
  await c.call('SET', 'resp3-mon', 'v');
  const line = await m.read();
  assert.match(line.raw, /^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\] "SET" "resp3-mon" "v"\r\n$/);
  // Its keyspace is off limits, as a replica's: refused, and not shown.
  assert.equal((await m.call('GET', 'resp3-mon')).value, { error: "ERR Replica can't interact with the keyspace" });
  assert.equal((await m.call('DBSIZE')).value, { error: "ERR Replica can't interact with the keyspace" });
  // A second MONITOR has no reply: its PING is the next reply (after the PING's own line, sent next turn).
  m.text.send(RespClient.encode('MONITOR'));
  assert.equal((await m.call('PING')).value, { simple: 'PONG' });
  assert.match((await m.read()).raw, /"PING"\r\n$/);
  c.close();
  m.text.close();
});

t('a monitor that stops reading is closed at client-output-limit; the others go on', async () => {
  const c = await RespClient.connect(cluster.port);
  assert.equal(await c.call('CONFIG', 'SET', 'client-output-limit', '1mb'), 'OK');
  const slow = await RespClient.connect(cluster.port);
  assert.is(await slow.call('MONITOR'), 'OK');
  slow.text.socket.pause();
  const value = 'v'.repeat(200);
  for (let round = 0; round < 40 && !slow.text.closed; round++) {
    await c.pipeline(Array.from({ length: 1000 }, (_, i) => ['SET', `flood-${i}`, value]));
    await sleep(5);
  }
  slow.text.socket.resume();
  const contention = new Contention().start();
  for (const until = Date.now() + 5000; !slow.text.closed && Date.now() < until + contention.bound(5000) - 5000; ) await sleep(20);
  contention.stop();
  assert.ok(slow.text.closed, 'the monitor that did not read was closed');
  assert.is(await c.call('PING'), 'PONG');
  assert.match((await c.call('INFO', 'stats')) as string, /client_output_buffer_limit_disconnections:[1-9]/);
  assert.equal(await c.call('CONFIG', 'SET', 'client-output-limit', '64mb'), 'OK');
  c.close();
});

t('across a live resize: a worker added while a monitor is connected feeds it too', async () => {
  const grown = await startCluster({ workers: 2, args: ['--admin-port', '0'] });
  try {
    const line = await grown.waitForLog((l) => l.message === 'admin listening');
    const m = await clientOnWorker(grown.port, 0);
    assert.is(await m.call('MONITOR'), 'OK');
    const res = await request(`http://127.0.0.1:${line.port as number}/workers`, { method: 'POST', body: JSON.stringify({ count: 3 }), headers: { 'content-type': 'application/json' } });
    assert.is(res.statusCode, 200, await res.body.text());
    const c = await clientOnWorker(grown.port, 2);
    assert.is(await c.call('SET', 'grown', '3'), 'OK');
    // The lines before are the CLIENT IDs that found worker 2; then the SET, from it.
    const seen = (async () => {
      let text = '';
      while (!text.endsWith('"SET" "grown" "3"')) text = (await m.read()) as string;
      return text;
    })();
    const late = new Contention().start();
    const text = await Promise.race([seen, sleep(5000).then(() => sleep(late.bound(5000) - 5000)).then(() => 'no line from the new worker')]);
    late.stop();
    assert.match(text, LINE);
    m.close();
    c.close();
  } finally {
    assert.is(await grown.stop(), 0);
  }
});

/** The same commands from one client, monitored on both servers (CONFIG not shown). */
const SAME: (string | Buffer)[][] = [
  ['SET', 'k', ODD],
  ['GET', 'k'],
  ['AUTH', 'pw'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['INCR', 'n'],
  ['MULTI'],
  ['SET', 'k', '1'],
  ['EXEC'],
  ['ECHO', ''],
  ['PING', 'hi there'],
  // Queued, then refused as EXEC runs it: EXEC's reply compared too (its line, after PING's, is).
  ['MULTI'],
  ['MONITOR'],
  ['EXEC'],
  // The script's line, then its call's, `[0 lua]` (last: the call may run on the key's worker,
  // whose lines come in by their own link, so it is not ordered with the client's next command).
  ['EVAL', "return redis.call('set', KEYS[1], 'v')", '1', 'lk'],
];

skips.test(t, 'the lines as redis-server\'s for the same commands (time and address aside), RESP2 and RESP3', missingTool('redis-server'), async () => {
  const redis: Target = await startRedis();
  try {
    for (const protocol of ['2', '3']) {
      const shown: string[][] = [];
      for (const port of [cluster.port, redis.port]) {
        const m = await Resp3Client.connect(port);
        await m.call('HELLO', protocol);
        await m.call('MONITOR');
        // Refused on both (a monitor may not touch the keyspace): the replies compared, no line.
        const lines: string[] = [(await m.call('SET', 'k', 'v')).raw];
        const c = await RespClient.connect(port);
        for (let i = 0; i < SAME.length; i++) {
          const reply = await c.call(...SAME[i]);
          if (i === SAME.length - 2) lines.push(JSON.stringify(reply));
        }
        // A line per command but CONFIG's and MONITOR's, and the script's call.
        for (let i = 0; i < SAME.length - 1; i++) lines.push((await m.read()).raw.replace(/^\+\d+\.\d{6} \[0 127\.0\.0\.1:\d+\]/, '+T [0 ADDR]').replace(/^\+\d+\.\d{6} \[0 lua\]/, '+T [0 lua]'));
        shown.push(lines);
        c.close();
        m.text.close();
      }
      assert.equal(shown[0], shown[1], `RESP${protocol}`);
    }
  } finally {
    await redis.stop();
  }
});

t.run();
