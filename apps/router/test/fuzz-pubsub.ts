import * as net from 'node:net';
import type { Node } from '../../../test/compat/resp-raw';
import { RespStream } from './resp-stream';
import { RespClient, sleep } from './harness';

/**
 * Pub/Sub under the live fuzz test: subscribers that stay (RESP2 and RESP3, on whichever workers
 * they land) listen to a checked channel and to the fuzzers' channels (`fz:*`, which the fuzzers'
 * random PUBLISHes hit), while a publisher sends numbered messages to the checked channel, by
 * PUBLISH and from scripts in turn. Every subscriber must get every numbered message exactly once,
 * in order, and nothing but well-formed messages.
 */
export const CHECKED_CHANNEL = 'chk:pub';
const PUBLISH_SCRIPT = "return redis.call('PUBLISH', ARGV[1], ARGV[2])";

class Watcher extends RespStream {
  /** The numbered messages in the order they came. */
  readonly numbers: number[] = [];
  patternMessages = 0;

  constructor(
    socket: net.Socket,
    readonly proto: 2 | 3,
  ) {
    super(socket);
  }

  protected take(node: Node): void {
    const wanted = this.proto === 3 ? '>' : '*';
    const items = 'items' in node && node.items !== null ? node.items.map((n) => ('v' in n ? n.v : null)) : null;
    if (node.t !== wanted || items === null) {
      // HELLO's map, in RESP3, is the only reply that is not a message or a confirmation.
      if (node.t === '%') return;
      this.problem ??= `not a message: ${JSON.stringify(node).slice(0, 120)}`;
      return;
    }
    const kind = items[0];
    if (kind === 'subscribe' || kind === 'psubscribe') return;
    if (kind === 'message' && items[1] === CHECKED_CHANNEL) this.numbers.push(Number(items[2]));
    else if (kind === 'pmessage' && items[1] === 'fz:*') this.patternMessages++;
    else this.problem ??= `an unexpected message: ${JSON.stringify(items).slice(0, 120)}`;
  }
}

export class PubSubWatch {
  private constructor(readonly watchers: Watcher[]) {}

  /** `count` subscribers, RESP2 and RESP3 in turn, each on the checked channel and `fz:*`, confirmed. */
  static async start(port: number, count: number): Promise<PubSubWatch> {
    const watchers: Watcher[] = [];
    for (let i = 0; i < count; i++) {
      const socket = net.createConnection({ port, host: '127.0.0.1' });
      const w = new Watcher(socket, i % 2 === 0 ? 2 : 3);
      await new Promise((resolve) => socket.once('connect', resolve));
      if (w.proto === 3) socket.write(RespClient.encode('HELLO', '3'));
      socket.write(Buffer.concat([RespClient.encode('SUBSCRIBE', CHECKED_CHANNEL), RespClient.encode('PSUBSCRIBE', 'fz:*')]));
      watchers.push(w);
    }
    const watch = new PubSubWatch(watchers);
    // Every subscription is in place on every worker before the first message counts.
    const probe = await RespClient.connect(port);
    for (let tries = 0; (await probe.call('PUBSUB', 'NUMSUB', CHECKED_CHANNEL)) + '' !== `${CHECKED_CHANNEL},${count}`; tries++) {
      if (tries > 200) throw new Error('the subscribers did not all subscribe');
      await sleep(10);
    }
    probe.close();
    return watch;
  }

  /** Publishes numbered messages while `running()` (and at least 20), by PUBLISH and by EVAL in turn; each must reach every watcher. The count sent. */
  async publish(port: number, running: () => boolean): Promise<number> {
    const c = await RespClient.connect(port);
    let sent = 0;
    for (let round = 0; running() || round < 2; round++) {
      const batch = Array.from({ length: 10 }, (_, i) => String(sent + i));
      const commands = batch.map((n) => (round % 2 === 0 ? ['PUBLISH', CHECKED_CHANNEL, n] : ['EVAL', PUBLISH_SCRIPT, '0', CHECKED_CHANNEL, n]));
      const replies = await c.pipeline(commands);
      sent += batch.length;
      const wrong = replies.find((r) => r !== this.watchers.length);
      if (wrong !== undefined) throw new Error(`a PUBLISH reached ${JSON.stringify(wrong)} receivers, not ${this.watchers.length}`);
      await sleep(2);
    }
    c.close();
    return sent;
  }

  /** Each watcher's problem, once every one has all `sent` messages (or 5 s passed): none when all came once and in order. */
  async problems(sent: number): Promise<string[]> {
    for (let waited = 0; waited < 5000 && this.watchers.some((w) => w.numbers.length < sent && w.problem === null); waited += 20) await sleep(20);
    return this.watchers.flatMap((w, i) => {
      if (w.problem !== null) return [`subscriber ${i} (RESP${w.proto}): ${w.problem}`];
      const wrong = w.numbers.findIndex((n, at) => n !== at);
      if (wrong >= 0) return [`subscriber ${i} (RESP${w.proto}): message ${wrong} was ${w.numbers[wrong]} (lost, twice or out of order)`];
      if (w.numbers.length !== sent) return [`subscriber ${i} (RESP${w.proto}): ${w.numbers.length} of ${sent} messages`];
      return [];
    });
  }

  get patternMessages(): number {
    return this.watchers.reduce((n, w) => n + w.patternMessages, 0);
  }

  close(): void {
    for (const w of this.watchers) w.socket.destroy();
  }
}
