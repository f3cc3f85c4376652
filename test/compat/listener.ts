import * as net from 'node:net';
import { sleep } from '../clients/target';
import { encode, parse, type Node } from './resp-raw';

/** A raw connection that keeps every frame the server sends (replies and push messages alike), for the differential suites. */
export class RawListener {
  private buf = Buffer.alloc(0);
  private frames: Node[] = [];
  lastData = Date.now();
  closed = false;

  constructor(readonly socket: net.Socket) {
    socket.on('error', () => {});
    socket.on('close', () => (this.closed = true));
    socket.on('data', (chunk: Buffer) => {
      this.lastData = Date.now();
      this.buf = Buffer.concat([this.buf, chunk]);
      for (let at = parse(this.buf); at !== undefined; at = parse(this.buf)) {
        this.frames.push(at.node);
        this.buf = this.buf.subarray(at.end);
      }
    });
  }

  static connect(port: number): Promise<RawListener> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('error', reject);
      socket.once('connect', () => resolve(new RawListener(socket)));
    });
  }

  /** Waits until `n` frames are in (a reply is owed for each command sent), or the connection closed. */
  async waitFor(n: number): Promise<void> {
    for (let tries = 0; this.frames.length < n && !this.closed && tries < 1000; tries++) await sleep(5);
  }

  /** The frames since the last take. */
  takeNodes(): Node[] {
    const nodes = this.frames;
    this.frames = [];
    return nodes;
  }

  /** The same, as RESP bytes. */
  take(): string[] {
    return this.takeNodes().map(encode);
  }
}
