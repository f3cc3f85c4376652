import { ENTRY_OVERHEAD } from '@kv/lru';
import { mergeInfo } from '@kv/node';
import { ReplyKind, type Items, type OutBuffer, type ReplyEncoder } from '@kv/wire';
import { Combined } from '../coord/combine';

/**
 * MEMORY STATS and MEMORY DOCTOR over every worker: each worker's INFO memory and keyspace
 * (merged as INFO merges them), read as Redis 7.0's getMemoryOverheadData reads its figures. Here
 * `total.allocated` is what eviction compares with maxmemory (INFO's used_memory: the entries'
 * charged bytes), its overhead each entry's share of the store's arrays and index
 * (ENTRY_OVERHEAD), and the "allocator" the store's arena and arrays, with the processes' RSS.
 * What no entry is charged (the V8 heap, client buffers, Lua) is outside total.allocated, as it is
 * outside maxmemory: lua.caches shows the scripts' bytes beside it.
 */

/** Redis's threshold under which MEMORY DOCTOR has nothing to say. */
const DOCTOR_MIN_BYTES = 5 * 1024 * 1024;
const MB10 = 10 * 1024 * 1024;

export type MemoryField = readonly [name: string, value: number | readonly [string, number][], kind: 'integer' | 'double' | 'map'];

/** MEMORY STATS' fields, in Redis 7.0's order, from INFO's merged text. */
export function memoryStats(info: ReadonlyMap<string, string>): MemoryField[] {
  const n = (field: string) => Number(info.get(field) ?? 0);
  const total = n('used_memory');
  const peak = Math.max(n('used_memory_peak'), total);
  const keys = [...info.entries()].filter(([k]) => /^db\d+$/.test(k)).reduce((sum, [, v]) => sum + Number(/keys=(\d+)/.exec(v)?.[1] ?? 0), 0);
  const overhead = Math.min(total, keys * ENTRY_OVERHEAD);
  const active = n('kv_store_arena') + n('kv_store_arrays');
  const rss = n('used_memory_rss');
  const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);
  const fields: MemoryField[] = [
    ['peak.allocated', peak, 'integer'],
    ['total.allocated', total, 'integer'],
    ['startup.allocated', 0, 'integer'],
    ['replication.backlog', 0, 'integer'],
    ['clients.slaves', 0, 'integer'],
    ['clients.normal', 0, 'integer'],
    ['cluster.links', 0, 'integer'],
    ['aof.buffer', 0, 'integer'],
    ['lua.caches', n('used_memory_scripts_eval'), 'integer'],
    ['functions.caches', 0, 'integer'],
  ];
  if (keys > 0) fields.push(['db.0', [['overhead.hashtable.main', overhead], ['overhead.hashtable.expires', 0], ['overhead.hashtable.slot-to-keys', 0]], 'map']);
  fields.push(
    ['overhead.total', overhead, 'integer'],
    ['keys.count', keys, 'integer'],
    ['keys.bytes-per-key', keys > 0 ? Math.floor(total / keys) : 0, 'integer'],
    ['dataset.bytes', total - overhead, 'integer'],
    // Redis divides by at least 1 byte.
    ['dataset.percentage', ((total - overhead) * 100) / Math.max(1, total), 'double'],
    ['peak.percentage', peak > 0 ? (total * 100) / peak : 0, 'double'],
    ['allocator.allocated', total, 'integer'],
    ['allocator.active', active, 'integer'],
    ['allocator.resident', rss, 'integer'],
    ['allocator-fragmentation.ratio', ratio(active, total), 'double'],
    ['allocator-fragmentation.bytes', active - total, 'integer'],
    ['allocator.rss-ratio', ratio(rss, active), 'double'],
    ['allocator.rss-bytes', rss - active, 'integer'],
    ['rss-overhead.ratio', 1, 'double'],
    ['rss-overhead.bytes', 0, 'integer'],
    ['fragmentation', ratio(rss, total), 'double'],
    ['fragmentation.bytes', rss - total, 'integer'],
  );
  return fields;
}

const EMPTY =
  "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
const NO_ISSUE = "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n";

/** MEMORY DOCTOR's report, framed as Redis 7.0's; the findings are this server's, in its own words. */
export function memoryDoctor(info: ReadonlyMap<string, string>): string {
  const fields = new Map(memoryStats(info).map(([name, value]) => [name, value]));
  const total = fields.get('total.allocated') as number;
  if (total < DOCTOR_MIN_BYTES) return EMPTY;
  const found: string[] = [];
  if ((fields.get('peak.allocated') as number) / total > 1.5) {
    found.push(
      ' * Peak memory: In the past this instance used more than 150% the memory that is currently using. The store keeps the arena chunks it grew into for the keys to come, so the RSS stays near what the peak needed until the workers are restarted.',
    );
  }
  if ((fields.get('allocator-fragmentation.ratio') as number) > 1.1 && (fields.get('allocator-fragmentation.bytes') as number) > MB10) {
    found.push(
      " * High store fragmentation: The store's arena and arrays hold more than 110% of what the entries are charged. This is usually free space left by a peak or by values whose sizes changed a lot; freed blocks serve new entries of any size.",
    );
  }
  if (Number(info.get('number_of_cached_scripts') ?? 0) > 1000) {
    found.push(
      " * Many scripts: There seem to be many cached scripts in this instance (more than 1000). This may be because scripts are generated and `EVAL`ed, instead of being parameterized (with KEYS and ARGV), `SCRIPT LOAD`ed and `EVALSHA`ed. Unless `SCRIPT FLUSH` is called periodically, the scripts' caches may end up consuming most of your memory.",
    );
  }
  if (found.length === 0) return NO_ISSUE;
  return `Sam, I detected a few issues in this Redis instance memory implants:\n\n${found.map((f) => `${f}\n\n`).join('')}I'm here to keep you safe, Sam. I want to help you.\n`;
}

/** INFO's `field:value` lines as a map. */
function fieldsOf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) out.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return out;
}

/** Every worker's INFO memory and keyspace, merged, made MEMORY STATS' map or MEMORY DOCTOR's text. */
export class MemoryReport extends Combined {
  private readonly texts: string[] = [];

  constructor(
    parts: number,
    private readonly report: 'stats' | 'doctor',
  ) {
    super('info', parts);
  }

  override add(index: number, kind: ReplyKind, payload: string, items?: Items): void {
    super.add(index, kind, payload, items);
    if (kind !== ReplyKind.ERROR) this.texts[index] = payload;
  }

  override encode(out: OutBuffer, replies: ReplyEncoder): void {
    if (this.error !== '') return replies.error(out, this.error);
    const info = fieldsOf(mergeInfo(this.texts));
    if (this.report === 'doctor') return replies.verbatim(out, memoryDoctor(info));
    const fields = memoryStats(info);
    replies.mapHeader(out, fields.length);
    for (const [name, value, kind] of fields) {
      replies.bulk(out, name);
      if (kind === 'integer') replies.integer(out, value as number);
      else if (kind === 'double') replies.double(out, value as number);
      else {
        const pairs = value as readonly [string, number][];
        replies.mapHeader(out, pairs.length);
        for (const [k, v] of pairs) {
          replies.bulk(out, k);
          replies.integer(out, v);
        }
      }
    }
  }
}
