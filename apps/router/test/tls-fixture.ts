import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { startCluster, type Cluster } from './harness';

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

export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * startCluster with --tls-port on a port the test picks (0 turns TLS off, as in Redis), picking
 * again if another process took it between the check and the server's listen.
 */
export async function startTlsCluster(opts: { workers: number; args?: string[] }, files: CertFiles): Promise<{ cluster: Cluster; tlsPort: number }> {
  for (let attempt = 1; ; attempt++) {
    const tlsPort = await freePort();
    const args = [...(opts.args ?? []), '--tls-port', String(tlsPort), '--tls-cert', files.cert, '--tls-key', files.key];
    try {
      return { cluster: await startCluster({ workers: opts.workers, args }), tlsPort };
    } catch (err) {
      // A taken port exits 1 before the ready line ("cannot listen"); anything else is a failure.
      if (attempt === 3 || !/exited with 1 /.test((err as Error).message)) throw err;
    }
  }
}
