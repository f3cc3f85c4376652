const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;

/** FNV-1a 32-bit over buf[start, end) (the command table's version). */
export function fnv1a(buf: Uint8Array, start: number, end: number): number {
  let h = OFFSET;
  for (let i = start; i < end; i++) {
    h ^= buf[i];
    h = Math.imul(h, PRIME);
  }
  return h >>> 0;
}
