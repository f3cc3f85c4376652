import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { raw } from './blocking-helpers';
import { startCluster, type Cluster } from './harness';

/**
 * OBJECT called from a script (Redis allows it) against redis-server, in RESP2 and RESP3 on 2
 * workers (keys of both: {A} shard 6, {a} shard 15): each subcommand, HELP, a missing key, the
 * script errors Redis answers for an unknown subcommand and a wrong count, FREQ's error under an
 * LRU policy, redis.pcall, EVAL_RO, and a script that writes then looks. Only encodings both
 * servers name alike are asked for (README: OBJECT's differences).
 */
const call = (body: string, key: string, ro = false): string[] => [ro ? 'EVAL_RO' : 'EVAL', body, '1', key];
const STEPS = (k: string): string[][] => [
  ['SET', k, 'v'],
  call("return redis.call('object','encoding',KEYS[1])", k),
  call("return redis.call('OBJECT','REFCOUNT',KEYS[1])", k),
  call("return redis.call('object','idletime',KEYS[1])", k),
  call("return redis.call('object','freq',KEYS[1])", k),
  call("return redis.pcall('object','freq',KEYS[1])", k),
  call("return redis.call('object','help')", k),
  call("return redis.call('object','nosuch',KEYS[1])", k),
  call("return redis.pcall('object','nosuch',KEYS[1])", k),
  call("return redis.call('object','encoding')", k),
  call("return redis.call('object','encoding',KEYS[1],'x')", k),
  call("return redis.call('object')", k),
  call("return redis.call('object','encoding',KEYS[1])", `${k}none`),
  call("return redis.call('object','encoding',KEYS[1])", k, true),
  call("redis.call('set',KEYS[1],'12345'); return redis.call('object','encoding',KEYS[1])", k),
  call("redis.call('del',KEYS[1]); redis.call('hset',KEYS[1],'f','v'); return {redis.call('object','encoding',KEYS[1]), redis.call('type',KEYS[1])}", k),
  call("redis.call('del',KEYS[1]); redis.call('zadd',KEYS[1],1,'m'); return redis.call('object','encoding',KEYS[1])", k),
];

async function play(port: number, resp: number): Promise<string[]> {
  const conn = await RawConn.connect(port);
  try {
    if (resp === 3) await conn.command(['HELLO', '3']);
    const out: string[] = [];
    for (const tag of ['{A}', '{a}']) for (const argv of STEPS(`${tag}o${resp}`)) out.push(`${argv.join(' ')} -> ${raw(await conn.command(argv))}`);
    return out;
  } finally {
    conn.close();
  }
}

const NAME = 'e2e: OBJECT from a script against redis-server';
const t = suite(NAME);
const noRedis = missingTool('redis-server');
if (noRedis !== null) new Skips(NAME).all(['RESP2 and RESP3 on 2 workers'], `${noRedis} (apt-get install redis-server)`);
else {
  let cluster: Cluster;
  let redis: Target;
  t.before(async () => {
    [cluster, redis] = await Promise.all([startCluster({ workers: 2 }), startRedis()]);
  });
  t.after(async () => {
    await Promise.all([cluster?.stop(), redis?.stop()]);
  });
  t('RESP2 and RESP3 on 2 workers', async () => {
    for (const resp of [2, 3]) {
      const [mine, theirs] = [await play(cluster.port, resp), await play(redis.port, resp)];
      mine.forEach((line, i) => assert.is(line, theirs[i]));
      assert.is(mine.length, theirs.length);
    }
  });
}
t.run();
