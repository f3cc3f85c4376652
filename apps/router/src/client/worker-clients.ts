import type { ClientFilter, WorkerClients } from '@kv/node';
import { address, listClients, ofType } from '../commands/client';
import type { Conn } from './conn';

/** A worker's clients as its shards reach them: CLIENT LIST's lines, KILL and UNBLOCK's steps (@kv/node's commands/clients.ts). */
export class RouterClients implements WorkerClients {
  /** The router's clients (it is made after the shards that hold this). */
  constructor(private readonly conns: () => Iterable<Conn>) {}

  list(ids: readonly number[] | null, type: string): string {
    return listClients(this.conns(), ids, type);
  }

  /** Closes every client `filter` matches, as Redis's freeClient: at once, replies unsent; the asker itself once its reply is out. */
  kill(filter: ClientFilter): number {
    let killed = 0;
    for (const conn of [...this.conns()]) {
      if (!matches(conn, filter)) continue;
      killed++;
      if (conn.id === filter.asker) conn.session.quit();
      else conn.socket.destroy();
    }
    return killed;
  }

  unblock(id: number, error: boolean): number {
    for (const conn of this.conns()) if (conn.id === id) return conn.unblock(error) ? 1 : 0;
    return 0;
  }
}

/** Redis 7.0's clientKillCommand filters, in its order. */
function matches(conn: Conn, f: ClientFilter): boolean {
  const s = conn.socket;
  if (f.addr !== '' && address(s.remoteAddress, s.remotePort) !== f.addr) return false;
  if (f.laddr !== '' && address(s.localAddress, s.localPort) !== f.laddr) return false;
  if (f.type !== '' && !ofType(conn.session, f.type)) return false;
  if (f.id !== 0 && conn.id !== f.id) return false;
  return !(f.skip !== 0 && conn.id === f.skip);
}
