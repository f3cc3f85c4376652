import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { ShardNode } from '@kv/node';
import { SHARD_COUNT } from '@kv/wire';
import type { RouterSettings } from '../client/host';
import type { Scripts } from '../coord/scripts';
import { Peers } from '../links/peers';
import { MonitorFeed } from '../monitor/feed';
import { Invalidator } from '../tracking/invalidator';
import { log } from '../log';
import { destroySocket } from './client-socket';
import { Router } from './router';

/** Clients connected at once while warming, and the most a worker warms with in all (each sends 4 commands, alternating a read and a write of one protocol). */
const WAVE = 50;
const MAX_CLIENTS = 4000;
/** The most the scratch link may take to come up. */
const LINK_MS = 2000;
/** The scratch store's budget: the warm-up's keys are a few KB. */
const SCRATCH_MAXMEMORY = 8 * 1024 * 1024;

const VALUE = 'v'.repeat(32);

/** A writer in the wave before a reader, in the same protocol (WAVE < HIT_BACK, HIT_BACK = 3 mod 4). */
const HIT_BACK = 55;

/**
 * What warm-up client i sends: one command, as a burst of new clients does; RESP and text, writes,
 * and reads that miss (a key nobody writes) or hit (the key a client of the wave before wrote), in turn.
 */
function request(i: number): Buffer {
  const read = (i & 4) === 0 ? i : i - HIT_BACK;
  switch (i & 3) {
    case 0:
      return respCommand(['GET', `warm:${read}`]);
    case 1:
      return respCommand(['SET', `warm:${i}`, VALUE]);
    case 2:
      return Buffer.from(`GET warm:${read}\n`, 'latin1');
    default:
      return Buffer.from(`PUT warm:${i} ${VALUE}\n`, 'latin1');
  }
}

/** Warm-up client i's first command: AUTH with the scratch router's password, in the protocol its commands use. */
function auth(i: number, password: string): Buffer {
  return (i & 2) === 0 ? respCommand(['AUTH', password]) : Buffer.from(`AUTH ${password}\n`, 'latin1');
}

