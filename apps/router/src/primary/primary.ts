import cluster, { type Worker } from 'node:cluster';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as http from 'node:http';
import { adminPort, closeAdmin, ClusterProbe, startAdmin } from '../admin/admin';
import { loadConfig, type Config, type ConfigSources } from '../config/config';
import { openFilesLimit } from '../config/resources';
import { workerEnv } from '../config/worker-settings';
import { log, setLogLevel } from '../log';
import type { PrimaryMessage, WorkerMessage } from './messages';
import { readTlsFiles } from '../client/tls';
import { PoolControl, realTimers } from './control';
import { Accepting } from './accepting';
import { ClientListeners, ListenError } from './listeners';
import { Resizer } from './scaling';
import { initialMap, shardsOwnedBy } from './shard-map';
import { Shutdown } from './shutdown';
import { WorkerPool } from './slots';
import { workerHeapLimitMb, workerV8Flags } from './v8-flags';
import { Broadcasts } from './broadcasts';
import { MonitorList } from './monitor-list';
import { handleAsk } from './operator-asks';
import { RuntimeConfig } from './runtime-config';

/**
 * The primary: binds the client ports and forks one worker per configured CPU (slots.ts), hands out
 * peer socket paths, gives each ready worker the client ports' sockets to accept from and balances
 * them (accepting.ts; the primary itself never accepts a client), restarts a worker that dies
 * (with the same shards, empty), changes the worker count live (scaling.ts over control.ts), and
 * leads a graceful shutdown (shutdown.ts). This function only wires them together.
 */
