import * as net from 'node:net';

/** Where a wired socket's reads go: nowhere until the client is served or refused. */
interface Wiring {
  read: (bytes: number, buf: Buffer) => void;
}

const wirings = new WeakMap<net.Socket, Wiring>();
const drop = () => {};

/**
 * A socket over a raw client handle this worker accepted (listen-handle.ts), made once with
 * Node's `onread`, so its reads land in `buffer` with no Readable stream in between (what readInto
 * gets by re-wrapping a socket net.Server made). It reads nothing until resumed; where its reads
 * go is set when the client is served (`wire`) or refused (`firstByte`).
 */
export function socketFor(handle: unknown, buffer: Buffer): net.Socket {
  const wiring: Wiring = { read: drop };
  const socket = new net.Socket({
    handle,
    readable: true,
    writable: true,
    manualStart: true,
    allowHalfOpen: true,
    onread: {
      buffer,
      callback: (bytes: number, buf: Uint8Array) => {
        wiring.read(bytes, buf as Buffer);
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  wirings.set(socket, wiring);
  return socket;
}

/** A plain socket (not a wired one, nor TLS) for a raw client handle, not reading until resumed. */
export function plainSocketFor(handle: unknown): net.Socket {
  return new net.Socket({ handle, readable: true, writable: true, manualStart: true } as net.SocketConstructorOpts);
}

/** Sends a wired socket's reads to `onRead` from now on; false for a socket that is not wired. */
export function wire(socket: net.Socket, onRead: (bytes: number, buf: Buffer) => void): boolean {
  const wiring = wirings.get(socket);
  if (wiring === undefined) return false;
  wiring.read = onRead;
  return true;
}

/** Calls `then` with the first byte the client sends (wired or not), once; reads from it until then. */
export function firstByte(socket: net.Socket, then: (byte: number) => void): void {
  let done = false;
  const once = (byte: number) => {
    if (done) return;
    done = true;
    then(byte);
  };
  if (!wire(socket, (bytes, buf) => bytes > 0 && once(buf[0]))) socket.once('data', (chunk: Buffer) => once(chunk[0]));
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
