/**
 * Measures what a hash really costs in V8 (not a test: run it by hand), to check FIELD_OVERHEAD
 * and HASH_OVERHEAD in libs/lru/src/hash.ts:
 *   node --expose-gc -r tsx/cjs libs/lru/bench/hash-memory.ts
 * Builds many hashes of F fields each from strings cut out of a Buffer (as the server's
 * arguments are), and prints heap bytes per field and per hash besides the characters.
 */
import { FIELD_OVERHEAD, HASH_OVERHEAD, LruHash } from '../src/hash';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const source = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(64), 'latin1');
/** A fresh one-byte string of `length` characters, as Args.latin1 makes them. */
const cut = (at: number, length: number) => source.latin1Slice(at % 1000, (at % 1000) + length);

function measure(fields: number, fieldLength: number, valueLength: number, churn: boolean): { perField: number; perHash: number } {
  const total = Math.max(20_000, fields * 20);
  const hashes = Math.max(1, Math.floor(total / fields));
  const keep: LruHash[] = [];
  const before = heap();
  let chars = 0;
  for (let h = 0; h < hashes; h++) {
    const hash = new LruHash();
    for (let f = 0; f < fields; f++) {
      hash.set(`${cut(h + f, fieldLength - 6)}${String(f).padStart(6, '0')}`, cut(h * 7 + f, valueLength));
      chars += fieldLength + valueLength;
    }
    // A hash that has been written to for a while: some fields deleted and set again.
    if (churn) for (let f = 0; f < fields; f += 3) {
      const name = `${cut(h + f, fieldLength - 6)}${String(f).padStart(6, '0')}`;
      hash.delete(name);
      hash.set(name, cut(h + f, valueLength));
    }
    keep.push(hash);
  }
  const bytes = heap() - before - chars - keep.length * 8;
  return { perField: bytes / (hashes * fields), perHash: bytes / hashes };
}

console.log(`charged: FIELD_OVERHEAD ${FIELD_OVERHEAD}, HASH_OVERHEAD ${HASH_OVERHEAD}`);
console.log('fields  churn  heap/field  heap/hash  charged/hash  (bytes besides the characters)');
for (const fields of [1, 2, 5, 10, 50, 100, 1000]) {
  for (const churn of [false, true]) {
    const { perField, perHash } = measure(fields, 10, 16, churn);
    const charged = HASH_OVERHEAD + fields * FIELD_OVERHEAD;
    console.log(`${String(fields).padStart(6)}  ${String(churn).padEnd(5)}  ${perField.toFixed(0).padStart(10)}  ${perHash.toFixed(0).padStart(9)}  ${String(charged).padStart(12)}`);
  }
}
