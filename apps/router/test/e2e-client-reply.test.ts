import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { missingTool, Skips } from '../../../test-support/skip';
import { encodeCommand } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { keysPerShard, startCluster, type Cluster } from './harness';

/**
 * CLIENT REPLY OFF, SKIP and ON over 2 workers, RESP2 and RESP3: one pipeline sent at once to this
 * server and to redis-server must read back the same bytes. It silences the replies of commands
 * run here, forwarded to the other worker, of a plan over both, of MULTI/EXEC and scripts (run
 * whole by another worker, too) and of a blocking command, but not the subscribe family's (Redis
 * sends those as push messages).
 */

const noRedis = missingTool('redis-server');
const NAME = 'e2e: CLIENT REPLY';
const t = suite(NAME);
const skips = new Skips(NAME);
let cluster: Cluster;
let redis: Target | undefined;
// Shard s is on worker s % 2: a key of each worker, whichever the client landed on.
const [k0, k1] = keysPerShard('cr:', shardOfString);

t.before(async () => {
  cluster = await startCluster({ workers: 2 });
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await cluster?.stop();
  await redis?.stop();
});

const END = '$3\r\nend\r\n';

/** Sends every command in one write; everything read back until ECHO end's reply. */
function transcript(port: number, commands: string[][]): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ port, host: '127.0.0.1' });
    let got = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no end in 10 s; read: ${JSON.stringify(got)}`));
    }, 10_000);
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      got += chunk.toString('latin1');
      if (!got.endsWith(END)) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    });
    socket.write(Buffer.concat([...commands, ['ECHO', 'end']].map(encodeCommand)));
  });
}

function commands(resp: number): string[][] {
  const list = [
    ['HELLO', String(resp)],
    ['ECHO', 'start'],
    ['DEL', k0, k1, 'cr:list'],
    ['CLIENT', 'REPLY', 'OFF'],
    ['SET', k0, '1'],
    ['SET', k1, 'v'],
    ['GET', k1],
    ['INCR', k1],
    ['GET'],
    ['MGET', k0, k1],
    ['CLIENT', 'REPLY', 'SKIP'],
    // A transaction and a script on each worker's key: one of them is another worker's, run there whole.
    ...[k0, k1].flatMap((k) => [['MULTI'], ['APPEND', k, 'x'], ['EXEC'], ['EVAL', "return redis.call('APPEND', KEYS[1], 'y')", '1', k]]),
    ['MULTI'],
    ['INCR', k0],
    ['EXEC'],
    ['BLPOP', 'cr:list', '0.01'],
    ['CLIENT', 'REPLY', 'ON'],
    ['GET', k0],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['GET', k1],
    ['GET', k0],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['CLIENT', 'REPLY', 'ON'],
    ['CLIENT', 'REPLY', 'MAYBE'],
    ['CLIENT', 'REPLY', 'SKIP'],
    ['MULTI'],
    ['INCR', k0],
    ['EXEC'],
    ['PING'],
  ];
  // The subscribe family answers even with replies off; in RESP2 only it could then run.
  if (resp === 3) list.push(['CLIENT', 'REPLY', 'OFF'], ['SUBSCRIBE', 'cr:ch'], ['PING'], ['UNSUBSCRIBE', 'cr:ch'], ['CLIENT', 'REPLY', 'ON']);
  list.push(['CLIENT', 'REPLY', 'OFF'], ['RESET'], ['PING']);
  return list;
}

skips.test(t, 'a pipeline with replies off, skipped and on again reads the same as on redis-server, RESP2 and RESP3', noRedis, async () => {
  for (const resp of [2, 3]) {
    const [ours, theirs] = [await transcript(cluster.port, commands(resp)), await transcript(redis!.port, commands(resp))];
    // HELLO's map names the server and its id; the rest must match byte for byte.
    const after = (text: string) => text.slice(text.indexOf('$5\r\nstart\r\n'));
    assert.is(after(ours), after(theirs), `RESP${resp}`);
    assert.ok(after(theirs).includes('-ERR syntax error'), 'the comparison covers the syntax error');
  }
});

t.run();
