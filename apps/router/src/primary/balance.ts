import type { PrimaryMessage } from './messages';

/** A worker whose last report of its clients is older than this is passed over: its event loop may be stuck. */
export const LIVE_MS = 300;
/** Workers report their clients this often even when the count did not change: the heartbeat LIVE_MS reads. */
export const HEARTBEAT_MS = 100;
/** Changes are sent to the workers at most this often, so a burst of connections makes a few views, not one each. */
export const VIEW_COALESCE_MS = 5;

/** The keeper stays while it has at most this many clients more than the worker with the fewest. */
export function keeperMargin(fewest: number): number {
  return 4 + Math.ceil(fewest / 10);
}

export interface BalanceDeps {
  /** Worker slots there are (indexes 0 .. n-1). */
  slots(): number;
  /** Worker `index` has the listening sockets and may take clients: ready, not retiring. */
  eligible(index: number): boolean;
  send(index: number, message: PrimaryMessage): void;
  broadcast(message: PrimaryMessage): void;
  now(): number;
  setTimer(fn: () => void, ms: number): void;
}

/** What every worker is told: each one's clients, which are live, and the keeper. */
export type BalanceView = Extract<PrimaryMessage, { t: 'balance' }>;

/**
 * The primary's side of balancing the workers that accept clients from one shared queue (see
 * ARCHITECTURE.md, "Accepting clients"). Workers report their clients; the primary sends every
 * worker the counts and names a keeper: the live worker with (about) the fewest clients, which
 * never stops accepting. A worker past its share of the clients stops accepting for a while, so
 * the others take the next ones; because the keeper never does, and a new keeper is named only
 * once it has said it accepts (`keep`, then `kept`), some worker always accepts: never all stop
 * at once. A worker that stops reporting (stuck, dying) is not live: it is never keeper, and once
 * the keeper is not live there is none, so every worker accepts until a live one is named.
 */
export class AcceptBalance {
  private counts: number[] = [];
  private reportedAt: number[] = [];
  private keeper = -1;
  private candidate = -1;
  /** Counts every appointment and withdrawal: a worker told to keep by epoch e keeps while the view's epoch is below e. */
  private epoch = 0;
  private viewEpoch = 0;
  private scheduled = false;
  private lastSent = '';

  constructor(private readonly deps: BalanceDeps) {}

  /** Worker `index` has `clients` clients now (also its heartbeat). */
  report(index: number, clients: number): void {
    this.counts[index] = clients;
    this.reportedAt[index] = this.deps.now();
    this.schedule();
  }

  /** Worker `index` accepts now, as asked by its `keep` of `epoch`. */
  kept(index: number, epoch: number): void {
    if (index !== this.candidate || epoch !== this.epoch) return;
    this.keeper = index;
    this.candidate = -1;
    this.viewEpoch = epoch;
    this.schedule();
  }

  /** Worker `index` exited or is leaving: its clients are gone, and it keeps nothing. */
  forget(index: number): void {
    this.counts[index] = 0;
    this.reportedAt[index] = -Infinity;
    this.withdraw(index);
    this.schedule();
  }

  /** Something `eligible` reads changed (a worker was given the sockets): send a new view soon, not at the next heartbeat. */
  refresh(): void {
    this.schedule();
  }

  /** Called every HEARTBEAT_MS: a worker that went quiet stops being live. */
  tick(): void {
    this.evaluate();
  }

  live(index: number): boolean {
    return this.deps.eligible(index) && this.deps.now() - (this.reportedAt[index] ?? -Infinity) <= LIVE_MS;
  }

  /** The view the workers were last sent, or would be now. */
  view(): BalanceView {
    const n = this.deps.slots();
    const counts: number[] = [];
    const live: boolean[] = [];
    for (let i = 0; i < n; i++) {
      counts.push(this.counts[i] ?? 0);
      live.push(this.live(i));
    }
    return { t: 'balance', counts, live, keeper: this.keeper, epoch: this.viewEpoch };
  }

  private withdraw(index: number): void {
    if (index === this.candidate) this.candidate = -1;
    if (index === this.keeper) {
      this.keeper = -1;
      this.viewEpoch = ++this.epoch;
    }
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.deps.setTimer(() => {
      this.scheduled = false;
      this.evaluate();
    }, VIEW_COALESCE_MS);
  }

  private evaluate(): void {
    const n = this.deps.slots();
    let fewest = -1;
    for (let i = 0; i < n; i++) {
      if (this.live(i) && (fewest < 0 || (this.counts[i] ?? 0) < (this.counts[fewest] ?? 0))) fewest = i;
    }
    if (this.keeper >= 0 && !this.live(this.keeper)) this.withdraw(this.keeper);
    if (this.candidate >= 0 && !this.live(this.candidate)) {
      this.candidate = -1;
      // Its keep no longer holds: a view with a later epoch tells it so.
      this.viewEpoch = ++this.epoch;
    }
    if (fewest >= 0) {
      const keep = this.keeper >= 0 && (this.counts[this.keeper] ?? 0) <= (this.counts[fewest] ?? 0) + keeperMargin(this.counts[fewest] ?? 0);
      const wanted = keep ? this.keeper : fewest;
      if (wanted !== this.keeper && wanted !== this.candidate) {
        this.candidate = wanted;
        this.deps.send(wanted, { t: 'keep', epoch: ++this.epoch });
      }
    }
    const view = this.view();
    const text = JSON.stringify(view);
    if (text === this.lastSent) return;
    this.lastSent = text;
    this.deps.broadcast(view);
  }
}
