import * as net from 'node:net';

/** Redis's explanation to a client refused by protected mode, word for word. */
export const DENIED =
  "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Set up an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

export function isLoopback(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (net.isIPv4(v4)) return v4.startsWith('127.');
  return address === '::1';
}

/**
 * Protected mode as Redis has it: with no password and a listening address other than loopback,
 * only clients from the loopback interface are served.
 */
export function deniedByProtectedMode(opts: { protectedMode: boolean; passwordSet: boolean; host: string; remoteAddress: string | undefined }): boolean {
  return protectedModeApplies(opts) && !isLoopback(opts.remoteAddress);
}

/** Protected mode can turn a client away (so its remote address is worth asking the kernel for). */
export function protectedModeApplies(opts: { protectedMode: boolean; passwordSet: boolean; host: string }): boolean {
  return opts.protectedMode && !opts.passwordSet && !hostIsLocal(opts.host);
}

/** The listening address is asked at every accept and never changes: its answer is kept (isIPv4 is a regular expression). */
let lastHost: string | null = null;
let lastHostLocal = false;
function hostIsLocal(host: string): boolean {
  if (host !== lastHost) {
    lastHostLocal = isLoopback(host) || host === 'localhost';
    lastHost = host;
  }
  return lastHostLocal;
}
