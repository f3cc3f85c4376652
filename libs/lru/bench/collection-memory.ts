/**
 * Measures what a big list and a big set really cost in V8 (not a test: run it by hand), to check
 * LIST_ELEMENT_OVERHEAD (list.ts) and SET_MEMBER_OVERHEAD (set.ts):
 *   node --expose-gc -r tsx/cjs libs/lru/bench/collection-memory.ts
 * Builds many collections of N elements from strings cut out of a Buffer (as the server's
 * arguments are) and prints heap bytes per element besides the characters.
 */
import { LIST_ELEMENT_OVERHEAD, LruList } from '../src/list';
import { LruSet, SET_MEMBER_OVERHEAD } from '../src/set';

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error('run with node --expose-gc');

function heap(): number {
  gc!();
  gc!();
  return process.memoryUsage().heapUsed;
}

const source = Buffer.from('abcdefghijklmnopqrstuvwxyz0123456789'.repeat(64), 'latin1');
const cut = (at: number, length: number) => source.latin1Slice(at % 1000, (at % 1000) + length);
const scratch = Buffer.alloc(4096);
/** A distinct flat string of `length` characters ending in i's digits, as Args.latin1 makes them. */
const distinct = (i: number, length: number) => {
  source.copy(scratch, 0, i % 1000, (i % 1000) + length);
  scratch.latin1Write(String(i).padStart(8, '0'), Math.max(0, length - 8), 8);
  return scratch.latin1Slice(0, Math.max(length, 8));
};

function measure(kind: 'list' | 'set', size: number, length: number): number {
  const total = Math.max(200_000, size * 4);
  const count = Math.max(1, Math.floor(total / size));
  const keep: unknown[] = [];
  const before = heap();
  let chars = 0;
  for (let c = 0; c < count; c++) {
    if (kind === 'list') {
      const list = new LruList();
      for (let i = 0; i < size; i++) list.pushRight(cut(c + i, length));
      keep.push(list);
    } else {
      const set = new LruSet();
      for (let i = 0; i < size; i++) set.add(distinct(c + i * 7919, length));
      keep.push(set);
    }
    chars += size * length;
  }
  return (heap() - before - chars - keep.length * 8) / (count * size);
}

console.log(`charged per element besides its bytes: list ${LIST_ELEMENT_OVERHEAD}, set ${SET_MEMBER_OVERHEAD}`);
for (const size of [200, 1000, 10_000]) {
  for (const length of [8, 64]) {
    console.log(`size ${size}, ${length}-byte elements: list ${measure('list', size, length).toFixed(1)}, set ${measure('set', size, length).toFixed(1)} heap bytes per element besides the characters`);
  }
}
