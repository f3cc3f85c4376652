import type { Exec } from '../coord/exec';
import { ClientInfo } from './client-info';
import type { ClientHost } from './host';

/**
 * What a connection's commands see of it besides its data path (conn.ts): its id and name, auth,
 * the EXEC or script whose hold its commands pass now, and what it asks of its worker (owners,
 * scripts, limits) for connection commands, MULTI and scripts.
 */
export abstract class ConnState {
  name = '';
  /** What CLIENT INFO and CLIENT LIST show beyond the name. */
  readonly info = new ClientInfo();
  /** No password is set, or this client gave it. */
  protected authenticated: boolean;
  /** The hold of the EXEC running this client's commands now (Later.txid), or null. */
  txid: string | null = null;
  /** The EXEC whose commands are running, told as their replies come in. */
  running: Exec | null = null;

  constructor(
    readonly router: ClientHost,
    readonly id: number,
  ) {
    this.authenticated = !router.passwordRequired;
  }

  get owners(): ClientHost['owners'] {
    return this.router.owners;
  }

  get passwordRequired(): boolean {
    return this.router.passwordRequired;
  }

  get isAuthenticated(): boolean {
    return this.authenticated;
  }

  /** AUTH: true when the password is right (this connection may then run anything). */
  authenticate(password: string): boolean {
    if (!this.router.passwordMatches(password)) return false;
    this.authenticated = true;
    return true;
  }

  configParams(): [string, string][] {
    return this.router.configParams();
  }

  get workers(): number {
    return this.router.workers;
  }

  get scripts(): ClientHost['scripts'] {
    return this.router.scripts;
  }

  /** A new script body this client's EVAL brings in goes to every other worker before its reply. */
  get sharesScripts(): boolean {
    return true;
  }

  get queueLimit(): number {
    return this.router.limits.clientQueryBufferLimit;
  }

  localVersion(key: string): number {
    return this.router.owners.localVersion(key);
  }
}
