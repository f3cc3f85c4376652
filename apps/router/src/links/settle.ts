import type { Items, ReplyKind } from '@kv/wire';
import type { PeerEvents, Pending } from './types';

/** settleSafely for a reply that came as bytes in the client's protocol. */
export function settleEncodedSafely(slot: Pending, buf: Buffer, start: number, end: number, events: PeerEvents, peer: number): void {
  try {
    slot.settleEncoded!(buf, start, end);
  } catch (err) {
    events.onSettleFault?.(peer, err as Error);
    failQuietly(slot, err as Error);
  }
}

/** Settles one reply; an error thrown by what it calls (a transaction's next step ...) fails that client only. */
export function settleSafely(slot: Pending, kind: ReplyKind, payload: string, events: PeerEvents, peer: number, items?: Items): void {
  try {
    slot.settle(kind, payload, items);
  } catch (err) {
    events.onSettleFault?.(peer, err as Error);
    failQuietly(slot, err as Error);
  }
}

/** Fails the slot's client; closing a client cannot be allowed to take the link down either. */
function failQuietly(slot: Pending, err: Error): void {
  try {
    slot.client.failed(err);
  } catch {}
}
