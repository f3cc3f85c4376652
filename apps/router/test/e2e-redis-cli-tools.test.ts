import { spawn } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingTool, Skips } from '../../../test-support/skip';
import { RespClient, startCluster, type Cluster } from './harness';

/**
 * redis-cli's operator modes against 2 workers, run headless (no TTY): `--memkeys` (SCAN, TYPE
 * and MEMORY USAGE: each key's bytes as MEMORY USAGE answers), `--stat` (INFO every interval;
 * its stdout is a pipe, so through `stdbuf -o0`, or what it printed stays in its buffer when it
 * is stopped) and `--latency-dist` (PINGs, its spectrum drawn with ANSI colours, which need no
 * terminal). Both loop until stopped: each runs about 1.5 s.
 */

const NAME = 'e2e: redis-cli --memkeys, --stat, --latency-dist on 2 workers';
const t = suite(NAME);
const skips = new Skips(NAME);
let cluster: Cluster;
let c: RespClient;

/** Runs redis-cli with `args` (after stdbuf -o0 when `unbuffered`), stopped after `ms` if still running; its output. */
function cli(args: string[], ms: number, unbuffered = false): Promise<string> {
  return new Promise((resolve, reject) => {
    const full = ['redis-cli', '-h', '127.0.0.1', '-p', String(cluster.port), ...args];
    const child = unbuffered ? spawn('stdbuf', ['-o0', ...full], { stdio: ['ignore', 'pipe', 'pipe'] }) : spawn(full[0], full.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('latin1').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('latin1').on('data', (d: string) => (out += d));
    const timer = setTimeout(() => child.kill('SIGINT'), ms);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

t.before(async () => {
  cluster = await startCluster({ workers: 2, args: ['--admin-port', '-1'] });
  c = await RespClient.connect(cluster.port);
  for (let i = 1; i <= 20; i++) assert.is(await c.call('SET', `tool-k${i}`, 'x'.repeat(i * 50)), 'OK');
  await c.call('HSET', 'tool-h', 'a', '1', 'b', '2');
  await c.call('RPUSH', 'tool-l', 'a', 'b', 'c');
  await c.call('SADD', 'tool-s', 'a', 'b');
});
t.after(async () => {
  c?.close();
  assert.is(await cluster?.stop(), 0);
});

skips.test(t, '--memkeys: every key sampled, each type\'s biggest and totals as MEMORY USAGE gives them', missingTool('redis-cli'), async () => {
  const out = await cli(['--memkeys'], 30_000);
  assert.match(out, /Sampled 23 keys in the keyspace!/);
  const usage = async (key: string) => (await c.call('MEMORY', 'USAGE', key)) as number;
  assert.ok(out.includes(`Biggest string found '"tool-k20"' has ${await usage('tool-k20')} bytes`), out);
  assert.ok(out.includes(`Biggest   hash found '"tool-h"' has ${await usage('tool-h')} bytes`), out);
  assert.ok(out.includes(`Biggest   list found '"tool-l"' has ${await usage('tool-l')} bytes`), out);
  assert.ok(out.includes(`Biggest    set found '"tool-s"' has ${await usage('tool-s')} bytes`), out);
  let strings = 0;
  for (let i = 1; i <= 20; i++) strings += await usage(`tool-k${i}`);
  assert.ok(strings > 20 * 50 && out.includes(`20 strings with ${strings} bytes`), out);
});

skips.test(t, '--stat headless (stdout unbuffered): a line per interval with the keys, clients and requests counted', missingTool('redis-cli', 'stdbuf'), async () => {
  const out = await cli(['--stat', '-i', '0.2'], 1500, true);
  const lines = out.split('\n');
  assert.match(lines[0], /^------- data ------ -+ load -+ - child -$/);
  assert.match(lines[1], /^keys\s+mem\s+clients\s+blocked\s+requests\s+connections/);
  const rows = lines.slice(2).filter((l) => /^\d/.test(l)).map((l) => l.trim().split(/\s+/));
  assert.ok(rows.length >= 3, out);
  for (const row of rows) {
    assert.is(Number(row[0]), 23, 'keys: INFO keyspace summed over the workers');
    assert.match(row[1], /^[\d.]+[BKMG]$/, 'mem: used_memory_human');
    assert.ok(Number(row[2]) >= 2, 'clients: this test\'s and redis-cli');
  }
  // Each row's requests grow by the INFO it sent.
  for (let i = 1; i < rows.length; i++) assert.ok(Number(rows[i][4]) > Number(rows[i - 1][4]), out);
});

skips.test(t, '--latency-dist headless: the legend, then spectrum lines in ANSI colours', missingTool('redis-cli'), async () => {
  const out = await cli(['--latency-dist', '-i', '0.5'], 1800);
  assert.ok(out.includes('. - * #          .01 .125 .25 .5 milliseconds'), out);
  const spectra = out.split('\n').filter((l) => l.startsWith('\x1b[38;5;0m') && l.includes('?'));
  assert.ok(spectra.length >= 1, JSON.stringify(out));
});

t.run();
