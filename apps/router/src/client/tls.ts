import * as fs from 'node:fs';
import type * as net from 'node:net';
import * as tls from 'node:tls';
import { ConfigError } from '../errors';
import { log } from '../log';

/** A failed handshake is logged at most once per this interval; each line carries the running count. */
const FAILURE_LOG_INTERVAL_MS = 10_000;
/**
 * A client that has not finished its handshake by then is closed, whatever --timeout says: a
 * connection that never completes one holds a descriptor and a maxclients place for nothing
 * (Node's own tls.Server waits 120 s; a loopback or LAN handshake takes milliseconds).
 */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The contents of --tls-cert and --tls-key, read once by the primary and sent to each worker over the cluster channel. */
export interface TlsPem {
  cert: string;
  key: string;
}

type TlsOption = 'tls-cert' | 'tls-key';

/**
 * Reads the certificate and key and checks that they make a context. A file that cannot be read
 * or used throws a ConfigError naming its option as `nameOf` spells it (flag, variable or file key).
 */
export function readTlsFiles(certFile: string, keyFile: string, nameOf: (option: TlsOption) => string): TlsPem {
  const attempt = <T>(option: TlsOption, what: string, run: () => T): T => {
    try {
      return run();
    } catch (err) {
      throw new ConfigError('KV_ERR_TLS_FILE', `${nameOf(option)}: ${what} (${(err as Error).message})`);
    }
  };
  const cert = attempt('tls-cert', `cannot read ${certFile}`, () => fs.readFileSync(certFile, 'latin1'));
  const key = attempt('tls-key', `cannot read ${keyFile}`, () => fs.readFileSync(keyFile, 'latin1'));
  // The certificate alone first: an error with both could come from either file.
  attempt('tls-cert', `${certFile} is not a PEM certificate`, () => tls.createSecureContext({ cert }));
  attempt('tls-key', `${keyFile} is not an unencrypted PEM private key matching ${certFile}`, () => tls.createSecureContext({ cert, key }));
  return { cert, key };
}

/**
 * A worker's side of --tls-port: the worker accepts the raw TCP socket as for any client, and
 * this wraps it in a server-side TLS socket that the Router serves like a plain one (its remote
 * address, timeouts and backpressure are the TCP socket's). The handshake runs on the event loop
 * like any read, so a slow or failing client holds up no one else.
 */
export class TlsTerminator {
  /** Clients whose handshake failed (plain text sent to the TLS port, a client that rejects the certificate). */
  private handshakeFailures = 0;
  private lastLogged = -Infinity;

  /** Built once: every client shares it. */
  private readonly context: tls.SecureContext;

  /** `ticketKeys`: the server's session ticket keys (48 bytes), the same in every worker, so a session resumes on any. */
  constructor(
    pem: TlsPem,
    private readonly worker: number,
    ticketKeys?: Buffer,
  ) {
    this.context = tls.createSecureContext({ ...pem, ticketKeys });
  }

  wrap(socket: net.Socket): tls.TLSSocket {
    // The raw TCP socket can be reset before or during the handshake: its error must have a listener.
    socket.on('error', () => socket.destroy());
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.context });
    let established = false;
    const timer = setTimeout(() => {
      this.failed(new Error(`no handshake within ${HANDSHAKE_TIMEOUT_MS} ms`), secure.remoteAddress);
      secure.destroy();
    }, HANDSHAKE_TIMEOUT_MS);
    secure.once('secure', () => {
      established = true;
      clearTimeout(timer);
    });
    secure.once('close', () => clearTimeout(timer));
    // The Router's own error handler closes the socket; this one only counts handshake failures.
    secure.on('error', (err) => {
      if (!established) this.failed(err, secure.remoteAddress);
    });
    return secure;
  }

  /** A bad client can fail handshakes as fast as it connects: log the first, then one per interval. */
  private failed(err: Error, remoteAddress: string | undefined): void {
    this.handshakeFailures++;
    const now = Date.now();
    if (now - this.lastLogged < FAILURE_LOG_INTERVAL_MS) return;
    this.lastLogged = now;
    const reason = (err as NodeJS.ErrnoException).code ?? err.message;
    log('warn', 'tls handshake failed', { worker: this.worker, remote_address: remoteAddress, reason, handshake_failures: this.handshakeFailures });
  }
}
