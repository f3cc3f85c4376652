import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { RespClient, startCluster, type Cluster } from './harness';

const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
const t = suite('e2e: MSET under noeviction is all or nothing, key by key');
let cluster: Cluster;

t.before(async () => {
  // 1mb: each of 2 workers has a budget of 512 KiB (a 16th of it per shard owned).
  cluster = await startCluster({ workers: 2, args: ['--maxmemory', '1mb', '--maxmemory-policy', 'noeviction'] });
});
t.after(async () => {
  await cluster.stop();
});

function keysOfShard(prefix: string, shard: number, n: number): string[] {
  const keys: string[] = [];
  for (let i = 0; keys.length < n; i++) if (shardOfString(`${prefix}${i}`) === shard) keys.push(`${prefix}${i}`);
  return keys;
}

t('MSET growing one key while another shrinks: refused whole if a write, in order, would not fit; never OK with a key lost', async () => {
  const c = await RespClient.connect(cluster.port);
  const [big, grow, big2, grow2] = keysOfShard('mo-', 3, 4);
  // A key on another worker too, so the MSET is a transaction over several workers.
  const other = keysOfShard('mo-other-', 12, 1)[0];
  assert.is(await c.call('SET', big, 'b'.repeat(300_000)), 'OK');
  // Net change is negative, but `grow` is applied first and does not fit beside `big`.
  const reply = await c.call('MSET', grow, 'g'.repeat(250_000), big, 'small', other, 'x');
  assert.equal(reply, { error: OOM });
  assert.equal(await c.call('MGET', grow, big, other), [null, 'b'.repeat(300_000), null], 'nothing of it was applied');
  // The other order fits: `big` shrinks first.
  assert.is(await c.call('MSET', big, 'small', grow, 'g'.repeat(250_000), other, 'x'), 'OK');
  assert.equal(await c.call('MGET', grow, big, other), ['g'.repeat(250_000), 'small', 'x'], 'every key of an OK is stored');
  // Two new keys that each fit alone but not together.
  assert.equal(await c.call('MSET', big2, 'c'.repeat(200_000), grow2, 'd'.repeat(200_000), other, 'y'), { error: OOM });
  assert.equal(await c.call('MGET', big2, grow2, other), [null, null, 'x']);
  c.close();
});

t.run();
