import * as fs from 'node:fs';
import * as tls from 'node:tls';
import { ConfigError } from './errors';

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
