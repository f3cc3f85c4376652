import type { PrimaryMessage } from './messages';

/**
 * The longest the primary waits for the workers it asked to give back unused places before it
 * calls the server full. Only live workers are asked (balance.ts: reported within LIVE_MS), so
 * this bounds the wait on one that got stuck since; a busy one answers well within it.
 */
export const RECLAIM_MS = 2000;

export interface AdmissionDeps {
  /** Worker indexes running now. */
  running(): number[];
  /** Worker `index` has reported lately: a stuck one is not asked to give places back (it cannot). */
  live(index: number): boolean;
  send(index: number, message: PrimaryMessage): void;
  setTimer(fn: () => void, ms: number): void;
}

/** A worker's ask the free places could not cover yet. */
interface Short {
  index: number;
  need: number;
  given: number;
}

/**
 * maxclients over the whole server (ARCHITECTURE.md, "Accepting clients"). Every client holds one
 * of maxclients places; the primary hands them to the workers (`grant`), which admit clients up to
 * what they were granted without asking anyone, and ask for more (`admit`) when a client would go
 * past it. When no place is free, the primary first asks the other workers to give back the places
 * they hold unused (`reclaim`, answered by `returned`); only when that leaves the ask short is the
 * answer `full`: a client is refused when the server, not its worker, is full. Places of a worker
 * that exits are free again at once; a stuck worker (not live) keeps its own unused ones.
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
    private readonly max: number,
    private readonly deps: AdmissionDeps,
  ) {}

  free(): number {
    let held = 0;
    for (const g of this.granted) held += g ?? 0;
    return this.max - held;
  }

  /** Worker `index` asks for `want` more places. */
  ask(index: number, want: number): void {
    const give = Math.max(0, Math.min(want, this.free()));
    this.granted[index] = (this.granted[index] ?? 0) + give;
    if (give === want) return this.deps.send(index, { t: 'grant', count: give, full: false });
    this.short.push({ index, need: want - give, given: give });
    this.reclaim(index);
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

  private reclaim(asker: number): void {
    if (this.reclaiming) return;
    const others = this.deps.running().filter((i) => i !== asker && (this.granted[i] ?? 0) > 0 && this.deps.live(i));
    if (others.length === 0) return this.refuseShort();
    this.reclaiming = true;
    const round = ++this.round;
    this.outstanding = new Set(others);
    for (const index of others) this.deps.send(index, { t: 'reclaim' });
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
      this.deps.send(ask.index, { t: 'grant', count: ask.given, full: false });
    }
  }

  /** Every worker asked has answered (or had its time). */
  private endReclaim(): void {
    this.reclaiming = false;
    this.outstanding.clear();
    this.refuseShort();
  }

  /** What the free places cannot cover now is refused: the server is full. */
  private refuseShort(): void {
    this.serveShort();
    for (const ask of this.short.splice(0)) this.deps.send(ask.index, { t: 'grant', count: ask.given, full: true });
  }
}
