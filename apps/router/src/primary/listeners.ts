import * as dns from 'node:dns';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { getSystemErrorName } from 'node:util';

/** Which client port a listening socket serves. */
export type ListenerKind = 'plain' | 'tls';

/** Node's default listen backlog: the floor when somaxconn cannot be read. */
const NODE_BACKLOG = 511;

/** What Node's TCP wrap offers that this uses (not part of its public API; net.Server uses the same). */
export interface ListenHandle {
  getsockname(out: { port?: number; address?: string }): number;
  setNoDelay(enable: boolean): number;
  setKeepAlive(enable: boolean, delaySeconds: number): number;
  close(): void;
}

type CreateServerHandle = (address: string, port: number, addressType: number) => ListenHandle | number;

/** A listening socket the primary could not make: exits with the option named. */
export class ListenError extends Error {
  constructor(
    readonly option: 'port' | 'tls-port',
    readonly port: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The listen backlog: the kernel's somaxconn for this network namespace, which caps any larger
 * value listen() is given, so that a burst of connections waits in the kernel's queue rather than
 * overflowing it (Node's default, 511, is below Linux's default of 4096 since 5.4).
 */
export function listenBacklog(file = '/proc/sys/net/core/somaxconn'): number {
  try {
    const value = Number(fs.readFileSync(file, 'latin1').trim());
    return Number.isInteger(value) && value > NODE_BACKLOG ? value : NODE_BACKLOG;
  } catch {
    return NODE_BACKLOG;
  }
}

/**
 * The client ports' sockets. The primary binds each once and keeps it, but never listens on it
 * from its own event loop and never accepts: each worker gets a copy of the descriptor (a handle
 * sent over the cluster channel), listens and accepts from the one queue the kernel keeps. A
 * worker that stops accepting (paused for balance, stuck, restarting) leaves the clients in that
 * queue to the others; as long as the primary holds its copy, the socket stays open and no
 * client waiting in it is reset, even while no worker runs.
 */
export class ClientListeners {
  private constructor(
    private readonly handles: Map<ListenerKind, ListenHandle>,
    readonly port: number,
    readonly tlsPort: number | null,
    readonly backlog: number,
  ) {}

  /**
   * Binds `port` (0: a free one) and `tlsPort` (0: none) on `host`, resolved once as net.Server
   * does. Each socket gets TCP_NODELAY and, with `keepaliveSeconds`, keepalive: every client
   * socket accepted from it inherits them (Linux copies them at accept), so no worker sets them
   * client by client.
   */
  static async open(host: string, port: number, tlsPort: number, keepaliveSeconds: number): Promise<ClientListeners> {
    const { address, family } = await dns.promises.lookup(host);
    const handles = new Map<ListenerKind, ListenHandle>();
    try {
      // The TLS port first, as before: the ready line reports both.
      const tls = tlsPort > 0 ? bind(address, family, tlsPort, 'tls-port') : null;
      if (tls !== null) handles.set('tls', tls.handle);
      const plain = bind(address, family, port, 'port');
      handles.set('plain', plain.handle);
      for (const handle of handles.values()) {
        handle.setNoDelay(true);
        if (keepaliveSeconds > 0) handle.setKeepAlive(true, keepaliveSeconds);
      }
      return new ClientListeners(handles, plain.port, tls?.port ?? null, listenBacklog());
    } catch (err) {
      for (const handle of handles.values()) handle.close();
      throw err;
    }
  }

  kinds(): ListenerKind[] {
    return [...this.handles.keys()];
  }

  handle(kind: ListenerKind): ListenHandle | null {
    return this.handles.get(kind) ?? null;
  }

  /** Stops accepting for good: once the workers close their copies too, the sockets close. */
  close(): void {
    for (const handle of this.handles.values()) handle.close();
    this.handles.clear();
  }
}

function bind(address: string, family: number, port: number, option: 'port' | 'tls-port'): { handle: ListenHandle; port: number } {
  const create = (net as unknown as { _createServerHandle?: CreateServerHandle })._createServerHandle;
  if (typeof create !== 'function') throw new ListenError(option, port, 'this Node has no net._createServerHandle, which the workers\' shared listening socket needs');
  const made = create(address, port, family);
  if (typeof made === 'number') throw new ListenError(option, port, `bind ${address}:${port}: ${errnoName(made)}`);
  // libuv reports a failed bind (EADDRINUSE) on the next call that needs the address.
  const out: { port?: number } = {};
  const err = made.getsockname(out);
  if (err !== 0) {
    made.close();
    throw new ListenError(option, port, `bind ${address}:${port}: ${errnoName(err)}`);
  }
  return { handle: made, port: out.port ?? port };
}

function errnoName(err: number): string {
  try {
    return getSystemErrorName(err);
  } catch {
    return `error ${err}`;
  }
}
