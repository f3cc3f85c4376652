import cluster, { type Worker } from 'node:cluster';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as http from 'node:http';
import { adminPort, closeAdmin, ClusterProbe, startAdmin } from './admin';
import { loadConfig, type Config, type ConfigSources } from './config';
import { log } from './log';
import { openFilesLimit } from './resources';
import { readTlsFiles } from './tls';
import { WORKER_ENV, type PrimaryMessage, type WorkerMessage } from './messages';
import { Resizer, type AskMessage, type ClusterControl } from './scaling';
import { initialMap, shardsOwnedBy } from './shard-map';

/** More restarts than this of one worker within RESTART_WINDOW_MS means it cannot run: give up. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 30_000;
/** A shutdown that takes longer than this kills what is left. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** A retiring worker that has not exited by then is killed. */
const RETIRE_TIMEOUT_MS = 10_000;

interface Slot {
  worker: Worker | null;
  peerPath: string | null;
  generation: number;
  ready: boolean;
  drained: boolean;
  restarts: number[];
  /** Client sockets sent to this worker and not yet acknowledged, by id. */
  handingOver: Map<number, net.Socket>;
  /** A resize is removing it: it gets no new clients, and its exit is not a crash. */
  retiring: boolean;
  /** Its clients as of its last pong, plus those handed to it since: new clients go to the least loaded. */
  clients: number;
  /** Called once it is linked to its peers (ready) or has exited (a resize waits for these). */
  onReady: ((ok: boolean) => void) | null;
  onExit: (() => void) | null;
}

