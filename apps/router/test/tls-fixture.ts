import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface CertFiles {
  /** The certificate's path, and its PEM text (what a client trusts as its CA). */
  cert: string;
  certPem: string;
  key: string;
}

/** A self-signed certificate for 127.0.0.1 and localhost, made with openssl (P-256: cheap handshakes). */
export function selfSignedCert(dir: string, name = 'server'): CertFiles {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert],
    { stdio: 'ignore', timeout: 10_000 },
  );
  return { cert, certPem: fs.readFileSync(cert, 'latin1'), key };
}
