import { log } from '../log';
import type { PrimaryMessage } from './messages';

/**
 * The longest the primary waits for the workers it asked to give back unused places before it
 * calls the server full: a busy worker answers well within it, a stuck one (SIGSTOP) never, and
 * keeps its few unused places. Every running worker is asked: one merely busy may look stuck to
 * the balance's heartbeat, and not asking it would refuse clients the server has room for.
 */
export const RECLAIM_MS = 2000;

export interface AdmissionDeps {
  /** Worker indexes running now. */
  running(): number[];
  send(index: number, message: PrimaryMessage): void;
  setTimer(fn: () => void, ms: number): void;
}

/** A worker's ask the free places could not cover yet. */
interface Short {
  index: number;
  need: number;
  given: number;
  /** Reclaim rounds started before it came: it is refused only by a round started after it. */
  since: number;
}

/**
 * maxclients over the whole server (ARCHITECTURE.md, "Accepting clients"). Every client holds one
 * of maxclients places; the primary hands them to the workers (`grant`), which admit clients up to
 * what they were granted without asking anyone, and ask for more (`admit`) when a client would go
 * past it. When no place is free, the primary first asks the other workers to give back the places
 * they hold unused (`reclaim`, answered by `returned`); only when that leaves the ask short is the
 * answer `full`: a client is refused when the server, not its worker, is full. Places of a worker
 * that exits are free again at once; a stuck worker keeps its own unused ones.
 */
export class Admission {
  /** Places each worker holds: its clients plus what it keeps unused (headroom). */
  private readonly granted: number[] = [];
  private readonly short: Short[] = [];
  /** Reclaims sent and not yet answered, and whether the round's deadline passed. */
  private outstanding = new Set<number>();
  private reclaiming = false;
  private round = 0;

  constructor(
    private max: number,
    private readonly deps: AdmissionDeps,
  ) {}

  /** CONFIG SET maxclients: from now on (clients past a lowered limit stay, as in Redis). */
  setMax(max: number): void {
    this.max = max;
    this.serveShort();
  }

  free(): number {
    let held = 0;
    for (const g of this.granted) held += g ?? 0;
    // Below 0 after CONFIG SET lowered maxclients under what is held.
    return Math.max(0, this.max - held);
  }

  /** Worker `index` asks for `want` more places. */
  ask(index: number, want: number): void {
    const give = Math.max(0, Math.min(want, this.free()));
    this.granted[index] = (this.granted[index] ?? 0) + give;
    if (give === want) return this.deps.send(index, { t: 'grant', count: give, full: false, scarce: this.free() === 0 });
    this.short.push({ index, need: want - give, given: give, since: this.round });
    this.reclaim();
  }

  /** Worker `index` gave `count` places back (asked to, or holding too many unused). */
  returned(index: number, count: number): void {
    this.granted[index] = Math.max(0, (this.granted[index] ?? 0) - count);
    this.outstanding.delete(index);
    this.serveShort();
    if (this.reclaiming && this.outstanding.size === 0) this.endReclaim();
  }

  /** Worker `index` exited: its places are free; what it asked for is moot. */
  forget(index: number): void {
    this.granted[index] = 0;
    this.outstanding.delete(index);
    for (let i = this.short.length - 1; i >= 0; i--) if (this.short[i].index === index) this.short.splice(i, 1);
    this.serveShort();
    if (this.reclaiming && this.outstanding.size === 0) this.endReclaim();
  }

  /** What worker `index` holds (for tests and figures). */
  held(index: number): number {
    return this.granted[index] ?? 0;
  }

  /**
   * Asks every worker holding places to give back its unused ones. An ask that comes while a
   * round runs waits for the next one: a worker that answered before may have had a client
   * leave since.
   */
  private reclaim(): void {
    if (this.reclaiming) return;
    const round = ++this.round;
    const holders = this.deps.running().filter((i) => (this.granted[i] ?? 0) > 0);
    if (holders.length === 0) return this.refuseShort(round);
    this.reclaiming = true;
    this.outstanding = new Set(holders);
    for (const index of holders) this.deps.send(index, { t: 'reclaim' });
    this.deps.setTimer(() => {
      if (this.reclaiming && round === this.round) this.endReclaim();
    }, RECLAIM_MS);
  }

  private serveShort(): void {
    while (this.short.length > 0) {
      const ask = this.short[0];
      const give = Math.min(ask.need, this.free());
      this.granted[ask.index] = (this.granted[ask.index] ?? 0) + give;
      ask.need -= give;
      ask.given += give;
      if (ask.need > 0) return;
      this.short.shift();
      this.deps.send(ask.index, { t: 'grant', count: ask.given, full: false, scarce: this.free() === 0 });
    }
  }

  /** Every worker asked has answered (or had its time). */
  private endReclaim(): void {
    this.reclaiming = false;
    this.outstanding.clear();
    this.refuseShort(this.round);
  }

  /**
   * Round `round` is over: what the free places cannot cover of the asks that came before it
   * started is refused (the server is full); asks that came during it get a round of their own.
   */
  private refuseShort(round: number): void {
    this.serveShort();
    const refused = this.short.filter((s) => s.since < round);
    if (refused.length > 0) log('debug', 'maxclients reached', { maxclients: this.max, granted: this.granted, short: refused.map((s) => ({ worker: s.index, need: s.need })) });
    for (const ask of refused) this.deps.send(ask.index, { t: 'grant', count: ask.given, full: true, scarce: true });
    this.short.splice(0, this.short.length, ...this.short.filter((s) => s.since >= round));
    if (this.short.length > 0) this.reclaim();
  }
}
