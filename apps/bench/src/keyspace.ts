import type { Protocol } from './replyScanner';

export const SHARD_COUNT = 16;
const RUN_TAG_LENGTH = 4;
/** Fewer counter digits would make a stale value repeat too soon to be told apart. */
const MIN_COUNTER_DIGITS = 4;

/** CRC16-CCITT (XMODEM), as Redis Cluster hashes keys. */
const CRC16 = (() => {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
    table[i] = crc & 0xffff;
  }
  return table;
})();

/**
 * Shard of a key, the server's rule (libs/wire/src/keyslot.ts, copied so that the load generator
 * needs no server package): Redis Cluster's slot, CRC16 mod 16384 over the key's hash tag (the
 * bytes between its first `{` and the first `}` after it, when there are any) or else the whole
 * key, and the shard is the slot's 1,024-slot range.
 */
export function shardOfKey(key: string): number {
  let from = 0;
  let to = key.length;
  const open = key.indexOf('{');
  if (open >= 0) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) {
      from = open + 1;
      to = close;
    }
  }
  let crc = 0;
  for (let i = from; i < to; i++) crc = ((crc << 8) ^ CRC16[((crc >>> 8) ^ key.charCodeAt(i)) & 0xff]) & 0xffff;
  return (crc & 16383) >>> 10;
}

export function keyName(index: number): string {
  return `key:${index}`;
}

/** Smallest --value-size that still holds `<key index>.<run tag>.<counter>` for this many keys. */
export function minValueSize(keyCount: number): number {
  return String(Math.max(0, keyCount - 1)).length + 2 + RUN_TAG_LENGTH + MIN_COUNTER_DIGITS;
}

export function randomRunTag(): string {
  let tag = '';
  for (let i = 0; i < RUN_TAG_LENGTH; i++) tag += 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)];
  return tag;
}

function copyBytes(src: Buffer, srcStart: number, srcEnd: number, dst: Buffer, dstStart: number): number {
  let at = dstStart;
  for (let i = srcStart; i < srcEnd; i++) dst[at++] = src[i];
  return at;
}

/**
 * Every key's requests pre-encoded into one buffer. A value is `<key index>.<run tag>.<counter>`
 * with the counter zero-padded to fill exactly valueSize bytes, so a reply meant for another key,
 * another run or an older write is recognised. Tracks the counter last written per key.
 */
export class Keyspace {
  readonly size: number;
  readonly valueSize: number;
  readonly shards: Uint8Array;
  readonly maxRequestBytes: number;
  private readonly bytes: Buffer;
  /**
   * Per key i: bytes[getStart, putStart) is its GET; [putStart, putEnd) a complete PUT whose counter
   * digits are all zeros; within it, [valueStart, counterStart) is the value's fixed part.
   */
  private readonly getStart: Int32Array;
  private readonly putStart: Int32Array;
  private readonly valueStart: Int32Array;
  private readonly counterStart: Int32Array;
  private readonly putEnd: Int32Array;
  private readonly lastWritten: Uint32Array;
  private readonly counterLimit: number;
  private readonly terminatorLength: number;

  constructor(keyCount: number, valueSize: number, protocol: Protocol, runTag: string) {
    if (valueSize < minValueSize(keyCount)) throw new Error(`value size must be at least ${minValueSize(keyCount)} bytes for ${keyCount} keys`);
    this.size = keyCount;
    this.valueSize = valueSize;
    this.shards = new Uint8Array(keyCount);
    this.getStart = new Int32Array(keyCount);
    this.putStart = new Int32Array(keyCount);
    this.valueStart = new Int32Array(keyCount);
    this.counterStart = new Int32Array(keyCount);
    this.putEnd = new Int32Array(keyCount);
    this.lastWritten = new Uint32Array(keyCount);
    const terminator = protocol === 'text' ? '\n' : '\r\n';
    this.terminatorLength = terminator.length;
    const minDigits = valueSize - (String(Math.max(0, keyCount - 1)).length + 2 + RUN_TAG_LENGTH);
    this.counterLimit = Math.min(10 ** minDigits, 0x7fffffff);

    const parts: string[] = new Array(keyCount);
    let total = 0;
    let maxRequest = 0;
    for (let i = 0; i < keyCount; i++) {
      const key = keyName(i);
      this.shards[i] = shardOfKey(key);
      const [get, put] =
        protocol === 'text'
          ? [`GET ${key}\n`, `PUT ${key} `]
          : [`*2\r\n$3\r\nGET\r\n$${key.length}\r\n${key}\r\n`, `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${valueSize}\r\n`];
      const fixed = `${i}.${runTag}.`;
      this.getStart[i] = total;
      this.putStart[i] = total + get.length;
      this.valueStart[i] = this.putStart[i] + put.length;
      this.counterStart[i] = this.valueStart[i] + fixed.length;
      this.putEnd[i] = this.valueStart[i] + valueSize + terminator.length;
      parts[i] = get + put + fixed.padEnd(valueSize, '0') + terminator;
      total += parts[i].length;
      maxRequest = Math.max(maxRequest, this.putEnd[i] - this.putStart[i], get.length);
    }
    this.bytes = Buffer.allocUnsafe(total);
    let at = 0;
    for (const part of parts) at += this.bytes.write(part, at, 'latin1');
    this.maxRequestBytes = maxRequest;
  }

  /** Appends key's GET request to out at offset at; returns the new end offset. */
  writeGet(key: number, out: Buffer, at: number): number {
    return copyBytes(this.bytes, this.getStart[key], this.putStart[key], out, at);
  }

  /** Appends a PUT of the key's next value to out; returns the new end offset. */
  writePut(key: number, out: Buffer, at: number): number {
    let counter = this.lastWritten[key] + 1;
    if (counter >= this.counterLimit) counter = 1;
    this.lastWritten[key] = counter;
    const end = copyBytes(this.bytes, this.putStart[key], this.putEnd[key], out, at);
    // The copied template ends in zeros: only the counter's significant digits need writing.
    let pos = end - this.terminatorLength;
    for (let rest = counter; rest > 0; rest = (rest / 10) | 0) out[--pos] = 0x30 + (rest % 10);
    return end;
  }

  /** Counter of the value most recently sent for key in this run; 0 if none was. */
  lastCounter(key: number): number {
    return this.lastWritten[key];
  }

  /**
   * True if buf[start, end) is the value written with this counter; for counter 0 (nothing
   * written by this run) any well-formed value of this key is accepted, as an earlier run may have set it.
   */
  matchesValue(key: number, counter: number, buf: Buffer, start: number, end: number): boolean {
    if (end - start !== this.valueSize) return false;
    const fixedStart = this.valueStart[key];
    const fixedLength = this.counterStart[key] - fixedStart;
    const checkedLength = counter === 0 ? String(key).length + 1 : fixedLength;
    for (let i = 0; i < checkedLength; i++) if (buf[start + i] !== this.bytes[fixedStart + i]) return false;
    if (counter === 0) return true;
    let n = 0;
    for (let i = start + fixedLength; i < end; i++) {
      const d = buf[i] - 0x30;
      if (d < 0 || d > 9) return false;
      n = n * 10 + d;
    }
    return n === counter;
  }

  /** The value this run last wrote for key, as text, for error messages. */
  expectedValueText(key: number, counter: number): string {
    const fixed = this.bytes.toString('latin1', this.valueStart[key], this.counterStart[key]);
    return counter === 0 ? `${key}.<any run>.<any>` : fixed + String(counter).padStart(this.valueSize - fixed.length, '0');
  }
}