function respCommand(argv: string[]): Buffer {
  return Buffer.from(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`, 'latin1');
}

/** Warms this worker up before it says it is ready (--warmup-ms); a warm-up that fails is logged, and the worker serves without it. */
export async function warmBeforeReady(self: number, limits: RouterSettings, scripts: Scripts, runDir: string, budgetMs: number): Promise<void> {
  const started = performance.now();
  try {
    const warmed = await warmUp(self, limits, scripts, runDir, budgetMs);
    if (budgetMs > 0) log('debug', 'warmed up', { worker: self, ...warmed, ms: Math.round(performance.now() - started) });
  } catch (err) {
    log('warn', 'warm-up failed; serving without it', { worker: self, error: (err as Error).message });
  }
}

/**
 * Runs the per-client path of a worker (accept, the socket it reads through, protected mode, a
 * Conn and its parts, the parsers, dispatch, a store's GET and SET, the reply and its write, the
 * close) over clients of its own, for at most `budgetMs`, before the worker takes any real client:
 * V8 compiles what a burst of new clients runs only after a few thousand of them (a cold burst
 * cost 1.5-2x a warm one, issue 21), so the first real burst finds it compiled. Everything it
 * touches is scratch: its own Router over its own empty store, shard map and links, listening on
 * a loopback port of its own; none of the worker's figures (INFO's stats, commandstats, keyspace,
 * client ids) nor its data see it.
 */
export async function warmUp(self: number, limits: RouterSettings, scripts: Scripts, runDir: string, budgetMs: number): Promise<{ clients: number; forwarded: number; hits: number; misses: number }> {
  if (budgetMs <= 0) return { clients: 0, forwarded: 0, hits: 0, misses: 0 };
  const until = performance.now() + budgetMs;
  // Half the shards on a scratch peer in this process, so a forwarded command's path (its frames both ways) is warmed too.
  const other = self === 0 ? 1 : 0;
  const owners = Array.from({ length: SHARD_COUNT }, (_, shard) => (shard % 2 === 0 ? self : other));
  const mine = new ShardNode(shardsOf(owners, self), SCRATCH_MAXMEMORY);
  const theirs = new ShardNode(shardsOf(owners, other), SCRATCH_MAXMEMORY);
  const workers = Math.max(self, other) + 1;
  const quiet = { onLinkDown: () => {}, onCorruptFrame: () => {} };
  const peers = new Peers(self, workers, mine, quiet);
  const peer = new Peers(other, workers, theirs, quiet);
  const paths = [self, other].map((i) => path.join(runDir, `warmup-${process.pid}-${i}.sock`));
  const router = new Router(self, { version: 0, workers, owners }, mine, peers, { ...limits, timeout: 0 }, scripts);
  router.monitor = new MonitorFeed({ self, pushTo: () => null, outputLimit: () => 0, flushClients: () => peers.flushDirty(), ask: () => Promise.resolve(undefined) });
  router.tracking = new Invalidator({ self, counted: mine.shards.memory.tracking, client: (id) => router.conns.byIdOf(id), pushTo: () => null, flushClients: () => peers.flushDirty(), outputLimit: () => 0 });
  // Its port is on 127.0.0.1 for a moment, and its router shares the worker's script cache: only
  // its own clients, which know this password, may run anything there.
  const password = randomBytes(24).toString('hex');
  router.setPassword(password);
  // As on the worker's own router: client sockets inherit their options from the listening socket.
  router.socketOptionsInherited = true;
  const server = net.createServer();
  let sent = 0;
  try {
    await Promise.all([peers.listen(paths[0]), peer.listen(paths[1])]);
    // A link takes a few ms; a budget shorter than that still gets one, and the waves below none.
    const linkDeadline = performance.now() + Math.max(budgetMs, LINK_MS);
    const linked = new Promise<void>((resolve, reject) => {
      const check = () => {
        if (peers.isUp(other) && peer.isUp(self)) resolve();
        else if (performance.now() > linkDeadline) reject(new Error('scratch peer link not up'));
        else setTimeout(check, 1);
      };
      check();
    });
    const table: (string | null)[] = [];
    table[self] = paths[0];
    table[other] = paths[1];
    // The higher-numbered of the two opens the link, as between workers.
    peers.update(table);
    peer.update(table);
    await linked;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
    });
    // Accepted as the Acceptor does: the raw handle, the socket it reads through, then adopt.
    const handle = (server as unknown as { _handle: { onconnection: (status: number, client: unknown) => void } })._handle;
    handle.onconnection = (status, client) => {
      if (status < 0 || client === undefined) return;
      const socket = router.socketFor(client);
      socket.on('error', destroySocket);
      router.adopt(socket);
    };
    const port = (server.address() as net.AddressInfo).port;
    while (sent < MAX_CLIENTS && performance.now() < until) {
      const wave: Promise<void>[] = [];
      for (let i = 0; i < WAVE; i++, sent++) wave.push(oneClient(port, [auth(sent, password), request(sent), request(sent ^ 1), request(sent), request(sent ^ 1)]));
      await Promise.all(wave);
    }
  } finally {
    server.close();
    for (const conn of router.conns) conn.socket.destroy();
    peers.closeAll();
    peer.closeAll();
    for (const p of paths) fs.rmSync(p, { force: true });
  }
  const [a, b] = [mine.shards.totals(), theirs.shards.totals()];
  return { clients: sent, forwarded: peers.forwarded, hits: a.hits + b.hits, misses: a.misses + b.misses };
}

function shardsOf(owners: readonly number[], worker: number): number[] {
  const out: number[] = [];
  owners.forEach((owner, shard) => owner === worker && out.push(shard));
  return out;
}

/**
 * One client: connects, sends `commands` one at a time, each once the reply to the one before
 * came (as a closed-loop client), and closes after the last reply (or an error, or a second).
 */
function oneClient(port: number, commands: readonly Buffer[]): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let next = 0;
    const done = () => {
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(done, 1000);
    socket.on('error', done);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
    socket.once('connect', () => socket.write(commands[next++]));
    // A reply comes in one read over loopback; one split in two only sends the next command early.
    socket.on('data', () => (next < commands.length ? socket.write(commands[next++]) : done()));
  });
}
