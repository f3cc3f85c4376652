import { argsOf, ReplyKind, shardOfString, type Items, type OutBuffer } from '@kv/wire';
import { commandNamed } from '@kv/node';
import { Plan, type PlanClient } from './plan';

const SET = commandNamed('SET');
const EXISTS = commandNamed('EXISTS');

/**
 * MSET or MSETNX inside a MULTI/EXEC or a script, whose hold already covers every worker of its
 * keys: no transaction of its own (it would wait for that very hold), just a SET per pair on its
 * owner, after an EXISTS per key for MSETNX. Nothing else runs on those workers meanwhile.
 */
export class HeldWrite extends Plan {
  private remaining = 0;
  private existing = 0;
  private error = '';
  private writing = false;

  constructor(
    client: PlanClient,
    private readonly mode: 'MSET' | 'MSETNX',
    private readonly keys: readonly string[],
    private readonly values: readonly string[],
  ) {
    super(client);
  }

  start(): void {
    if (this.mode === 'MSETNX') this.each(EXISTS, (i) => ['EXISTS', this.keys[i]]);
    else this.write();
  }

  private write(): void {
    this.writing = true;
    this.each(SET, (i) => ['SET', this.keys[i], this.values[i]]);
  }

  private each(spec: typeof SET, argv: (i: number) => string[]): void {
    const map = this.client.owners.map;
    this.remaining = this.keys.length;
    for (let i = 0; i < this.keys.length; i++) {
      const shard = shardOfString(this.keys[i]);
      this.step(map[shard], shard, spec, argsOf(argv(i)), i);
    }
  }

  part(_index: number, kind: ReplyKind, payload: string, _items?: Items): void {
    if (kind === ReplyKind.ERROR && this.error === '') this.error = payload;
    else if (!this.writing) this.existing += Number(payload);
    if (--this.remaining > 0) return;
    if (this.writing || this.error !== '' || this.existing > 0) return this.complete();
    this.write();
  }

  encode(out: OutBuffer): void {
    if (this.error !== '') return this.replies.error(out, this.error);
    if (this.mode === 'MSET') return this.replies.ok(out);
    this.replies.integer(out, this.existing > 0 ? 0 : 1);
  }
}
