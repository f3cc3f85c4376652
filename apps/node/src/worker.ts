import * as net from 'node:net';
import * as fs from 'node:fs';
import { FrameDecoder, FrameEncoder, FrameKind, ReplyKind, RequestReader, type FrameSink } from '@kv/wire';
import { BY_OPCODE } from './commands/table';
import type { ReplySink } from './reply';
import { ShardSet } from './shards';

/** Encodes replies into a reply frame for the peer that sent the batch. */
class FrameReplies implements ReplySink {
  readonly encoder = new FrameEncoder(FrameKind.REPLY);
  ok(): void {
    this.encoder.reply(ReplyKind.OK);
  }
  nil(): void {
    this.encoder.reply(ReplyKind.NIL);
  }
  bulk(value: string): void {
    this.encoder.replyLatin1(ReplyKind.BULK, value);
  }
  integer(n: number): void {
    this.encoder.replyLatin1(ReplyKind.INTEGER, String(n));
  }
  error(message: string): void {
    this.encoder.replyLatin1(ReplyKind.ERROR, message);
  }
}

export interface PeerServerEvents {
  /** A peer sent bytes that are not a valid frame; its connection is closed. */
  onCorruptFrame(error: Error): void;
}

/**
 * The data side of a worker process: its shards, and a Unix socket server on which the other
 * workers' routers send batches of commands for those shards. Each batch is run in order and
 * answered with one reply frame.
 */
export class ShardNode {
  readonly shards: ShardSet;
  /** Commands run for other workers' clients. */
  servedForPeers = 0;
  /** Batches (frames) received from peers. */
  peerFrames = 0;
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();

  constructor(owned: readonly number[], maxmemory: number) {
    this.shards = new ShardSet(owned, maxmemory);
  }

  /** Listens for peer links on a Unix socket path (replacing a stale socket file). */
  servePeers(path: string, events: PeerServerEvents): Promise<void> {
    try {
      fs.unlinkSync(path);
    } catch {
      // No stale socket to remove.
    }
    const server = net.createServer((socket) => this.acceptPeer(socket, events));
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        server.off('error', reject);
        resolve();
      });
    });
  }

  close(): void {
    this.server?.close();
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
  }

  private acceptPeer(socket: net.Socket, events: PeerServerEvents): void {
    this.sockets.add(socket);
    const decoder = new FrameDecoder();
    const reader = new RequestReader();
    const replies = new FrameReplies();
    const shards = this.shards;
    const sink: FrameSink = {
      frame: (kind, count, buf, start, end) => {
        if (kind !== FrameKind.REQUEST) throw new Error(`unexpected frame kind ${kind} from a peer`);
        this.peerFrames++;
        reader.reset(buf, start, end);
        for (let i = 0; i < count; i++) {
          const spec = BY_OPCODE[reader.next()];
          if (spec === undefined) replies.error('ERR unknown command');
          else shards.execute(spec, reader.args, replies);
        }
        this.servedForPeers += count;
        const frame = replies.encoder.finish();
        if (frame !== null) socket.write(frame);
      },
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.feed(chunk, sink);
      } catch (err) {
        events.onCorruptFrame(err as Error);
        socket.destroy();
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => this.sockets.delete(socket));
  }
}
