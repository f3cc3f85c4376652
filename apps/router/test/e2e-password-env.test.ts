import * as fs from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RespClient, sleep, startCluster, TextClient, type Cluster } from './harness';

const PASSWORD = 'not-in-env-3f9a';
const t = suite('e2e: the password reaches workers over the cluster channel, not their environment');
let cluster: Cluster;

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--requirepass', PASSWORD] });
});
t.after(async () => {
  await cluster.stop();
});

function environOf(pid: number): string {
  return fs.readFileSync(`/proc/${pid}/environ`, 'latin1');
}

async function authWorks(): Promise<boolean> {
  try {
    const c = await RespClient.connect(cluster.port);
    const ok = (await c.call('AUTH', PASSWORD)) === 'OK' && (await c.call('AUTH', 'wrong')) !== 'OK' && (await c.call('PING')) === 'PONG';
    c.close();
    return ok;
  } catch {
    return false;
  }
}

t('no worker environment holds the password; AUTH works, also after a worker is killed with -9 and restarted', async () => {
  for (const w of [0, 1]) {
    const env = environOf(cluster.workerPid(w));
    assert.ok(env.includes('KV_RUN_CONFIG'), 'the settings are there');
    assert.not.ok(env.includes(PASSWORD), `worker ${w}'s environment has no password`);
  }
  for (let i = 0; i < 4; i++) assert.ok(await authWorks(), 'AUTH on every worker');
  const text = await TextClient.connect(cluster.port);
  assert.equal(await text.request(['GET k', `AUTH ${PASSWORD}`]), ['ERROR', 'OK']);
  text.close();
  const victim = cluster.workerPid(1);
  process.kill(victim, 'SIGKILL');
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && (cluster.workerPid(1) === victim || !(await authWorks()))) await sleep(50);
  const fresh = cluster.workerPid(1);
  assert.is.not(fresh, victim, 'worker 1 was restarted');
  assert.not.ok(environOf(fresh).includes(PASSWORD), 'nor does the restarted worker\'s');
  for (let i = 0; i < 6; i++) assert.ok(await authWorks(), 'AUTH still works on every worker');
  // A client that never authenticates is still refused.
  const c = await RespClient.connect(cluster.port);
  assert.equal(await c.call('GET', 'k'), { error: 'NOAUTH Authentication required.' });
  c.close();
});

t.run();
