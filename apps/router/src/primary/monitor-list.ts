import type { Broadcasts } from './broadcasts';
import type { PrimaryMessage } from './messages';

/**
 * Which workers have MONITOR clients, kept by the primary: every worker is told the list (a
 * `monitors` broadcast, each answering `applied`), so each feeds its commands to those only, and
 * none formats a line while the list is empty. A worker that exits leaves it; one forked or
 * restarted gets it when ready.
 */
export class MonitorList {
  private readonly workers = new Set<number>();

  constructor(private readonly broadcasts: Broadcasts) {}

  /** Worker `index` has monitors (`on`) or no longer: `done` once every worker knows. */
  set(index: number, on: boolean, done: () => void): void {
    if (on) this.workers.add(index);
    else this.workers.delete(index);
    this.broadcasts.send(this.message, () => done());
  }

  exited(index: number): void {
    if (this.workers.delete(index)) this.broadcasts.send(this.message, () => {});
  }

  /** What a worker that just became ready is told (none while nobody monitors). */
  greeting(): PrimaryMessage | null {
    return this.workers.size === 0 ? null : this.message(0);
  }

  private readonly message = (id: number): PrimaryMessage => ({ t: 'monitors', id, workers: [...this.workers] });
}
