#!/usr/bin/env node
// The build `npm start` runs first (tsc -b over every workspace), saying what it does on stderr:
// on a fresh clone it compiles for 15-40 s, which used to pass in silence. stdout stays the
// server's JSON log lines alone. Exits with tsc's status, so a failed build starts nothing.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const say = (text) => process.stderr.write(`kv-cache: ${text}\n`);
const started = Date.now();
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

say('building: tsc -b compiles the workspaces that changed (a fresh clone: all six, 15-40 s; up to date: about 2 s)');
const child = spawn(process.execPath, [tsc, '-b', '--verbose'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
let current = null;
let since = Date.now();
let built = 0;
const finishCurrent = () => {
  if (current !== null) say(`compiled ${current} in ${seconds(since)}`);
  current = null;
};
for (const stream of [child.stdout, child.stderr]) {
  readline.createInterface({ input: stream }).on('line', (line) => {
    const building = /Building project '(.+)\/tsconfig\.json'/.exec(line);
    if (building) {
      finishCurrent();
      current = path.relative(root, building[1]) || '.';
      since = Date.now();
      built++;
      say(`compiling ${current} ...`);
      return;
    }
    // --verbose's own narration stays quiet; anything else (a compile error) is shown as tsc prints it.
    if (/^\s*$|^\S* ?\d+:\d+:\d+ [AP]M - |^\s+\* /.test(line) || /is (out of date|up to date)|Projects in this build/.test(line)) return;
    process.stderr.write(`${line}\n`);
  });
}
child.on('exit', (code) => {
  finishCurrent();
  if (code === 0) say(`${built === 0 ? 'everything up to date' : `built ${built} workspace${built === 1 ? '' : 's'}`} in ${seconds(started)}; starting the server (node apps/router/dist/main.js)`);
  else say(`build failed (tsc exited ${code}); not starting`);
  process.exit(code ?? 1);
});
