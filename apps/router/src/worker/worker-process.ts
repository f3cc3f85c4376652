import * as path from 'node:path';
import { RouterClients } from '../client/worker-clients';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { observeGc, ShardNode } from '@kv/node';
import { collectWorkerStats } from '../admin/admin';
import { LOOP_DELAY_RESOLUTION_MS } from './loop-delay';
import { log } from '../log';
import { routerSettings, readWorkerEnv } from '../config/worker-settings';
import type { PrimaryMessage, WorkerMessage } from '../primary/messages';
import { handOver } from '../links/handover';
import { Peers } from '../links/peers';
import { Router } from './router';
import { shardsOwnedBy } from '../primary/shard-map';
import { TlsTerminator } from '../client/tls';
import { SHARD_COUNT } from '@kv/wire';
import { Acceptor } from './acceptor';
import { headroom, WorkerAdmission } from './admission';
import { workerScripts } from './lua';
import { KeyspaceNotifier, type NotifierHost } from '../pubsub/keyspace';
import type { Args, PushEncoder } from '@kv/wire';
import { PushKind } from '../links/push-kinds';
import { LiveSettings } from './live-settings';
import { MonitorFeed } from '../monitor/feed';
import { Invalidator } from '../tracking/invalidator';
import { Broadcaster } from '../tracking/bcast';
import { PrimaryAsks } from '../operator/asks';
import { warmBeforeReady } from './warmup';

/** A retiring worker waits this long for its clients to see their last replies and close. */
const RETIRE_CLOSE_MS = 2000;

/** Resolves once every client connection has closed, or after `withinMs`. */
function clientsClosed(router: Router, withinMs: number): Promise<void> {
  const until = Date.now() + withinMs;
  return new Promise((resolve) => {
    const check = () => {
      if (router.conns.size === 0 || Date.now() >= until) resolve();
      else setTimeout(check, 20);
    };
    check();
  });
}

function send(message: WorkerMessage): void {
  // Without a primary there is no one to tell; the worker exits on the channel's disconnect.
  if (process.connected) process.send!(message, undefined, undefined, () => {});
}

/**
 * A forked worker: owns its shards (ShardNode), links to its peers (Peers), accepts clients from
 * the sockets the primary shares (Acceptor) and serves them (Router). Follows the primary's lead
 * for start-up and shutdown.
 */
