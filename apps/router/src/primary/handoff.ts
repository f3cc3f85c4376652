import type * as net from 'node:net';
import type { PrimaryMessage } from './messages';
import type { Slot } from './slots';

/**
 * The client hand-off: the primary accepts each client and sends the socket to a worker, keeping
 * its own copy until the worker says it has taken it ('adopted'). If the worker dies first, the
 * primary closes its copy and the client sees a closed connection rather than a hang (cluster's
 * round-robin and keepOpen: false both leave such a socket open in the primary for good). The
 * primary never reads a client's bytes.
 */
export class ClientHandoff {
  /** Where the search for a worker starts: the one after the last chosen. */
  private next = 0;
  private nextId = 0;

  constructor(private readonly slots: readonly Slot[]) {}

  /**
   * The least loaded ready worker, the first in turn on a tie, or -1 if none is ready: after a
   * resize adds workers, new clients go to them until the load evens out (clients already
   * connected stay where they are).
   */
  pick(): number {
    const { slots } = this;
    let chosen = -1;
    for (let tried = 0; tried < slots.length; tried++) {
      const index = (this.next + tried) % slots.length;
      const slot = slots[index];
      if (slot.worker === null || !slot.ready || slot.retiring || !slot.worker.isConnected()) continue;
      if (chosen < 0 || slot.clients < slots[chosen].clients) chosen = index;
    }
    return chosen;
  }

  /** Sends a new client's socket (paused, unread) to a worker; closes it if no worker can take it. */
  handOff(socket: net.Socket, tls = false): void {
    // First, before anything can fail on it: an unhandled socket error would kill the primary.
    socket.on('error', () => socket.destroy());
    const chosen = this.pick();
    if (chosen < 0) return void socket.destroy();
    this.next = (chosen + 1) % this.slots.length;
    const slot = this.slots[chosen];
    slot.clients++;
    const id = this.nextId++;
    slot.handingOver.set(id, socket);
    slot.worker!.send({ t: 'client', id, tls } satisfies PrimaryMessage, socket, { keepOpen: true }, (err) => {
      if (err) {
        slot.handingOver.delete(id);
        socket.destroy();
      }
    });
  }

  /** The worker has taken client `id`: close the primary's copy. */
  adopted(slot: Slot, id: number): void {
    const socket = slot.handingOver.get(id);
    slot.handingOver.delete(id);
    socket?.destroy();
  }

  /** The worker's count of its clients, plus those handed to it that it has not taken yet. */
  pong(slot: Slot, clients: number): void {
    slot.clients = clients + slot.handingOver.size;
  }

  /** The worker exited: the clients on their way to it are closed. */
  dropPending(slot: Slot): void {
    for (const socket of slot.handingOver.values()) socket.destroy();
    slot.handingOver.clear();
  }
}