/** A request to a worker waiting for its `done` answer. */
interface Ask {
  index: number;
  resolve: (answer: { keys?: number; bytes?: number }) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * The primary: forks one worker per configured CPU, hands out peer socket paths, accepts client
 * connections and hands each to a worker in turn, restarts a worker that dies (with the same
 * shards, empty), changes the worker count live (scaling.ts), and leads a graceful shutdown. It
 * never reads a client's bytes.
 */
export function runPrimary(config: Config, sources: ConfigSources): void {
  // The shard map: which worker owns each shard. Workers route by copies the primary sends.
  const map = initialMap(config.workers);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-'));
  const slots: Slot[] = [];
  const asks = new Map<number, Ask>();
  let nextAsk = 1;
  let announced = false;
  let listening = false;
  let shuttingDown = false;
  let exitCode = 0;
  let nextWorker = 0;
  // The admin endpoint (admin.ts): pings workers for /readyz, gathers their figures, counts restarts.
  const probe = new ClusterProbe(
    () => slots.length,
    (index) => slots[index],
    (index) => shardsOwnedBy(map.owners, index),
    () => ({ map_version: map.version, resizing: resizer.busy, resizes: resizer.done, resizes_failed: resizer.failed, last_resize_seconds: resizer.lastSeconds }),
  );
  let admin: http.Server | null = null;

  // The primary accepts each client and hands the socket to the next ready worker, keeping its
  // own copy until the worker says it has taken it. If the worker dies first, the primary closes
  // its copy and the client sees a closed connection rather than a hang (cluster's round-robin
  // and keepOpen: false both leave such a socket open in the primary for good).
  let nextClientId = 0;
  const server = net.createServer({ pauseOnConnect: true }, (socket) => handOff(socket));
  // TLS clients are handed over raw, like the others; the worker runs the handshake.
  const tlsServer = config['tls-port'] > 0 ? net.createServer({ pauseOnConnect: true }, (socket) => handOff(socket, true)) : null;
  const tlsPem = tlsServer && readTlsFiles(config['tls-cert']!, config['tls-key']!, (option) => `--${option}`);
  const handOff = (socket: net.Socket, tls = false) => {
    socket.on('error', () => socket.destroy());
    // The least loaded ready worker, the first in turn on a tie: after a resize adds workers, new
    // clients go to them until the load evens out (clients already connected stay where they are).
    let chosen = -1;
    for (let tried = 0; tried < slots.length; tried++) {
      const index = (nextWorker + tried) % slots.length;
      const slot = slots[index];
      if (slot.worker === null || !slot.ready || slot.retiring || !slot.worker.isConnected()) continue;
      if (chosen < 0 || slot.clients < slots[chosen].clients) chosen = index;
    }
    if (chosen < 0) return void socket.destroy();
    nextWorker = (chosen + 1) % slots.length;
    const slot = slots[chosen];
    slot.clients++;
    const id = nextClientId++;
    slot.handingOver.set(id, socket);
    slot.worker!.send({ t: 'client', id, tls } satisfies PrimaryMessage, socket, { keepOpen: true }, (err) => {
      if (err) {
        slot.handingOver.delete(id);
        socket.destroy();
      }
    });
  };
  const listen = () => {
    server.once('error', (err) => {
      log('error', 'cannot listen', { host: config.host, port: config.port, error: err.message });
      shutdown(1);
    });
    server.listen({ port: config.port, host: config.host }, () => {
      announced = true;
      log('info', 'ready', {
        port: (server.address() as net.AddressInfo).port,
        ...(tlsServer && { tls_port: config['tls-port'] }),
        host: config.host,
        workers: map.workers,
        workers_source: sources.workers,
        maxmemory: config.maxmemory,
        maxmemory_human: `${(config.maxmemory / 1048576).toFixed(1)}mb`,
        maxmemory_source: sources.maxmemory,
        open_files_limit: files === null ? 'unknown' : files.soft,
      });
      // Each client is a file descriptor in some worker, plus a few per process for links and logs.
      if (files !== null && files.soft < Math.ceil(config.maxclients / map.workers) + 64) {
        log('warn', 'open files limit too low for maxclients', { open_files_soft: files.soft, open_files_hard: files.hard, maxclients: config.maxclients, workers: map.workers, hint: 'raise the hard limit (ulimit -Hn as root, or the container nofile ulimit); Node raises the soft one to it' });
      }
      startAdminEndpoint();
    });
  };

  // The TLS port opens first, so the ready line (which reports it) means both are open.
  const listenTls = (then: () => void) => {
    if (tlsServer === null) return then();
    tlsServer.once('error', (err) => {
      log('error', 'cannot listen', { host: config.host, tls_port: config['tls-port'], error: err.message });
      shutdown(1);
    });
    tlsServer.listen({ port: config['tls-port'], host: config.host }, then);
  };

  const startAdminEndpoint = () => {
    const port = config['admin-port'];
    if (port < 0 || shuttingDown) return;
    const host = config['admin-host'];
    probe.start();
    // The cache serves on without it: a taken admin port is logged, not fatal.
    startAdmin(host, port, probe, { resize: (count) => resizer.resize(count), map: () => ({ ...map, resizing: resizer.busy }), token: config.requirepass }).then(
      (server) => {
        if (shuttingDown) return closeAdmin(server);
        admin = server;
        log('info', 'admin listening', { host, port: adminPort(server) });
      },
      (err: Error) => log('error', 'admin endpoint cannot listen', { host, port, error: err.message }),
    );
  };

  const files = openFilesLimit();
  const heapLimitMb = workerHeapLimitMb(config.maxmemory);
  const v8Flags = workerV8Flags(heapLimitMb);
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...v8Flags] });
  log('info', 'primary started', { workers: map.workers, workers_source: sources.workers, worker_v8_flags: v8Flags, run_dir: runDir });

  const broadcast = (message: PrimaryMessage) => {
    for (const s of slots) if (s.worker !== null && s.worker.isConnected()) s.worker.send(message);
  };
  const peerMap = () => slots.map((s) => (s.peerPath !== null && s.worker !== null ? s.peerPath : null));

  /** A worker's share of maxclients under the current map. */
  const maxclientsShare = () => Math.ceil(config.maxclients / map.workers);
  const publishMap = () => {
    for (const s of slots) if (s.worker !== null && s.worker.isConnected()) s.worker.send({ t: 'map', map, maxclients: maxclientsShare() } satisfies PrimaryMessage);
  };

  const fork = (index: number) => {
    const slot = slots[index];
    slot.generation++;
    slot.ready = false;
    slot.drained = false;
    slot.clients = 0;
    const peerPath = path.join(runDir, `w${index}.${slot.generation}.sock`);
    const worker = cluster.fork({
      [WORKER_ENV.index]: String(index),
      [WORKER_ENV.map]: JSON.stringify(map),
      [WORKER_ENV.peerPath]: peerPath,
      [WORKER_ENV.logLevel]: config['log-level'],
      [WORKER_ENV.config]: JSON.stringify({ protectedMode: config['protected-mode'] === 'yes', maxclients: maxclientsShare(), maxclientsTotal: config.maxclients, timeout: config.timeout, tcpKeepalive: config['tcp-keepalive'], clientOutputLimit: config['client-output-limit'], maxmemory: config.maxmemory, maxmemoryPolicy: config['maxmemory-policy'], protoMaxBulkLen: config['proto-max-bulk-len'], port: config.port, host: config.host, clientQueryBufferLimit: config['client-query-buffer-limit'], textMaxLine: config['text-max-line'], restarts: probe.restarts[index] ?? 0 }),
    });
    slot.worker = worker;
    slot.peerPath = null;
    // Before any client message (the channel keeps order): the password is not in the environment.
    worker.send({ t: 'password', password: config.requirepass } satisfies PrimaryMessage);
    if (tlsPem) worker.send({ t: 'tls', pem: tlsPem } satisfies PrimaryMessage);
    log('debug', 'worker forked', { worker: index, worker_pid: worker.process.pid, generation: slot.generation });
    worker.on('message', (message: WorkerMessage) => onMessage(index, worker, peerPath, message));
    worker.on('exit', (code, signal) => onExit(index, worker, code, signal));
    // A send racing the worker's exit fails on the closed channel; the exit handler does the rest.
    worker.on('error', (err) => log('warn', 'worker channel error', { worker: index, error: err.message }));
  };

  const onMessage = (index: number, worker: Worker, peerPath: string, message: WorkerMessage) => {
    const slot = slots[index];
    if (slot.worker !== worker) return;
    // Clients it serves, plus those handed over since that it has not taken yet.
    if (message.t === 'pong') slot.clients = message.clients + slot.handingOver.size;
    if (probe.onMessage(index, worker, message)) return;
    switch (message.t) {
      case 'peer-listening':
        slot.peerPath = peerPath;
        if (!shuttingDown) broadcast({ t: 'peers', paths: peerMap() });
        return;
      case 'ready':
        slot.ready = true;
        // The map may have changed since the fork (a resize while it restarted).
        worker.send({ t: 'map', map, maxclients: maxclientsShare() } satisfies PrimaryMessage);
        slot.onReady?.(true);
        slot.onReady = null;
        if (!listening && slots.every((s) => s.ready)) {
          listening = true;
          listenTls(listen);
        } else if (announced) {
          log('info', 'worker restarted', { worker: index, worker_pid: worker.process.pid });
        }
        return;
      case 'adopted': {
        const socket = slot.handingOver.get(message.id);
        slot.handingOver.delete(message.id);
        socket?.destroy();
        return;
      }
      case 'drained':
        slot.drained = true;
        if (shuttingDown && slots.every((s) => s.worker === null || s.drained)) broadcast({ t: 'exit' });
        return;
      case 'done': {
        const ask = asks.get(message.id);
        if (ask === undefined) return;
        asks.delete(message.id);
        clearTimeout(ask.timer);
        if (message.error !== undefined) ask.reject(new Error(`worker ${index}: ${message.error}`));
        else ask.resolve({ keys: message.keys, bytes: message.bytes });
        return;
      }
      case 'fatal':
        log('error', 'worker cannot run', { worker: index, error: message.message });
        shutdown(1);
    }
  };

  const onExit = (index: number, worker: Worker, code: number | null, signal: string | null) => {
    const slot = slots[index];
    if (slot.worker !== worker) return;
    slot.worker = null;
    slot.ready = false;
    for (const socket of slot.handingOver.values()) socket.destroy();
    slot.handingOver.clear();
    removeSocket(slot.peerPath);
    slot.peerPath = null;
    for (const [id, ask] of asks) {
      if (ask.index !== index) continue;
      asks.delete(id);
      clearTimeout(ask.timer);
      ask.reject(new Error(`worker ${index} exited (code ${code}, signal ${signal})`));
    }
    slot.onReady?.(false);
    slot.onReady = null;
    if ((slot.retiring || index >= map.workers) && !shuttingDown) {
      // Retired by a resize, or added by one that then failed: not a crash, nothing to restart.
      if (!slot.retiring) log('warn', 'worker being added died', { worker: index, code, signal });
      slot.onExit?.();
      slot.onExit = null;
      return;
    }
    slot.onExit?.();
    slot.onExit = null;
    if (shuttingDown) {
      if (slots.every((s) => s.worker === null)) finish();
      else if (slots.every((s) => s.worker === null || s.drained)) broadcast({ t: 'exit' });
      return;
    }
    const now = Date.now();
    slot.restarts = slot.restarts.filter((t) => now - t < RESTART_WINDOW_MS);
    slot.restarts.push(now);
    if (slot.restarts.length > MAX_RESTARTS) {
      log('error', 'worker keeps dying, giving up', { worker: index, restarts: slot.restarts.length, window_ms: RESTART_WINDOW_MS });
      shutdown(1);
      return;
    }
    log('warn', 'worker died, restarting with its shards empty', { worker: index, code, signal });
    probe.restarts[index] = (probe.restarts[index] ?? 0) + 1;
    fork(index);
  };

  // A live change of the worker count (scaling.ts), driven by POST /workers or SIGUSR2.
  const newSlot = (): Slot => ({ worker: null, peerPath: null, generation: 0, ready: false, drained: false, restarts: [], handingOver: new Map(), retiring: false, clients: 0, onReady: null, onExit: null });
  const control: ClusterControl = {
    map,
    running: () => slots.flatMap((s, index) => (s.worker !== null && s.worker.isConnected() ? [index] : [])),
    ask: (index: number, message: AskMessage, timeoutMs: number) =>
      new Promise((resolve, reject) => {
        const worker = slots[index]?.worker;
        if (shuttingDown) return reject(new Error('shutting down'));
        if (worker == null || !worker.isConnected()) return reject(new Error(`worker ${index} is not running`));
        const id = nextAsk++;
        const timer = setTimeout(() => {
          asks.delete(id);
          reject(new Error(`worker ${index} did not answer ${message.t} within ${timeoutMs} ms`));
        }, timeoutMs);
        asks.set(id, { index, resolve, reject, timer });
        worker.send({ ...message, id } satisfies PrimaryMessage);
      }),
    tell: (index, message) => {
      const worker = slots[index]?.worker;
      if (worker != null && worker.isConnected()) worker.send(message);
    },
    publish: publishMap,
    addWorkers: (count) =>
      Promise.all(
        Array.from({ length: count - map.workers }, (_, i) => {
          const index = map.workers + i;
          // A slot may be left from a grow that failed: reuse it, and its worker if it runs.
          const slot = slots[index] ?? (slots[index] = newSlot());
          slot.retiring = false;
          if (slot.worker !== null && slot.ready) return Promise.resolve();
          const ready = new Promise<void>((resolve, reject) => {
            slot.onReady = (ok) => (ok ? resolve() : reject(new Error(`worker ${index} exited while starting`)));
          });
          if (slot.worker === null) fork(index);
          return ready;
        }),
      ).then(() => undefined),
    stopping: () => shuttingDown,
    retireWorkers: async (count) => {
      const leaving = slots.slice(count);
      await Promise.all(
        leaving.map((slot, i) => {
          slot.retiring = true;
          if (slot.worker === null) return Promise.resolve();
          const worker = slot.worker;
          return new Promise<void>((resolve) => {
            // Its clients had the time to read their last replies: stop waiting for them.
            const timer = setTimeout(() => worker.process.kill('SIGKILL'), RETIRE_TIMEOUT_MS);
            slot.onExit = () => {
              clearTimeout(timer);
              resolve();
            };
            worker.send({ t: 'retire' } satisfies PrimaryMessage);
            log('info', 'retiring worker', { worker: count + i, worker_pid: worker.process.pid });
          });
        }),
      );
      slots.length = count;
      probe.restarts.length = Math.min(probe.restarts.length, count);
      if (!shuttingDown) broadcast({ t: 'peers', paths: peerMap() });
    },
  };
  const resizer = new Resizer(control);

  // SIGUSR2: apply the config file's worker count (flags and environment still take precedence).
  process.on('SIGUSR2', () => {
    if (shuttingDown) return;
    let workers: number;
    try {
      const loaded = loadConfig(process.argv.slice(2), process.env);
      if (loaded.kind !== 'config') return;
      workers = loaded.config.workers;
      log('info', 'SIGUSR2: reloading the worker count', { workers, workers_source: loaded.sources.workers, config: loaded.config.config ?? null });
    } catch (err) {
      log('error', 'SIGUSR2: config not reloaded', { error: (err as Error).message });
      return;
    }
    // A failure is logged by the resizer.
    resizer.resize(workers).catch(() => {});
  });

  const shutdown = (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    exitCode = code;
    log('info', 'shutting down', { exit_code: code });
    server.close();
    tlsServer?.close();
    probe.stop();
    if (admin !== null) closeAdmin(admin);
    broadcast({ t: 'shutdown' });
    if (slots.every((s) => s.worker === null)) finish();
    setTimeout(() => {
      log('warn', 'shutdown timed out, killing workers', { timeout_ms: SHUTDOWN_TIMEOUT_MS });
      for (const s of slots) s.worker?.process.kill('SIGKILL');
      finish();
    }, SHUTDOWN_TIMEOUT_MS).unref();
  };

  const finish = () => {
    fs.rmSync(runDir, { recursive: true, force: true });
    log('info', 'stopped', { exit_code: exitCode });
    process.exit(exitCode);
  };

  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));

  for (let i = 0; i < map.workers; i++) slots.push(newSlot());
  for (let i = 0; i < map.workers; i++) fork(i);
}

