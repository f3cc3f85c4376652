import type * as net from 'node:net';
import type { Demux } from '@kv/wire';
import type { Dispatcher } from './dispatch';
import type { Flow } from './flow';
import type { ClientHost } from './host';
import type { ClientPlans } from './plans';
import type { ReplyOrder } from './reply-order';
import type { CommandTimer } from './timer';

/**
 * A client's input side: each read is split into commands (Demux) and handed to the dispatcher
 * one at a time, until it is used up or must wait (Flow): for a transaction of this client's (it
 * reads its own writes), or for its replies to drain (past its output room or too many owed).
 * What waits is stashed, unparsed, and read again in order when it may go on.
 */
export class Input {
  constructor(
    private readonly socket: net.Socket,
    private readonly host: ClientHost,
    private readonly demux: Demux,
    private readonly commands: Dispatcher,
    private readonly flow: Flow,
    private readonly order: ReplyOrder,
    private readonly plans: ClientPlans,
    private readonly timer: CommandTimer,
  ) {}

  onData(chunk: Buffer): void {
    const flow = this.flow;
    if (!flow.accepts(chunk)) return;
    const order = this.order;
    const out = this.host.out;
    // What the socket holds unsent, read once: a getter through the stream's state is not free per command.
    const room = this.host.limits.clientOutputLimit - this.socket.writableLength;
    const len = chunk.length;
    let pos = 0;
    order.reading = true;
    while (pos < len && !flow.closing) {
      pos = this.demux.feed(chunk, pos, this.commands);
      if (this.plans.blocked) {
        // Later commands wait for the transaction, so this client reads its own writes.
        flow.stash(chunk, pos, false);
        break;
      }
      if (pos >= len) break;
      // Past the output limit within this read, or too many owed replies still to come: the rest
      // waits, unparsed, until replies drain. A client that does not read is then closed.
      if (out.length + order.heldBytes > room || flow.tooManyInFlight()) {
        flow.stash(chunk, pos, true);
        break;
      }
    }
    order.reading = false;
    this.timer.end();
    if (out.length > 0) flow.writeOut(out);
    else flow.checkOutput();
    flow.afterRead();
  }
}
