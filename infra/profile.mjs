#!/usr/bin/env node
// CPU profile of the server under the bench's load, summarised per process: the functions with
// the most self time. Usage (from the repo root, after `npx tsc -b`):
//   node infra/profile.mjs [--workers N] [--proto text|resp] [--pipeline P] [--connections C] [--duration S] [--top N]
// Starts apps/router/dist/main.js under `node --cpu-prof` on a free loopback port, runs
// apps/bench/dist/main.js against it, stops it with SIGTERM (profiles are written on exit), and
// prints each worker's top functions. Bounded: the load runs --duration seconds (default 5).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const args = process.argv.slice(2);
function opt(name, fallback) {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? args[at + 1] : fallback;
}
const workers = opt('workers', '2');
const proto = opt('proto', 'text');
const pipeline = opt('pipeline', '1');
const connections = opt('connections', '50');
const duration = opt('duration', '5');
const top = Number(opt('top', '25'));
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-prof-'));

const server = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, path.join(root, 'apps/router/dist/main.js'), '--port', '0', '--host', '127.0.0.1', '--workers', workers, '--maxclients', '10100'], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const port = await new Promise((resolve, reject) => {
  let text = '';
  const timer = setTimeout(() => reject(new Error('server did not start in 15 s')), 15000);
  server.stdout.on('data', (chunk) => {
    text += chunk;
    for (const line of text.split('\n')) {
      if (!line.includes('"listening"') && !line.includes('ready')) continue;
      try {
        const parsed = JSON.parse(line);
        if (parsed.port) {
          clearTimeout(timer);
          resolve(parsed.port);
        }
      } catch {}
    }
  });
});
const bench = spawnSync(process.execPath, [path.join(root, 'apps/bench/dist/main.js'), '--addr', `127.0.0.1:${port}`, '--target', 'kv', '--proto', proto, '--connections', connections, '--pipeline', pipeline, '--duration', duration, '--server-pid', String(server.pid)], { encoding: 'utf8', timeout: (Number(duration) + 60) * 1000 });
process.stdout.write(bench.stdout);
server.kill('SIGTERM');
await new Promise((resolve) => server.on('exit', resolve));

for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
  const profile = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const f = node.callFrame;
    const key = `${f.functionName || '(anonymous)'} ${path.basename(f.url || '')}:${f.lineNumber + 1}`;
    const t = dt[i] ?? 0;
    self.set(key, (self.get(key) ?? 0) + t);
    total += t;
  });
  const idle = [...self.entries()].filter(([k]) => k.startsWith('(idle)')).reduce((a, [, v]) => a + v, 0);
  const busy = total - idle;
  if (busy < total * 0.05) continue; // the primary: idle all along
  console.log(`\n## ${file}: ${(busy / 1e6).toFixed(2)} s busy of ${(total / 1e6).toFixed(2)} s`);
  const rows = [...self.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top);
  for (const [k, v] of rows) console.log(`${((100 * v) / busy).toFixed(1).padStart(5)}%  ${k}`);
}
fs.rmSync(dir, { recursive: true, force: true });
