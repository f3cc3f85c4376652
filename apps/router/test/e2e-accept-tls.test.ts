import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { suite } from 'uvu';
import { Skips } from '../../../test-support/skip';
import * as assert from 'uvu/assert';
import { type Cluster } from './harness';
import { selfSignedCert, startTlsCluster, type CertFiles } from './tls-fixture';
import { adminBase, burst, filesShort, settledClients, spread } from './accept-helpers';

/**
 * TLS clients are accepted by the workers like the others (the handshake runs in the worker that
 * accepted), with an ECDSA (P-256) certificate; and the session ticket keys are the server's, not
 * a worker's: a session resumes on whichever worker accepts the next connection.
 */
const WORKERS = 2;
const BURST = 1000;

const NAME = 'e2e: TLS clients accepted by the workers, sessions that resume on any of them';
const t = suite(NAME);
const skips = new Skips(NAME);
let dir = '';
let files: CertFiles;
let cluster: Cluster;
let tlsPort = 0;
let base = '';

t.before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-accept-tls-'));
  files = selfSignedCert(dir);
  ({ cluster, tlsPort } = await startTlsCluster({ workers: WORKERS, args: ['--admin-port', '0'] }, files));
  base = await adminBase(cluster);
});
t.after(async () => {
  await cluster.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

t('a burst of 1,000 TLS clients, each sending a GET once its handshake is done: all answered, spread within 1.5x', async () => {
  const short = filesShort(cluster, BURST);
  if (short !== null) return skips.now('a burst of 1,000 TLS clients, each sending a GET once its handshake is done: all answered, spread within 1.5x', short);
  const out = await burst(tlsPort, BURST, 'GET tls:k\n', 'NOTFOUND', { ca: files.certPem, timeoutMs: 60_000 });
  try {
    assert.equal(out.failures, [], 'every TLS client answered');
    assert.equal(out.wrong, []);
    const counts = await settledClients(base, BURST);
    assert.ok(spread(counts) <= 1.5, `TLS clients per worker within 1.5x: ${counts}`);
    console.log(`    TLS burst (ECDSA P-256): ${BURST} clients opened in ${out.openMs} ms, all answered; per worker ${counts.join(' / ')}`);
  } finally {
    for (const s of out.sockets) s.destroy();
  }
  await settledClients(base, 0);
});

/** One TLS connection: asks STATS for its worker; resolves with it, whether its session was resumed, and the session to resume. */
function visit(session?: Buffer, maxVersion: tls.SecureVersion = 'TLSv1.3'): Promise<{ worker: string; reused: boolean; session: Buffer | null }> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ port: tlsPort, host: '127.0.0.1', ca: files.certPem, session, maxVersion });
    let next: Buffer | null = null;
    let text = '';
    socket.on('session', (s: Buffer) => (next = s));
    socket.on('error', reject);
    socket.once('secureConnect', () => socket.write('STATS\n'));
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\nEND\n')) return;
      const worker = /^worker (\d+)$/m.exec(text)?.[1] ?? '?';
      // TLS 1.3 tickets come after the handshake: the reply to STATS came after them.
      const reused = socket.isSessionReused();
      socket.end();
      resolve({ worker, reused, session: next });
    });
  });
}

for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
  t(`a ${version} session resumes on every worker, not only the one that issued its ticket`, async () => {
    const first = await visit(undefined, version);
    assert.ok(first.session !== null, 'the server issued a session ticket');
    const seen = new Map<string, number>();
    let resumed = 0;
    for (let i = 0; i < 40 && (seen.size < WORKERS || i < 10); i++) {
      const v = await visit(first.session!, version);
      seen.set(v.worker, (seen.get(v.worker) ?? 0) + 1);
      if (v.reused) resumed++;
      else assert.unreachable(`connection ${i} (worker ${v.worker}; the ticket came from worker ${first.worker}) did a full handshake`);
    }
    assert.is(seen.size, WORKERS, `connections reached every worker: ${[...seen].join(' ')}`);
    console.log(`    ${version}: ticket from worker ${first.worker}; ${resumed} resumed, on workers ${[...seen].map(([w, n]) => `${w} (${n})`).join(', ')}`);
  });
}

t.run();
