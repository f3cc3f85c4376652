import type * as net from 'node:net';
import { DENIED, isLoopback, protectedModeApplies } from '../client/protected-mode';
import { REPLY_ERRORS } from '../reply-errors';
import { firstByte } from './client-socket';

/** What protected mode needs to know of the server (Router.limits and its password). */
export interface ScreenSettings {
  readonly protectedMode: boolean;
  readonly passwordSet: boolean;
  readonly host: string;
}

/**
 * Protected mode's check of a client this worker accepted, before it has a Conn: 'pass', 'denied'
 * (told DENIED and closed) or 'gone' (reset already: no peer left to answer, and no address, which
 * would look remote). The remote address costs a system call: asked only where protected mode may
 * turn the client away.
 */
export function protectedModeCheck(socket: net.Socket, settings: ScreenSettings): 'pass' | 'denied' | 'gone' {
  if (!protectedModeApplies(settings)) return 'pass';
  const remote = socket.remoteAddress;
  if (remote === undefined) {
    socket.destroy();
    return 'gone';
  }
  if (isLoopback(remote)) return 'pass';
  socket.end(DENIED);
  return 'denied';
}

/** One client too many: its first command gets the error in its protocol (Redis's at once, but text clients know no RESP), then close. */
export function refuseFull(socket: net.Socket): void {
  const timer = setTimeout(() => socket.destroy(), 1000);
  socket.once('close', () => clearTimeout(timer));
  firstByte(socket, (byte) => {
    clearTimeout(timer);
    socket.end(byte === 0x2a ? `-${REPLY_ERRORS.maxClients}\r\n` : 'ERROR\n');
  });
}
