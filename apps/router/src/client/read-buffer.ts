import * as net from 'node:net';
import * as tls from 'node:tls';

/** What Node keeps of a socket's native handle (not part of its public API). */
interface NativeHandle {
  useUserBuffer?: unknown;
  readStart?: unknown;
}

/**
 * Bytes read by every socket of this process with `readInto`, then handed to its callback. One
 * buffer serves them all: libuv reads one socket at a time and the callback runs synchronously,
 * so a callback must use or copy what it is given before it returns.
 */
export const READ_BUFFER_BYTES = 64 * 1024;

/**
 * Re-wraps an accepted socket (one the primary handed over, or a peer's) so that its reads land
 * in `buffer` and go to `onRead` with no Readable stream in between: Node's `onread` option,
 * which it offers only for sockets it creates itself. Measured on the seed's workload: the bare
 * 'data' path cost 0.72x of the seed's throughput, `onread` 1.08x (issue 11).
 *
 * Returns the new socket, which owns the connection from now on (the old wrapper is left with
 * no handle, so it can neither read nor close it), or null when the socket cannot be re-wrapped
 * (TLS, already closed, or a Node whose handle lacks the method): the caller keeps using the
 * old one with 'data' events. Nothing has been read or written on the new socket yet, so the
 * caller attaches its 'error' listener first, as with any socket.
 */
export function readInto(socket: net.Socket, buffer: Buffer, onRead: (bytes: number, buf: Buffer) => void): net.Socket | null {
  if (socket instanceof tls.TLSSocket || socket.destroyed || socket.connecting) return null;
  const wrapper = socket as unknown as { _handle: NativeHandle | null };
  const handle = wrapper._handle;
  if (handle === null || handle === undefined || typeof handle.useUserBuffer !== 'function' || typeof handle.readStart !== 'function') return null;
  // Anything the old wrapper buffered would be lost: it has read nothing yet when adopted at once.
  if (socket.readableLength > 0) return null;
  wrapper._handle = null;
  socket.removeAllListeners();
  // Keep an 'error' listener on the husk: nothing should reach it, but an unheard error kills the process.
  socket.on('error', () => {});
  const fresh = new net.Socket({
    handle: handle as never,
    readable: true,
    writable: true,
    allowHalfOpen: socket.allowHalfOpen,
    onread: {
      buffer,
      callback: (bytes: number, buf: Uint8Array) => {
        onRead(bytes, buf as Buffer);
        return true;
      },
    },
  } as net.SocketConstructorOpts);
  return fresh;
}
