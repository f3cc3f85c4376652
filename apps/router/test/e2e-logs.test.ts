import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { childPids, keysPerShard, MAIN, readLogLines, sleep, startCluster, TextClient, type LogLine } from './harness';

const t = suite('e2e: logs and --log-level');

/** A port free a moment ago (a warn-level server prints no ready line to read its port from). */
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

/** Polls until `check` passes or the deadline; returns whether it did. */
async function eventually(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await Promise.resolve().then(check).catch(() => false)) return true;
    await sleep(100);
  }
  return false;
}

t('every line is one JSON object with time, level, process, pid and message; debug level adds debug lines', async () => {
  const cluster = await startCluster({ workers: 2, args: ['--log-level', 'debug', '--admin-port', '-1'] });
  try {
    for (const line of cluster.logs) {
      assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
      assert.ok(['debug', 'info', 'warn', 'error'].includes(String(line.level)), JSON.stringify(line));
      assert.match(String(line.process), /^(primary|worker-\d+)$/);
      assert.type(line.pid, 'number');
      assert.type(line.message, 'string');
      assert.not.ok('msg' in line, 'the field is message, not msg');
    }
    const forked = cluster.logs.filter((l) => l.level === 'debug' && l.message === 'worker forked');
    assert.equal(forked.map((l) => l.worker).sort(), [0, 1]);
    await cluster.waitForLog((l) => l.level === 'debug' && l.message === 'linked to every peer' && l.process === 'worker-1');
  } finally {
    await cluster.stop();
  }
});

t('a warn-level server prints no info line, and still warns when a worker dies', async () => {
  const port = await freePort();
  const args = [MAIN, '--port', String(port), '--host', '127.0.0.1', '--workers', '2', '--admin-port', '-1', '--log-level', 'warn'];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: LogLine[] = [];
  readLogLines(child.stdout!, (line) => lines.push(line));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  try {
    const keys = keysPerShard('log-', shardOfString);
    // Every shard answers: both workers are up and linked.
    const allServed = async () => {
      const c = await TextClient.connect(port);
      try {
        return (await c.request(keys.map((k) => `PUT ${k} v`))).every((r) => r === 'OK');
      } finally {
        c.close();
      }
    };
    assert.ok(await eventually(allServed, 20_000), 'the server came up');
    const workers = childPids(child.pid!);
    assert.is(workers.length, 2);
    process.kill(workers[0], 'SIGKILL');
    assert.ok(await eventually(() => lines.some((l) => l.message === 'worker died, restarting with its shards empty'), 10_000), 'the death is logged');
    // Served on every shard again: the replacement is up (its restart is an info line, dropped).
    assert.ok(await eventually(allServed, 20_000), 'the replacement serves');
    await sleep(300);
  } finally {
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    assert.is(await exited, 0);
    clearTimeout(timer);
  }
  assert.ok(lines.length >= 1);
  for (const line of lines) assert.ok(line.level === 'warn' || line.level === 'error', `below warn: ${JSON.stringify(line)}`);
  assert.ok(lines.some((l) => l.level === 'warn' && l.message === 'worker died, restarting with its shards empty'));
});

t.run();
