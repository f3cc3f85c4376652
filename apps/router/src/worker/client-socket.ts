import * as net from 'node:net';

/** Where a wired socket's reads go (its Conn, once served), kept on the socket itself. */
export interface ReadTarget {
  /** `bytes` bytes at the start of `buf`, the worker's read buffer: used or copied before it returns. */
  read(bytes: number, buf: Buffer): void;
}
const READ = Symbol('kv.read');
type WiredSocket = net.Socket & { [READ]?: ReadTarget };
/** Nowhere, until the client is served or refused. */
const DROP: ReadTarget = { read: () => {} };

/**
 * Every wired socket's `onread` callback: Node calls it on the socket that read, which names where
 * the bytes go. One function for every client, and no map from sockets to their wiring: a closure
 * and a WeakMap entry per client were garbage the collector traced in every burst of clients.
 */
function readWired(this: WiredSocket, bytes: number, buf: Uint8Array): boolean {
  this[READ]!.read(bytes, buf as Buffer);
  return true;
}

/**
 * A socket over a raw client handle this worker accepted (listen-handle.ts), made once with
 * Node's `onread`, so its reads land in `buffer` with no Readable stream in between (what readInto
 * gets by re-wrapping a socket net.Server made). It reads nothing until resumed; where its reads
 * go is set when the client is served (`wire`) or refused (`firstByte`).
 */
export function socketFor(handle: unknown, buffer: Buffer): net.Socket {
  const socket: WiredSocket = new net.Socket({
    handle,
    readable: true,
    writable: true,
    manualStart: true,
    allowHalfOpen: true,
    onread: { buffer, callback: readWired },
  } as net.SocketConstructorOpts);
  socket[READ] = DROP;
  return socket;
}

/** A plain socket (not a wired one, nor TLS) for a raw client handle, not reading until resumed. */
export function plainSocketFor(handle: unknown): net.Socket {
  return new net.Socket({ handle, readable: true, writable: true, manualStart: true } as net.SocketConstructorOpts);
}

/** True for a socket made by socketFor. */
export function isWired(socket: net.Socket): boolean {
  return (socket as WiredSocket)[READ] !== undefined;
}

/** Sends a wired socket's reads to `target` from now on; false for a socket that is not wired. */
export function wire(socket: net.Socket, target: ReadTarget): boolean {
  const wired = socket as WiredSocket;
  if (wired[READ] === undefined) return false;
  wired[READ] = target;
  return true;
}

/** What a served client's socket tells it: the client half-closed, the socket closed. */
export interface SocketClient {
  closeAfterReplies(): void;
  socketClosed(): void;
}
const CLIENT = Symbol('kv.client');
type ServedSocket = net.Socket & { [CLIENT]: SocketClient };
function clientEnded(this: ServedSocket): void {
  this[CLIENT].closeAfterReplies();
}
function clientClosed(this: ServedSocket): void {
  this[CLIENT].socketClosed();
}

/** The socket's 'end' and 'close' go to `client`: the same two listeners for every client, which the socket names. */
export function listenFor(socket: net.Socket, client: SocketClient): void {
  (socket as ServedSocket)[CLIENT] = client;
  socket.on('end', clientEnded);
  socket.on('close', clientClosed);
}

/** Calls `then` with the first byte the client sends (wired or not), once; reads from it until then. */
export function firstByte(socket: net.Socket, then: (byte: number) => void): void {
  let done = false;
  const once = (byte: number) => {
    if (done) return;
    done = true;
    then(byte);
  };
  if (!wire(socket, { read: (bytes, buf) => bytes > 0 && once(buf[0]) })) socket.once('data', (chunk: Buffer) => once(chunk[0]));
  socket.resume();
}

/** An 'error' or 'timeout' listener that closes the socket it is called on: one function for every client, not a closure each. */
export function destroySocket(this: net.Socket): void {
  this.destroy();
}

/** The timeout setting on one client (0: none); the listener that closes it is added the first time one is set (CONFIG SET may set it later). */
export function setIdleTimeout(socket: net.Socket, seconds: number): void {
  if (seconds > 0 && socket.listenerCount('timeout') === 0) socket.on('timeout', destroySocket);
  socket.setTimeout(seconds * 1000);
}
