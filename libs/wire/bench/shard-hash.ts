/**
 * Micro-benchmark of the shard hash on the routing hot path (not a test: run it by hand).
 *   npx tsx libs/wire/bench/shard-hash.ts [rounds]
 * Prints ops/s of shardOf and shardOfString (Redis Cluster's CRC16 slot, with hash tags: the
 * current code) and of the seed's plain FNV-1a without tags (copied below), over the same keys:
 * bench-style `key:123456`, 40-byte keys, and tagged keys. Best of `rounds` (default 5) per row.
 */
import { shardOf, shardOfString } from '../src/keyslot';

/** The seed's shard: FNV-1a over the whole key. */
function plainShardOf(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) & 15;
}

function plainShardOfString(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i) & 0xff;
    h = Math.imul(h, 0x01000193);
  }
  return h & 15;
}

const KEYS = 4096;
const sets: [string, string[]][] = [
  ['key:N (10 B)', Array.from({ length: KEYS }, (_, i) => `key:${100000 + i}`)],
  ['40-byte keys', Array.from({ length: KEYS }, (_, i) => `session:${String(i).padStart(8, '0')}:user-profile-cache-x`)],
  ['{user:N}.field', Array.from({ length: KEYS }, (_, i) => `{user:${i}}.field`)],
];

/** All keys of a set laid out in one buffer, as a read buffer holds them. */
function packed(keys: string[]): { buf: Buffer; starts: Int32Array; ends: Int32Array } {
  const buf = Buffer.from(keys.join(''), 'latin1');
  const starts = new Int32Array(keys.length);
  const ends = new Int32Array(keys.length);
  let at = 0;
  keys.forEach((k, i) => {
    starts[i] = at;
    at += k.length;
    ends[i] = at;
  });
  return { buf, starts, ends };
}

type Packed = ReturnType<typeof packed>;

// One loop per function, so that no call site sees two of them (a shared one would be measured polymorphic).
function loopShardOf(p: Packed): number {
  let acc = 0;
  for (let r = 0; r < REPEAT; r++) for (let i = 0; i < KEYS; i++) acc += shardOf(p.buf, p.starts[i], p.ends[i]);
  return acc;
}
function loopPlainShardOf(p: Packed): number {
  let acc = 0;
  for (let r = 0; r < REPEAT; r++) for (let i = 0; i < KEYS; i++) acc += plainShardOf(p.buf, p.starts[i], p.ends[i]);
  return acc;
}
function loopShardOfString(keys: string[]): number {
  let acc = 0;
  for (let r = 0; r < REPEAT; r++) for (let i = 0; i < KEYS; i++) acc += shardOfString(keys[i]);
  return acc;
}
function loopPlainShardOfString(keys: string[]): number {
  let acc = 0;
  for (let r = 0; r < REPEAT; r++) for (let i = 0; i < KEYS; i++) acc += plainShardOfString(keys[i]);
  return acc;
}

const REPEAT = 500;
let sink = 0;

/** Hashes/s of each run, best of `rounds`; the runs take turns, so none gains from going first or last. */
function best<T>(rounds: number, runs: ((input: T) => number)[], input: T): number[] {
  const top = runs.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    runs.forEach((run, k) => {
      const t0 = process.hrtime.bigint();
      sink += run(input);
      const ns = Number(process.hrtime.bigint() - t0);
      top[k] = Math.max(top[k], ((KEYS * REPEAT) / ns) * 1e9);
    });
  }
  return top;
}

const rounds = Number(process.argv[2] ?? 5);
const fmt = (n: number) => `${(n / 1e6).toFixed(1)}M`.padStart(9);
console.log(`${'keys'.padEnd(16)} ${'shardOf'.padStart(9)} ${'untagged'.padStart(9)} ${'ofString'.padStart(9)} ${'untagged'.padStart(9)}   (hashes/s, best of ${rounds}; untagged: FNV-1a of the whole key, as before tags)`);
for (const [name, keys] of sets) {
  const p = packed(keys);
  const row = [...best(rounds, [loopShardOf, loopPlainShardOf], p), ...best(rounds, [loopShardOfString, loopPlainShardOfString], keys)];
  console.log(`${name.padEnd(16)} ${row.map(fmt).join(' ')}`);
}
if (sink === -1) console.log('');
