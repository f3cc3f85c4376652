// Container health check (no curl in slim images): sends `GET __healthcheck\n` to the server over
// TCP and exits 0 if the reply is a protocol answer (NOTFOUND or a value), 1 otherwise.
// Port and host follow KV_PORT / KV_HOST as the server reads them (defaults 7171 / loopback). If
// the port is only given as a --port flag, set KV_PORT too, or the check probes 7171.
// Usage: node infra/healthcheck.mjs   (exit status is what Docker reads; one line on stderr on failure)
import * as net from 'node:net';

const TIMEOUT_MS = Number(process.env.KV_HEALTHCHECK_TIMEOUT_MS ?? 2000);
const port = Number(process.env.KV_PORT || 7171);
const listen = process.env.KV_HOST;
// A wildcard listen address is reached through loopback; a specific one only through itself.
const host = !listen || listen === '0.0.0.0' || listen === '::' ? '127.0.0.1' : listen;

const fail = (why) => {
  process.stderr.write(`healthcheck: ${host}:${port}: ${why}\n`);
  process.exit(1);
};

const socket = net.createConnection({ host, port });
socket.setNoDelay(true);
socket.setTimeout(TIMEOUT_MS, () => fail(`no reply in ${TIMEOUT_MS} ms`));
socket.on('error', (err) => fail(err.message));
socket.on('connect', () => socket.write('GET __healthcheck\n'));
let reply = '';
socket.on('data', (chunk) => {
  reply += chunk.toString('latin1');
  const nl = reply.indexOf('\n');
  if (nl < 0) {
    if (reply.length > 512) fail('reply line too long');
    return;
  }
  const line = reply.slice(0, nl).replace(/\r$/, '');
  // NOTFOUND, or a value someone stored under the key; ERROR or an empty line means it is broken.
  if (line === 'ERROR' || line === '') fail(`unexpected reply ${JSON.stringify(line)}`);
  socket.destroy();
  process.exit(0);
});
socket.on('end', () => fail('connection closed before a reply'));
