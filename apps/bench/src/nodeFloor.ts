/**
 * The Node floor: what Node itself costs per connection and per request on this machine, with no
 * store, no routing and no forwarding, as a row beside kv in `--accept` (bursts, 10,000 clients).
 * A node:cluster of N workers accepting from one shared socket (SCHED_NONE, as kv's workers do),
 * each reading its clients' commands and writing one reply per command: text `PUT` -> `OK`,
 * `GET` -> `NOTFOUND`, anything else `ERROR`; RESP `SET` -> `+OK`, anything else a null bulk
 * string. Started like kv (`--port 0 --host H --workers N`; other flags are ignored); prints kv's
 * ready line. A benchmark's yardstick, not a server: it stores nothing.
 */
import cluster from 'node:cluster';
import * as net from 'node:net';

const OK = Buffer.from('OK\n');
const NOTFOUND = Buffer.from('NOTFOUND\n');
const ERROR = Buffer.from('ERROR\n');
const RESP_OK = Buffer.from('+OK\r\n');
const RESP_NIL = Buffer.from('$-1\r\n');

/**
 * Reads one client's commands from `input`, from `pos`, writing a reply for each complete one;
 * returns where the unread rest (an incomplete command) starts.
 */
export function answer(input: Buffer, pos: number, write: (reply: Buffer) => void): number {
  while (pos < input.length) {
    if (input[pos] === 0x2a) {
      // *N\r\n then N times $len\r\n<bytes>\r\n; the first argument's first letter names the command.
      let at = input.indexOf(0x0a, pos);
      if (at < 0) return pos;
      const count = Number(input.toString('latin1', pos + 1, at - 1));
      let first = 0;
      for (let i = 0; i < count; i++) {
        const end = input.indexOf(0x0a, at + 1);
        if (end < 0) return pos;
        const len = Number(input.toString('latin1', at + 2, end - 1));
        if (end + 1 + len + 2 > input.length) return pos;
        if (i === 0) first = input[end + 1] | 0x20;
        at = end + len + 2;
      }
      write(first === 0x73 ? RESP_OK : RESP_NIL);
      pos = at + 1;
      continue;
    }
    const end = input.indexOf(0x0a, pos);
    if (end < 0) return pos;
    const verb = input.toString('latin1', pos, Math.min(pos + 4, end));
    write(verb === 'PUT ' ? OK : verb === 'GET ' ? NOTFOUND : ERROR);
    pos = end + 1;
  }
  return pos;
}

function serve(socket: net.Socket): void {
  socket.on('error', () => socket.destroy());
  let rest: Buffer | null = null;
  const write = (reply: Buffer) => socket.write(reply);
  socket.on('data', (chunk: Buffer) => {
    const input = rest === null ? chunk : Buffer.concat([rest, chunk]);
    const used = answer(input, 0, write);
    rest = used < input.length ? Buffer.from(input.subarray(used)) : null;
  });
}

function flag(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}

function main(): void {
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const host = flag('host', '127.0.0.1');
  if (cluster.isPrimary) {
    const workers = Math.max(1, Number(flag('workers', '2')));
    // A port of its own first, so every worker listens on the same one.
    const probe = net.createServer();
    probe.listen(Number(flag('port', '0')), host, () => {
      const port = (probe.address() as net.AddressInfo).port;
      probe.close(() => {
        let up = 0;
        for (let i = 0; i < workers; i++) {
          cluster.fork({ FLOOR_PORT: String(port), FLOOR_HOST: host }).on('message', () => {
            if (++up === workers) console.log(JSON.stringify({ level: 'info', message: 'ready', port, workers }));
          });
        }
      });
    });
    const stop = () => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM');
      process.exit(0);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    return;
  }
  net.createServer(serve).listen({ port: Number(process.env.FLOOR_PORT), host: process.env.FLOOR_HOST, backlog: 4096 }, () => process.send?.('up'));
}

if (require.main === module) main();