/** Flags the operator gave node already, in its arguments or NODE_OPTIONS. */
function givenNodeFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
}

/**
 * V8 flags for the workers, unless the operator set them: the heap limit below, and a young
 * generation of 4 MB semi-spaces. Measured under a write-heavy load (90% PUT, pipeline 16, two
 * runs each): 4 MB gave 199-203k ops/s and p99 9.0-9.6 ms against 190-193k and 10.6-10.7 ms for
 * Node's default 16 MB, with ~24 MB less RSS per worker (BENCHMARKS.md).
 */
export function workerV8Flags(heapLimitMb: number | null): string[] {
  const flags: string[] = [];
  if (heapLimitMb !== null) flags.push(`--max-old-space-size=${heapLimitMb}`);
  if (!givenNodeFlags().some((f) => f.startsWith('--max-semi-space-size'))) flags.push('--max-semi-space-size=4');
  return flags;
}

/**
 * V8's old-space limit for a worker: a worker whose cache is full must not die of a V8
 * out-of-memory error. A live resize can leave any worker owning all 16 shards (down to one
 * worker), so the limit fits the whole of maxmemory, not the worker's share at start. The LRU's
 * charge per entry is what a full, churning shard really holds (libs/lru ENTRY_OVERHEAD), so the
 * data fits; half as much again covers garbage between collections, plus 96 MB for buffers and
 * code. The limit is a ceiling, not a target: V8 sizes the heap from the live data. Null when
 * the operator set the limit already.
 */
export function workerHeapLimitMb(maxmemory: number): number | null {
  if (givenNodeFlags().some((f) => f.startsWith('--max-old-space-size'))) return null;
  return Math.ceil((maxmemory * 1.5) / 1048576) + 96;
}

function removeSocket(file: string | null): void {
  if (file === null) return;
  try {
    fs.unlinkSync(file);
  } catch {
    // Already gone.
  }
}
