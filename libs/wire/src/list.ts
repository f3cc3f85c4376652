/**
 * A list of strings packed into one latin1 string, so a list reply (KEYS, SCAN, INFO parts) fits
 * in one BULK entry of a reply frame, whose replies are scalars. Each item is its length as a u32
 * little endian in four chars, then its chars (latin1: one char per byte, so any bytes round-trip).
 */
export function packList(items: readonly string[]): string {
  const parts = new Array<string>(items.length * 2);
  for (let i = 0; i < items.length; i++) {
    const n = items[i].length;
    parts[2 * i] = String.fromCharCode(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
    parts[2 * i + 1] = items[i];
  }
  return parts.join('');
}

/** The items packList packed; throws RangeError if the payload is not such a list. */
export function unpackList(payload: string): string[] {
  const items: string[] = [];
  let p = 0;
  while (p < payload.length) {
    if (p + 4 > payload.length) throw new RangeError('packed list: truncated length');
    const n = (payload.charCodeAt(p) | (payload.charCodeAt(p + 1) << 8) | (payload.charCodeAt(p + 2) << 16)) + payload.charCodeAt(p + 3) * 0x1000000;
    p += 4;
    if (p + n > payload.length) throw new RangeError('packed list: item past the end');
    items.push(payload.slice(p, p + n));
    p += n;
  }
  return items;
}
