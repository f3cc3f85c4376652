import * as net from 'node:net';
import { OutBuffer } from '@kv/wire';
import type { ShardNode } from '@kv/node';
import { Conn } from './conn';
import type { Peers } from './peers';

/**
 * The connection side of a worker process: serves the clients the primary hands it, and routes
 * each command to the shard that owns its key.
 */
export class Router {
  /** Shared scratch for replies; filled and emptied within one callback. */
  readonly out = new OutBuffer(64 * 1024);
  readonly conns = new Set<Conn>();
  commands = 0;
  /** Commands run on this worker's own shards for its clients. */
  local = 0;
  totalConnections = 0;
  draining = false;
  private onSettled: (() => void) | null = null;

  constructor(
    readonly self: number,
    readonly workers: number,
    readonly node: ShardNode,
    readonly peers: Peers,
  ) {}

  /** Serves a client connection the primary handed over. */
  adopt(socket: net.Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const conn = new Conn(socket, this);
    this.conns.add(conn);
    this.totalConnections++;
    socket.on('data', (chunk: Buffer) => conn.onData(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      conn.closed = true;
      this.conns.delete(conn);
      this.settled(conn);
    });
    socket.resume();
  }

  /** Called when a client owes nothing more (or closed). */
  settled(_conn: Conn): void {
    if (this.onSettled !== null) this.onSettled();
  }

  /**
   * Graceful stop: read nothing more, answer every command already read, then
   * close every client.
   */
  drain(): Promise<void> {
    this.draining = true;
    for (const conn of this.conns) conn.stopReading();
    return new Promise((resolve) => {
      const check = () => {
        for (const conn of this.conns) if (conn.waiting) return;
        this.onSettled = null;
        for (const conn of this.conns) conn.socket.end();
        resolve();
      };
      this.onSettled = check;
      check();
    });
  }

  statsText(): string {
    const t = this.node.shards.totals();
    const lines: [string, string | number][] = [
      ['worker', this.self],
      ['workers', this.workers],
      ['pid', process.pid],
      ['shards', this.node.shards.owned.join(',')],
      ['connected_clients', this.conns.size],
      ['total_connections', this.totalConnections],
      ['commands', this.commands],
      ['commands_local', this.local],
      ['commands_forwarded', this.peers.forwarded],
      ['frames_forwarded', this.peers.framesSent()],
      ['commands_served_for_peers', this.node.servedForPeers],
      ['frames_served_for_peers', this.node.peerFrames],
      ['keys', t.keys],
      ['bytes', t.bytes],
      ['hits', t.hits],
      ['misses', t.misses],
      ['evictions', t.evictions],
      ['rss', process.memoryUsage.rss()],
    ];
    let text = '';
    for (const [k, v] of lines) text += `${k} ${v}\n`;
    return text + 'END\n';
  }
}
