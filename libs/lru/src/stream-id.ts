/**
 * A stream entry's id, Redis's two unsigned 64-bit numbers (ms-seq), as four u32 words (ms high,
 * ms low, seq high, seq low): compared word by word, kept in typed arrays by stream.ts, and
 * read from or written as text without a BigInt unless a number passes 2^53.
 */
const TWO32 = 4294967296;
const MAX_SAFE_HIGH = 2 ** 21; // hi * 2^32 + lo stays exact below this

export class StreamId {
  constructor(
    public msHi = 0,
    public msLo = 0,
    public seqHi = 0,
    public seqLo = 0,
  ) {}

  static max(): StreamId {
    return new StreamId(0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff);
  }

  set(o: StreamId): this {
    this.msHi = o.msHi;
    this.msLo = o.msLo;
    this.seqHi = o.seqHi;
    this.seqLo = o.seqLo;
    return this;
  }

  setWords(words: Uint32Array, at: number): this {
    this.msHi = words[at];
    this.msLo = words[at + 1];
    this.seqHi = words[at + 2];
    this.seqLo = words[at + 3];
    return this;
  }

  writeWords(words: Uint32Array, at: number): void {
    words[at] = this.msHi;
    words[at + 1] = this.msLo;
    words[at + 2] = this.seqHi;
    words[at + 3] = this.seqLo;
  }

  /** Sets ms (a JS number up to 2^53, Date.now()'s) with seq 0. */
  setMs(ms: number): this {
    this.msHi = Math.floor(ms / TWO32);
    this.msLo = ms >>> 0;
    this.seqHi = 0;
    this.seqLo = 0;
    return this;
  }

  compare(o: StreamId): number {
    return compareParts(this.msHi, this.msLo, this.seqHi, this.seqLo, o.msHi, o.msLo, o.seqHi, o.seqLo);
  }

  /** This id against the id at words[at]. */
  compareWords(words: Uint32Array, at: number): number {
    return compareParts(this.msHi, this.msLo, this.seqHi, this.seqLo, words[at], words[at + 1], words[at + 2], words[at + 3]);
  }

  isZero(): boolean {
    return (this.msHi | this.msLo | this.seqHi | this.seqLo) === 0;
  }

  isMax(): boolean {
    return ((this.msHi & this.msLo & this.seqHi & this.seqLo) >>> 0) === 0xffffffff;
  }

  sameMs(o: StreamId): boolean {
    return this.msHi === o.msHi && this.msLo === o.msLo;
  }

  seqIsMax(): boolean {
    return ((this.seqHi & this.seqLo) >>> 0) === 0xffffffff;
  }

  /** The next id (Redis's streamIncrID): seq + 1, carrying into ms; false at the last id. */
  increment(): boolean {
    if (this.isMax()) return false;
    if (this.seqLo !== 0xffffffff) this.seqLo++;
    else if (this.seqHi !== 0xffffffff) {
      this.seqLo = 0;
      this.seqHi++;
    } else {
      this.seqHi = this.seqLo = 0;
      if (this.msLo !== 0xffffffff) this.msLo++;
      else {
        this.msLo = 0;
        this.msHi++;
      }
    }
    return true;
  }

  /** The id before (Redis's streamDecrID); false at 0-0. */
  decrement(): boolean {
    if (this.isZero()) return false;
    if (this.seqLo !== 0) this.seqLo--;
    else if (this.seqHi !== 0) {
      this.seqLo = 0xffffffff;
      this.seqHi--;
    } else {
      this.seqHi = this.seqLo = 0xffffffff;
      if (this.msLo !== 0) this.msLo--;
      else {
        this.msLo = 0xffffffff;
        this.msHi--;
      }
    }
    return true;
  }

  text(): string {
    return `${u64Text(this.msHi, this.msLo)}-${u64Text(this.seqHi, this.seqLo)}`;
  }
}

export function compareParts(a0: number, a1: number, a2: number, a3: number, b0: number, b1: number, b2: number, b3: number): number {
  if (a0 !== b0) return a0 < b0 ? -1 : 1;
  if (a1 !== b1) return a1 < b1 ? -1 : 1;
  if (a2 !== b2) return a2 < b2 ? -1 : 1;
  if (a3 !== b3) return a3 < b3 ? -1 : 1;
  return 0;
}

/** The id at words[at] as text. */
export function wordsIdText(words: Uint32Array, at: number): string {
  return `${u64Text(words[at], words[at + 1])}-${u64Text(words[at + 2], words[at + 3])}`;
}

export function u64Text(hi: number, lo: number): string {
  if (hi === 0) return String(lo);
  if (hi < MAX_SAFE_HIGH) return String(hi * TWO32 + lo);
  return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
}

const U64_MAX = (1n << 64n) - 1n;
const LLONG_MAX = (1n << 63n) - 1n;
const STRICT = /^(0|[1-9][0-9]*)$/;
const LOOSE = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)$/;

/**
 * Redis's string2ull into out[0..1] (hi, lo): a strict decimal up to 2^63 - 1 (string2ll; a
 * negative one fails), else what strtoull takes (leading spaces, a sign, a negative one wrapped
 * modulo 2^64; past 2^64 - 1 fails). False when it fails.
 */
export function parseU64(text: string, out: Uint32Array | number[], at: number): boolean {
  if (text.length > 0 && text.length <= 15 && STRICT.test(text)) {
    const n = Number(text);
    out[at] = Math.floor(n / TWO32);
    out[at + 1] = n >>> 0;
    return true;
  }
  let value: bigint;
  if (STRICT.test(text) && BigInt(text) <= LLONG_MAX) value = BigInt(text);
  else if (/^-[1-9][0-9]*$/.test(text) && BigInt(text) >= -LLONG_MAX - 1n) return false; // string2ll took it, negative: refused
  else {
    const m = LOOSE.exec(text);
    if (m === null) return false;
    value = BigInt(m[2]);
    if (value > U64_MAX) return false;
    if (m[1] === '-') value = (U64_MAX + 1n - value) & U64_MAX;
  }
  out[at] = Number(value >> 32n);
  out[at + 1] = Number(value & 0xffffffffn);
  return true;
}
