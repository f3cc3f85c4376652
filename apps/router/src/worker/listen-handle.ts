import * as net from 'node:net';

/** What Node's TCP wrap offers a listener (not its public API; net.Server uses the same three). */
interface RawListener {
  listen(backlog: number): number;
  onconnection: ((status: number, client: unknown) => void) | null;
  close(): void;
}

/** A listening copy of a client port's socket: accepted clients come as raw handles, or (fallback) as sockets. */
export interface Listening {
  close(): void;
}

/**
 * Listens on a copy of a client port's socket the primary sent. Each accepted client comes as its
 * raw handle (`onHandle`), so the worker wraps it once, in the socket it reads through, rather
 * than net.Server building a socket only to have it replaced (a socket object and its garbage per
 * client, measured at about a tenth of a worker's cost of accepting one). Where the handle lacks
 * what that needs (another Node), net.Server listens and `onSocket` gets its sockets, paused.
 */
export function listenOn(handle: unknown, backlog: number, onHandle: (client: unknown) => void, onSocket: (socket: net.Socket) => void, onError: (err: NodeJS.ErrnoException) => void): Listening {
  const raw = handle as RawListener;
  if (typeof raw.listen === 'function' && typeof raw.close === 'function' && 'onconnection' in raw) {
    raw.onconnection = (status, client) => {
      if (status < 0 || client === undefined) return onError(Object.assign(new Error(`accept failed (${status})`), { errno: status, code: status === -24 ? 'EMFILE' : status === -23 ? 'ENFILE' : `E${-status}` }));
      onHandle(client);
    };
    const err = raw.listen(backlog);
    if (err !== 0) {
      raw.onconnection = null;
      onError(Object.assign(new Error(`listen failed (${err})`), { errno: err }));
      raw.close();
      return { close: () => {} };
    }
    return {
      close: () => {
        raw.onconnection = null;
        raw.close();
      },
    };
  }
  const server = net.createServer({ pauseOnConnect: true }, onSocket);
  server.on('error', onError);
  server.listen(handle as net.Server, backlog);
  return { close: () => server.close() };
}
