import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import * as readline from 'node:readline';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { answer } from '../src/nodeFloor';

const replies = (text: string): { out: string; used: number } => {
  const out: string[] = [];
  const used = answer(Buffer.from(text, 'latin1'), 0, (b) => out.push(b.toString('latin1')));
  return { out: out.join(''), used };
};

const parse = suite('node floor: one reply per command');

parse('text: PUT, GET, anything else', () => {
  assert.equal(replies('PUT k v\nGET k\nDEL k\n'), { out: 'OK\nNOTFOUND\nERROR\n', used: 20 });
});

parse('RESP: SET, GET; an incomplete command waits for the rest', () => {
  const set = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$2\r\nvv\r\n';
  const get = '*2\r\n$3\r\nget\r\n$1\r\nk\r\n';
  assert.equal(replies(set + get), { out: '+OK\r\n$-1\r\n', used: set.length + get.length });
  for (let cut = 1; cut < get.length; cut++) assert.equal(replies(set + get.slice(0, cut)), { out: '+OK\r\n', used: set.length }, `cut at ${cut}`);
  assert.equal(replies('GET k'), { out: '', used: 0 });
});

parse.run();

const e2e = suite<{ child: ChildProcess | null; port: number }>('node floor: a cluster of 2 workers', { child: null, port: 0 });

e2e.before(async (ctx) => {
  const main = path.join(__dirname, '..', 'dist', 'nodeFloor.js');
  const child = spawn(process.execPath, [main, '--port', '0', '--host', '127.0.0.1', '--workers', '2', '--maxmemory', '1gb'], { stdio: ['ignore', 'pipe', 'inherit'] });
  ctx.child = child;
  ctx.port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no ready line in 15 s')), 15_000);
    readline.createInterface({ input: child.stdout! }).on('line', (line) => {
      const ready = JSON.parse(line) as { message: string; port: number };
      if (ready.message !== 'ready') return;
      clearTimeout(timer);
      resolve(ready.port);
    });
  });
});

e2e.after(async (ctx) => {
  const child = ctx.child;
  if (child === null || child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
});

e2e('answers both protocols, a command split over two writes too', async (ctx) => {
  const got = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(ctx.port, '127.0.0.1');
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => {
      text += chunk.toString('latin1');
      if (text.endsWith('$-1\r\n')) {
        socket.destroy();
        resolve(text);
      }
    });
    socket.write('PUT a 1\nGET a\n*2\r\n$3\r\nGE');
    setTimeout(() => socket.write('T\r\n$1\r\na\r\n'), 50);
  });
  assert.is(got, 'OK\nNOTFOUND\n$-1\r\n');
});

e2e.run();