export function runWorker(): void {
  const { index, map, peerPath, settings: atStart } = readWorkerEnv(process.env);

  const shards = shardsOwnedBy(map.owners, index);
  const limits = routerSettings(atStart);
  const scripts = workerScripts(index, limits.luaTimeLimit, limits.restarts);
  // The shards get their collaborators now; the router's (it is made last: it routes to the shards
  // and links) they reach through `made` once it exists, which is before any request.
  const made: { router: Router | null } = { router: null };
  const keyspace = new KeyspaceNotifier(limits.notifyKeyspaceEvents, (): NotifierHost => ({
    hub: made.router!.pubsub,
    self: index,
    workers: made.router!.workers,
    pushTo: (peer: number): PushEncoder | null => made.router!.peers.pushTo(peer),
  }));
  const node = new ShardNode(shards, atStart.config.maxmemory, atStart.config['maxmemory-policy'], {
    fault: (message, fields) => log('error', message, { worker: index, ...fields }),
    // Work that waited for a transaction has run: send the replies it produced (after the client
    // read running now, if any: Peers.deferFlushes).
    drained: () => {
      peers.flushDirty();
      peers.scheduleFlush();
    },
    mapVersion: () => made.router?.mapVersion ?? 0,
    // INFO, run on this worker's shards, also reports the router's figures (clients, commands).
    processStats: () => made.router!.processStats(),
    // CLIENT LIST, KILL and UNBLOCK, asked of every worker, act on the router's clients.
    clients: new RouterClients(() => made.router!.conns),
    scripts,
    here: () => made.router!.here,
    pubsub: () => made.router!.pubsub,
    keyspace,
    resetRouterStats: () => made.router!.resetStats(),
    slowlog: () => made.router!.timing,
  });
  // A worker a resize adds is not in the map yet, but links to every worker below it.
  const peers = new Peers(index, Math.max(map.workers, index + 1), node, {
    onLinkDown: (peer, reason) => {
      log(reason === 'retired' ? 'info' : 'warn', 'peer link down', { worker: index, peer, reason });
      made.router?.tracking.bcast?.linkDown(peer);
    },
    onLinkUp: (peer) => made.router?.tracking.bcast?.linkUp(peer),
    onCorruptFrame: (peer, error) => log('error', 'corrupt frame from peer', { worker: index, peer, error: error.message }),
    onSettleFault: (peer, error) => log('error', 'a reply from a peer failed its client', { worker: index, peer, error: error.message }),
    onStrayReply: (peer, id, kind) => log('error', 'a reply from a peer matched no request owed: dropped', { worker: index, peer, id, kind }),
    onPushFault: (peer, kind, error) => log('error', 'a push message from a peer failed: dropped', { worker: index, peer, kind, error: error.message }),
  });
  peers.onPush(PushKind.MESSAGE, (args: Args) => keyspace.received(args));
  // A blocked request's client left (on the worker that sent it): it waits here no more.
  peers.onPush(PushKind.UNBLOCK, (args: Args, peer: number) => node.shards.blocked.cancel(peers.linkIdOf(peer), Number(args.latin1(0))));
  const router = new Router(index, map, node, peers, limits, scripts);
  // A slow log entry of a peer's client names that worker (requests on a link carry the link's id).
  router.timing.peerOfLink = (link) => {
    for (let peer = 0; peer < SHARD_COUNT; peer++) if (peer !== index && peers.linkIdOf(peer) === link) return peer;
    return -1;
  };
  made.router = router;
  // CONFIG SET and REWRITE are the primary's to make: asked over the cluster channel.
  const asks = new PrimaryAsks((id, ask) => {
    if (!process.connected) return false;
    send({ t: 'ask', id, ask });
    return true;
  });
  const settings = new LiveSettings(atStart.config, router, (ask) => asks.ask(ask));
  router.operator = settings;
  router.monitor = new MonitorFeed({
    self: index,
    pushTo: (peer) => peers.pushTo(peer),
    flushClients: () => peers.flushDirty(),
    outputLimit: () => router.limits.clientOutputLimit,
    ask: (on) => asks.ask({ op: 'monitor', on }),
  });
  router.plans.monitor = router.here.plans.monitor = router.monitor;
  peers.onPush(PushKind.MONITOR, (args: Args) => router.monitor.received(args.buf, args.starts[0], args.ends[0]));
  // Client-side caching: the store's tracking table tells the invalidator, which finds each reader's worker and connection.
  const tracking = (router.tracking = new Invalidator({ self: index, counted: node.shards.memory.tracking, client: (id) => router.conns.byIdOf(id), pushTo: (peer) => peers.pushTo(peer), flushClients: () => peers.flushDirty(), outputLimit: () => router.limits.clientOutputLimit }));
  node.shards.memory.tracking.sink = tracking;
  tracking.bcast = new Broadcaster({ self: index, workers: () => router.workers, pushTo: (peer) => peers.pushTo(peer), table: node.shards.memory.tracking, invalidator: tracking });
  peers.onPush(PushKind.BCAST_PREFIX, (args: Args, peer: number) => tracking.bcast!.announced(args, peer));
  peers.onPush(PushKind.BCAST_KEYS, (args: Args) => tracking.bcast!.received(args));
  peers.onPush(PushKind.INVALIDATE, (args: Args) => tracking.received(args));
  peers.onPush(PushKind.REDIRECTED, (args: Args) => tracking.redirected(args));
  peers.onPush(PushKind.REDIR_BROKEN, (args: Args) => tracking.broken(args));
  // Set by the primary's password message, sent right after fork, before any client.
  let passwordKnown = false;
  // Active expiry: reclaim keys nobody reads again, a little at a time (Redis's hz 10); and the
  // figures Redis samples as often (ops a second, the memory peak, avg_ttl).
  // Each pass also tells LATENCY of a stalled event loop (the pass came late) and a long expiry pass.
  let lastPass = performance.now();
  setInterval(() => {
    const start = performance.now();
    router.timing.latency.add('event-loop', start - lastPass - 100);
    node.shards.expireCycle(2);
    lastPass = performance.now();
    router.timing.latency.add('expire-cycle', lastPass - start);
    router.sampled.sample(router.commands, Date.now());
  }, 100).unref();
  // Garbage collections (count, time, longest pause) for INFO, /stats and /metrics.
  observeGc();
  // Event-loop delay since start, for the admin endpoint's /stats and /metrics.
  const loopDelay = monitorEventLoopDelay({ resolution: LOOP_DELAY_RESOLUTION_MS });
  loopDelay.enable();
  router.loopDelay = loopDelay;
  let starting = false;
  // Set by the primary's tls message, which comes before any client (with --tls-port).
  let tlsClients: TlsTerminator | null = null;
  // Accepts from the client ports' sockets, which the primary sends once this worker is ready.
  const acceptor = new Acceptor({
    self: index,
    // Those waiting for a place too: a burst's clients past the headroom wait, and were not counted.
    clients: () => router.conns.size + admission.waiting,
    adopt: (socket) => {
      // Cannot happen (the password comes first, the sockets after 'ready'); fail closed rather than serve without it.
      if (!passwordKnown) {
        log('error', 'client before the password message', { worker: index });
        return void socket.destroy();
      }
      router.adopt(socket);
    },
    socketFor: (handle) => router.socketFor(handle),
    tls: (socket) => tlsClients?.wrap(socket) ?? null,
    send,
    log: (level, message, fields) => log(level, message, fields),
  });
  // maxclients is the server's: places come from the primary, a few kept unused for the next clients.
  const admission = new WorkerAdmission(
    { clients: () => router.conns.size, serve: (socket) => router.serve(socket), refuse: (socket) => router.refuse(socket), send },
    headroom(atStart.config.maxclients, map.workers),
  );
  router.admit = (socket) => admission.admit(socket);
  // Every client comes from the primary's listening sockets, which carry NODELAY and keepalive.
  router.socketOptionsInherited = true;
  router.onClientsChanged = () => {
    admission.changed();
    acceptor.changed();
  };
  admission.start();

  // Ctrl-C or a service manager may signal the whole process group; the primary leads the shutdown
  // (peers keep serving each other until all have drained), so workers wait for it. Without a
  // primary, the cluster channel's disconnect ends the worker. SIGHUP (a closed terminal, ssh
  // logout) is ignored, as Redis does.
  process.on('SIGINT', () => {});
  process.on('SIGTERM', () => {});
  process.on('SIGHUP', () => {});

  process.on('message', (message: PrimaryMessage, handle: unknown) => {
    switch (message.t) {
      case 'peers':
        peers.update(message.paths);
        if (starting) return;
        starting = true;
        // Ready once linked to every peer, the Lua engine is up, and the scripts of a peer are
        // copied (this worker starts empty: after a crash, or added by a resize), so EVALSHA of
        // any script EVAL or SCRIPT LOAD already answered finds it here too. An engine that
        // cannot start: logged, and the worker exits for the primary to restart it.
        router.scripts.ready.catch((err: Error) => {
          log('error', 'Lua engine failed to start; exiting for the primary to restart this worker', { worker: index, error: err.message });
          process.exit(1);
        });
        void Promise.all([peers.whenAllUp(), router.scripts.ready])
          .then(() => router.scripts.copyFromPeer(router.owners, router.workers))
          .then(async (copied) => {
            await warmBeforeReady(index, limits, router.scripts, path.dirname(peerPath), atStart.config['warmup-ms']);
            log('debug', 'linked to every peer', { worker: index, peers: peers.workers - 1, scripts_copied: copied });
            send({ t: 'ready' });
          }, () => {});
        return;
      case 'listen':
        acceptor.listen(message.kind, handle, message.backlog);
        return;
      case 'balance':
        acceptor.balance(message);
        return;
      case 'keep':
        acceptor.keep(message.epoch);
        return;
      case 'grant':
        admission.grant(message.count, message.full, message.scarce);
        return;
      case 'reclaim':
        admission.reclaim();
        return;
      case 'password':
        router.setPassword(message.password);
        passwordKnown = true;
        return;
      case 'tls':
        tlsClients = new TlsTerminator(message.pem, index, Buffer.from(message.ticketKeys, 'hex'));
        return;
      // CONFIG SET or a reload, made by the primary: applied here, then confirmed.
      case 'config':
        settings.apply(message.change);
        send({ t: 'applied', id: message.id });
        return;
      case 'monitors':
        router.monitor.setWorkers(message.workers);
        send({ t: 'applied', id: message.id });
        return;
      case 'answer':
        asks.answer(message.id, message.error);
        return;
      case 'shutdown':
        acceptor.close();
        admission.close();
        void router.drain().then(() => send({ t: 'drained' }));
        return;
      case 'exit':
        peers.closeAll();
        process.exit(0);
      // The admin endpoint's liveness check and figures.
      case 'ping':
        send({ t: 'pong', seq: message.seq, clients: router.conns.size });
        return;
      case 'stats':
        send({ t: 'stats', id: message.id, stats: collectWorkerStats(router) });
        return;
      // A live resize (scaling.ts): pause, move a shard, new map, resume; or retire.
      case 'pause':
        peers.workers = Math.max(peers.workers, message.linkTo);
        void router
          .pause()
          .then(() => peers.whenAllUp())
          .then(() => send({ t: 'done', id: message.id }));
        return;
      case 'map':
        router.applyMap(message.map);
        return;
      case 'resume':
        router.resume();
        send({ t: 'done', id: message.id });
        return;
      case 'move': {
        const { id, shard, to, version } = message;
        handOver(node, peers, shard, to, version).then(
          (moved) => {
            log('info', 'shard handed over', { worker: index, shard, to, keys: moved.keys, bytes: moved.bytes });
            send({ t: 'done', id, keys: moved.keys, bytes: moved.bytes });
          },
          (err: Error) => send({ t: 'done', id, error: err.message }),
        );
        return;
      }
      case 'retire':
        acceptor.close();
        admission.close();
        void router
          .drain()
          .then(() => clientsClosed(router, RETIRE_CLOSE_MS))
          .then(() => {
            log('info', 'worker retired', { worker: index });
            peers.closeAll();
            process.exit(0);
          });
        return;
    }
  });

  peers
    .listen(peerPath)
    .then(() => {
      log('info', 'worker started', { worker: index, shards, peer_socket: peerPath });
      send({ t: 'peer-listening' });
    })
    .catch((err: Error) => send({ t: 'fatal', message: `cannot listen on peer socket ${peerPath}: ${err.message}` }));
}

