import { ENCODINGS, parseKeyspaceEvents } from '@kv/node';
import { parseOutputLimits } from '../pubsub/output-limit';
import type { EvictionPolicy } from '@kv/lru';
import type { ParamValues, OptionChange } from '../config/params';
import type { WorkerConfig } from '../config/worker-settings';
import { log, setLogLevel, type Level } from '../log';
import type { OperatorAsk, WorkerOperator } from '../operator/types';
import type { Router } from './router';
import { setIdleTimeout } from './client-socket';

/** Evicting down to a lowered maxmemory runs this long at a time, so clients are served between slices. */
const EVICT_SLICE_MS = 5;

/**
 * A worker's settings as they stand (what CONFIG GET reads), and how a change the primary
 * broadcasts (CONFIG SET, a reload) takes effect here: at once for what is read per command or
 * per client (limits, the policy, Lua's time limit, the encodings' thresholds), on every connected
 * client for the timeout and keepalive, and by evicting in slices down to a lowered maxmemory.
 */
export class LiveSettings implements WorkerOperator {
  private values: ParamValues;
  private evicting = false;

  constructor(
    config: WorkerConfig,
    private readonly router: Router,
    /** Asks the primary (worker-process.ts: operator/asks.ts over the cluster channel). */
    readonly ask: (ask: OperatorAsk) => Promise<string | undefined>,
  ) {
    this.values = Object.freeze({ ...config });
    this.applyEncodings();
    this.applyTiming();
  }

  get settings(): ParamValues {
    return this.values;
  }

  apply(change: OptionChange): void {
    this.values = Object.freeze({ ...this.values, ...change } as ParamValues);
    const { router } = this;
    const limits = router.limits;
    const v = this.values;
    if (change.maxmemory !== undefined) {
      limits.maxmemory = v.maxmemory;
      router.node.shards.setMaxmemory(v.maxmemory);
      this.evictToBudget();
    }
    if (change['maxmemory-policy'] !== undefined) router.node.shards.setPolicy(v['maxmemory-policy'] as EvictionPolicy);
    if (change.maxclients !== undefined) {
      // Enforced by the primary, which grants every worker its places (primary/admission.ts).
      limits.maxclientsTotal = v.maxclients;
    }
    if (change['lua-time-limit'] !== undefined) {
      limits.luaTimeLimit = v['lua-time-limit'];
      router.scripts.limitMs = v['lua-time-limit'];
    }
    if (change['client-output-limit'] !== undefined) limits.clientOutputLimit = v['client-output-limit'];
    if (change['protected-mode'] !== undefined) limits.protectedMode = v['protected-mode'] === 'yes';
    if (change.timeout !== undefined) {
      limits.timeout = v.timeout;
      // Redis checks every client's idle time against the timeout as it stands, connected before or after.
      for (const conn of router.conns) setIdleTimeout(conn.socket, v.timeout);
    }
    if (change['tcp-keepalive'] !== undefined) {
      limits.tcpKeepalive = v['tcp-keepalive'];
      for (const conn of router.conns) conn.socket.setKeepAlive(v['tcp-keepalive'] > 0, v['tcp-keepalive'] * 1000);
    }
    if (change['log-level'] !== undefined) setLogLevel(v['log-level'] as Level);
    if (change['notify-keyspace-events'] !== undefined) {
      const flags = parseKeyspaceEvents(v['notify-keyspace-events']);
      limits.notifyKeyspaceEvents = flags;
      const notifier = router.node.shards.keyspace;
      if (notifier !== null) notifier.flags = flags;
      router.node.shards.keyspaceFlagsChanged();
    }
    if (change['client-output-buffer-limit'] !== undefined) {
      const parsed = parseOutputLimits(v['client-output-buffer-limit']);
      // Changed in place: every subscriber reads this one object (pubsub/subscriber.ts), connected before or after.
      if (typeof parsed !== 'string') Object.assign(limits.outputLimits.pubsub, parsed.pubsub);
    }
    this.applyEncodings();
    this.applyTiming();
  }

  private applyTiming(): void {
    const { slowlog, latency } = this.router.timing;
    slowlog.thresholdMicros = this.values['slowlog-log-slower-than'];
    slowlog.setMaxLen(this.values['slowlog-max-len']);
    latency.thresholdMs = this.values['latency-monitor-threshold'];
    const tracking = this.router.commandStats.latency;
    tracking.tracking = this.values['latency-tracking'] === 'yes';
    const percentiles = this.values['latency-tracking-info-percentiles'];
    tracking.percentiles = percentiles === '' ? [] : percentiles.split(' ').map(Number);
  }

  private applyEncodings(): void {
    ENCODINGS.hashMaxListpackEntries = this.values['hash-max-listpack-entries'];
    ENCODINGS.hashMaxListpackValue = this.values['hash-max-listpack-value'];
    const collections = this.router.node.shards.memory.limits;
    collections.listMaxListpackSize = this.values['list-max-listpack-size'];
    collections.setMaxIntsetEntries = this.values['set-max-intset-entries'];
    collections.setMaxListpackEntries = this.values['set-max-listpack-entries'];
    collections.setMaxListpackValue = this.values['set-max-listpack-value'];
    collections.zsetMaxListpackEntries = this.values['zset-max-listpack-entries'];
    collections.zsetMaxListpackValue = this.values['zset-max-listpack-value'];
    collections.streamNodeMaxEntries = this.values['stream-node-max-entries'];
    collections.streamNodeMaxBytes = this.values['stream-node-max-bytes'];
    // The server's bound, this worker's shards' share of it; lowered: the keys past it are evicted now, their readers told (Redis trims in its cron).
    this.router.node.shards.setTrackingMaxKeys(this.values['tracking-table-max-keys']);
  }

  /**
   * maxmemory was lowered: what is charged over it is evicted by the policy now, a slice at a
   * time between clients' reads (writes meanwhile evict to fit as always). A policy that can
   * evict nothing more leaves the rest, as Redis: writes are refused until deletes make room.
   */
  private evictToBudget(): void {
    if (this.evicting) return;
    this.evicting = true;
    const slice = () => {
      const state = this.router.node.shards.evictToBudget(EVICT_SLICE_MS);
      if (state === 'more') return void setImmediate(slice);
      this.evicting = false;
      if (state === 'stuck') log('warn', 'maxmemory lowered below what the policy can evict', { worker: this.router.self, policy: this.router.node.shards.policy });
    };
    slice();
  }
}
