import type { CommandSpec } from '@kv/node';

/**
 * One client's CLIENT TRACKING state (Redis's CLIENT_TRACKING* flags), kept on its Session while
 * tracking is on (null otherwise, so a command of a client that does not track costs one test).
 */
export class ClientTracking {
  /** CLIENT CACHING YES (OPTIN) or NO (OPTOUT) was the last command but CLIENT ones: it applies to the next. */
  caching = false;
  /** An invalidation found the redirect's client gone (TRACKINGINFO's `broken_redirect`). */
  brokenRedirect = false;

  constructor(
    readonly id: number,
    /** The client that gets this one's invalidations; 0: itself. */
    readonly redirect: number,
    readonly bcast: boolean,
    readonly optin: boolean,
    readonly optout: boolean,
    readonly noloop: boolean,
    readonly prefixes: readonly string[],
  ) {}

  /**
   * The id sent with a command (frame.ts CLIENT_ID_FLAG): itself when the owner must remember its
   * reads (Redis's trackingRememberKeys rules), its negation when the owner must only name it as
   * the writer (NOLOOP; BCAST, or OPTIN/OPTOUT without/with CLIENT CACHING).
   */
  reader(spec: CommandSpec): number {
    // EXEC and scripts too: their read-only commands' keys are remembered wherever they run (EXECHERE, EVALHERE included).
    if (!(spec.readOnly || spec.runsQueue === true || spec.plan === 'script') || this.bcast || (this.optin && !this.caching) || (this.optout && this.caching)) return -this.id;
    return this.id;
  }

  /** TRACKINGINFO's flags, in Redis's order. */
  flags(): string[] {
    const flags = ['on'];
    if (this.bcast) flags.push('bcast');
    if (this.optin) flags.push('optin');
    if (this.optin && this.caching) flags.push('caching-yes');
    if (this.optout) flags.push('optout');
    if (this.optout && this.caching) flags.push('caching-no');
    if (this.noloop) flags.push('noloop');
    if (this.brokenRedirect) flags.push('broken_redirect');
    return flags;
  }
}

/** The worker a client id belongs to: worker i's k-th client gets k * 16 + i + 1 (worker/router.ts). */
export function workerOfClient(id: number): number {
  return (id - 1) % 16;
}