export function runPrimary(config: Config, sources: ConfigSources): void {
  // Workers listen on sockets the primary sends them (and peer links on their own, exclusive):
  // nothing should ever go through cluster's round-robin, where the primary accepts and hands over.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  // The shard map: which worker owns each shard. Workers route by copies the primary sends.
  const map = initialMap(config.workers);
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-'));
  let announced = false;
  let listening = false;
  let admin: http.Server | null = null;
  // Set once the client ports are bound, before any worker is forked.
  let accepting: Accepting | null = null;

  // TLS clients are accepted raw, like the others; the worker runs the handshake. One set of
  // session ticket keys for all workers, so that a session resumes whichever worker accepts it.
  const tlsPem = config['tls-port'] > 0 ? readTlsFiles(config['tls-cert']!, config['tls-key']!, (option) => `--${option}`) : null;
  const ticketKeys = randomBytes(48).toString('hex');
  const mapMessage = (): PrimaryMessage => ({ t: 'map', map });

  const pool: WorkerPool<Worker> = new WorkerPool<Worker>({
    // A worker forked later starts with the settings as they stand (CONFIG SET, reloads).
    fork: (index, peerPath) => cluster.fork(workerEnv(runtime.config, { index, map, peerPath, restarts: probe.restarts[index] ?? 0 })),
    greeting: () => [{ t: 'password', password: config.requirepass }, ...(tlsPem ? [{ t: 'tls', pem: tlsPem, ticketKeys } as const] : [])],
    runDir,
    removeFile: removeSocket,
    now: Date.now,
    mapWorkers: () => map.workers,
    stopping: () => shutdown.active,
    message: (index, message) => onMessage(index, message),
    exited: (index, code, signal) => {
      accepting?.exited(index);
      broadcasts.exited(index);
      monitors.exited(index);
      control.exited(index, code, signal);
    },
    exitedWhileStopping: () => shutdown.workerExited(),
    restarting: (index) => (probe.restarts[index] = (probe.restarts[index] ?? 0) + 1),
    giveUp: () => shutdown.start(1),
  });
  // CONFIG SET, CONFIG REWRITE and the config file's reload: the settings as they stand, applied by every worker.
  const broadcasts = new Broadcasts({
    running: () => pool.slots.flatMap((s, index) => (s.worker !== null && s.worker.isConnected() ? [index] : [])),
    send: (index, message) => pool.slots[index].worker?.send(message),
    setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
    clearTimer: (timer) => clearTimeout(timer as NodeJS.Timeout),
  });
  const monitors = new MonitorList(broadcasts);
  const runtime: RuntimeConfig = new RuntimeConfig(config, {
    broadcasts,
    applyHere: (change, next) => {
      if (change['log-level'] !== undefined) setLogLevel(next['log-level']);
      // Workers forked from now on get V8's heap limit for the larger maxmemory (running ones keep theirs).
      // maxclients is the server's: the primary grants its places (accepting.ts).
      if (change.maxclients !== undefined) accepting?.admission.setMax(next.maxclients);
      if (change.maxmemory !== undefined) cluster.setupPrimary({ execArgv: [...process.execArgv, ...workerV8Flags(workerHeapLimitMb(Math.max(config.maxmemory, next.maxmemory)))] });
    },
  });
  const control = new PoolControl({
    map,
    pool,
    timers: realTimers,
    stopping: () => shutdown.active,
    publish: () => pool.broadcast(mapMessage()),
    removed: (count) => (probe.restarts.length = Math.min(probe.restarts.length, count)),
  });
  // A live change of the worker count (scaling.ts), driven by POST /workers or SIGUSR2.
  const resizer = new Resizer(control);
  // The admin endpoint (admin.ts): pings workers for /readyz, gathers their figures, counts restarts.
  const probe = new ClusterProbe(
    () => pool.slots.length,
    (index) => pool.slots[index],
    (index) => shardsOwnedBy(map.owners, index),
    () => ({ map_version: map.version, resizing: resizer.busy, resizes: resizer.done, resizes_failed: resizer.failed, last_resize_seconds: resizer.lastSeconds }),
  );

  const shutdown = new Shutdown({
    stopAccepting: () => {
      accepting?.stop();
      probe.stop();
      if (admin !== null) closeAdmin(admin);
    },
    broadcast: (message) => pool.broadcast(message),
    allExited: () => pool.allExited(),
    allDrained: () => pool.allDrained(),
    killAll: () => {
      for (const s of pool.slots) s.worker?.process.kill('SIGKILL');
    },
    finish: (code) => {
      fs.rmSync(runDir, { recursive: true, force: true });
      log('info', 'stopped', { exit_code: code });
      process.exit(code);
    },
    setTimer: (fn, ms) => setTimeout(fn, ms).unref(),
  });

  const onMessage = (index: number, message: WorkerMessage) => {
    const slot = pool.slots[index];
    const worker = slot.worker!;
    if (probe.onMessage(index, worker, message)) return;
    if (accepting?.message(index, message)) return;
    switch (message.t) {
      case 'peer-listening':
        if (!shutdown.active) pool.broadcast({ t: 'peers', paths: pool.peerMap() });
        return;
      case 'ready':
        // The map may have changed since the fork (a resize while it restarted).
        worker.send(mapMessage());
        const monitoring = monitors.greeting();
        if (monitoring !== null) worker.send(monitoring);
        if (!listening && pool.allReady()) {
          listening = true;
          accepting?.start();
          return;
        }
        accepting?.ready(index);
        if (announced) log('info', 'worker restarted', { worker: index, worker_pid: worker.process.pid });
        return;
      case 'drained':
        return shutdown.drained();
      case 'done':
        return control.done(index, message);
      case 'ask':
        return handleAsk({ runtime, monitors, answer: (i, id, error) => pool.slots[i].worker?.send({ t: 'answer', id, error }), shutdown: () => shutdown.start(0) }, index, message.id, message.ask);
      case 'applied':
        return broadcasts.applied(index, message.id);
      case 'fatal':
        log('error', 'worker cannot run', { worker: index, error: message.message });
        shutdown.start(1);
    }
  };

  const files = openFilesLimit();
  /** Every worker listens on every client port: log the ready line, then open the admin endpoint. */
  const ready = (listeners: ClientListeners) => {
    announced = true;
    log('info', 'ready', {
      port: listeners.port,
      ...(listeners.tlsPort !== null && { tls_port: listeners.tlsPort }),
      host: config.host,
      workers: map.workers,
      workers_source: sources.workers,
      maxmemory: config.maxmemory,
      maxmemory_human: `${(config.maxmemory / 1048576).toFixed(1)}mb`,
      maxmemory_source: sources.maxmemory,
      open_files_limit: files === null ? 'unknown' : files.soft,
      listen_backlog: listeners.backlog,
    });
    // Each client is a file descriptor in the worker that accepted it (about maxclients / workers,
    // more while the balance catches up), plus a few per process for links and logs.
    if (files !== null && files.soft < Math.ceil((config.maxclients / map.workers) * 1.5) + 64) {
      log('warn', 'open files limit too low for maxclients', { open_files_soft: files.soft, open_files_hard: files.hard, maxclients: config.maxclients, workers: map.workers, hint: 'raise the hard limit (ulimit -Hn as root, or the container nofile ulimit); Node raises the soft one to it' });
    }
    startAdminEndpoint();
  };

  const startAdminEndpoint = () => {
    const port = config['admin-port'];
    if (port < 0 || shutdown.active) return;
    const host = config['admin-host'];
    probe.start();
    // The cache serves on without it: a taken admin port is logged, not fatal.
    startAdmin(host, port, probe, { resize: (count) => resizer.resize(count), map: () => ({ ...map, resizing: resizer.busy }), token: config.requirepass }).then(
      (server) => {
        if (shutdown.active) return closeAdmin(server);
        admin = server;
        log('info', 'admin listening', { host, port: adminPort(server) });
      },
      (err: Error) => log('error', 'admin endpoint cannot listen', { host, port, error: err.message }),
    );
  };

  const v8Flags = workerV8Flags(workerHeapLimitMb(config.maxmemory));
  cluster.setupPrimary({ execArgv: [...process.execArgv, ...v8Flags] });
  log('info', 'primary started', { workers: map.workers, workers_source: sources.workers, worker_v8_flags: v8Flags, run_dir: runDir });

  // SIGUSR2: apply the config file's worker count and the settings CONFIG SET may change (flags and
  // environment still take precedence).
  process.on('SIGUSR2', () => {
    if (shutdown.active) return;
    let workers: number;
    try {
      const loaded = loadConfig(process.argv.slice(2), process.env);
      if (loaded.kind !== 'config') return;
      workers = loaded.config.workers;
      log('info', 'SIGUSR2: reloading the worker count and settings', { workers, workers_source: loaded.sources.workers, config: loaded.config.config ?? null });
      runtime.reload(loaded.config);
    } catch (err) {
      log('error', 'SIGUSR2: config not reloaded', { error: (err as Error).message });
      return;
    }
    // A failure is logged by the resizer.
    resizer.resize(workers).catch(() => {});
  });
  process.on('SIGTERM', () => shutdown.start(0));
  process.on('SIGINT', () => shutdown.start(0));
  // As Redis: SIGHUP (the terminal closed, an ssh logout, a reload habit) neither stops nor reloads.
  process.on('SIGHUP', () => log('info', 'SIGHUP ignored', { hint: 'SIGTERM stops the server; SIGUSR2 reloads the worker count and settings from the config file' }));

  // The client ports are bound first (a taken port fails before any worker starts); workers
  // listen on them once all are ready, so the ready line means every worker accepts.
  ClientListeners.open(config.host, config.port, config['tls-port'], config['tcp-keepalive']).then(
    (listeners) => {
      if (shutdown.active) return listeners.close();
      accepting = new Accepting({ listeners, pool, maxclients: runtime.config.maxclients, allListening: () => ready(listeners) });
      for (let i = 0; i < map.workers; i++) pool.slot(i);
      for (let i = 0; i < map.workers; i++) pool.fork(i);
    },
    (err: Error) => {
      const option = err instanceof ListenError ? err.option : 'port';
      log('error', 'cannot listen', { host: config.host, [option === 'port' ? 'port' : 'tls_port']: option === 'port' ? config.port : config['tls-port'], error: err.message });
      shutdown.start(1);
    },
  );
}

function removeSocket(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch {
    // Already gone.
  }
}
