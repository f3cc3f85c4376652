import { NOTIFY, type KeyspaceEvents } from '@kv/node';
import type { Args, PushEncoder } from '@kv/wire';
import { PushKind } from '../links/push-kinds';
import type { PubSubHub } from './hub';

/** What the notifier needs of its worker: its Pub/Sub, and push frames to each other worker. */
export interface NotifierHost {
  readonly hub: PubSubHub;
  readonly self: number;
  readonly workers: number;
  /** Where to add a push message for `peer`; null when its link is down (the message is dropped). */
  pushTo(peer: number): PushEncoder | null;
}

const KEYSPACE_PREFIX = Buffer.from('__keyspace@0__:', 'latin1');
const KEYEVENT_PREFIX = Buffer.from('__keyevent@0__:', 'latin1');

/**
 * Keyspace notifications, as Redis's notifyKeyspaceEvent: the worker that owns a key fires its
 * events (commands/key-events.ts in @kv/node, and the store's own new/expired/evicted); each is
 * published as `__keyspace@0__:<key>` -> event (class K) and `__keyevent@0__:<event>` -> key
 * (class E) to this worker's subscribers at once and to every other worker's in a push frame
 * (PushKind.MESSAGE), delivered there by `received`. From one worker to another they keep the
 * order they were fired in (one link, frames in order).
 */
export class KeyspaceNotifier implements KeyspaceEvents {
  private scratch = Buffer.allocUnsafe(256);

  constructor(
    public flags: number,
    private readonly host: () => NotifierHost,
  ) {}

  fire(type: number, event: string, buf: Uint8Array, start: number, end: number): void {
    const flags = this.flags;
    if ((flags & type) === 0) return;
    const keyLength = end - start;
    const need = Math.max(KEYSPACE_PREFIX.length, KEYEVENT_PREFIX.length) + keyLength + event.length * 2;
    if (this.scratch.length < need) this.scratch = Buffer.allocUnsafe(Math.max(need, this.scratch.length * 2));
    const s = this.scratch;
    if (flags & NOTIFY.KEYSPACE) {
      // channel __keyspace@0__:<key>, message <event>
      KEYSPACE_PREFIX.copy(s, 0);
      s.set(buf.subarray(start, end), KEYSPACE_PREFIX.length);
      const channelEnd = KEYSPACE_PREFIX.length + keyLength;
      const messageEnd = channelEnd + s.latin1Write(event, channelEnd, event.length);
      this.publish(s, 0, channelEnd, channelEnd, messageEnd);
    }
    if (flags & NOTIFY.KEYEVENT) {
      // channel __keyevent@0__:<event>, message <key>
      KEYEVENT_PREFIX.copy(s, 0);
      const channelEnd = KEYEVENT_PREFIX.length + s.latin1Write(event, KEYEVENT_PREFIX.length, event.length);
      s.set(buf.subarray(start, end), channelEnd);
      this.publish(s, 0, channelEnd, channelEnd, channelEnd + keyLength);
    }
  }

  /** A peer's event (a push of kind MESSAGE: [channel, message]): to this worker's subscribers. */
  received(args: Args): void {
    this.host().hub.deliver(args.buf, args.starts[0], args.ends[0], args.starts[1], args.ends[1], false);
  }

  /** PUBLISH from a script (PlanEnv.publish): as an event is published; the receivers on this worker. */
  publishFromScript(args: Args): number {
    return this.publish(args.buf, args.starts[1], args.ends[1], args.starts[2], args.ends[2]);
  }

  private publish(buf: Buffer, channel: number, channelEnd: number, message: number, messageEnd: number): number {
    const host = this.host();
    const here = host.hub.deliver(buf, channel, channelEnd, message, messageEnd, false);
    for (let peer = 0; peer < host.workers; peer++) {
      if (peer === host.self) continue;
      const out = host.pushTo(peer);
      if (out === null) continue;
      out.begin(PushKind.MESSAGE, 2);
      out.part(buf, channel, channelEnd);
      out.part(buf, message, messageEnd);
    }
    return here;
  }
}
