import { argsOf, ReplyKind, shardOfString, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { Plan, type PlanClient } from './plan';

const KEYVERSION = commandNamed('KEYVERSION');

/**
 * WATCH key...: asks each key's owner for its version now (KEYVERSION), to be compared under
 * EXEC's holds. The client waits for it, so a MULTI/EXEC sent right after sees every version.
 */
export class Watch extends Plan {
  override readonly blocks = true;
  private remaining: number;
  private error = '';
  private readonly versions: number[];

  constructor(
    client: PlanClient,
    private readonly keys: readonly string[],
    private readonly into: Map<string, number>,
  ) {
    super(client);
    this.remaining = keys.length;
    this.versions = new Array<number>(keys.length);
  }

  start(): void {
    const map = this.client.owners.map;
    for (let i = 0; i < this.keys.length; i++) {
      const shard = shardOfString(this.keys[i]);
      this.step(map[shard], shard, KEYVERSION, argsOf(['KEYVERSION', this.keys[i]]), i);
    }
  }

  part(index: number, kind: ReplyKind, payload: string, _items?: Items): void {
    if (kind === ReplyKind.ERROR) {
      if (this.error === '') this.error = payload;
    } else this.versions[index] = Number(payload);
    if (--this.remaining > 0) return;
    // The first version seen of a key watched twice is the one EXEC compares, as in Redis.
    if (this.error === '') this.keys.forEach((key, i) => this.into.has(key) || this.into.set(key, this.versions[i]));
    this.complete();
  }

  encode(out: OutBuffer): void {
    if (this.error !== '') return this.replies.error(out, this.error);
    this.replies.ok(out);
  }
}
