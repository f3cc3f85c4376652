/**
 * Redis's client-output-buffer-limit for one class of clients: past `hard` bytes owed a client is
 * closed at once; past `soft` for more than `softSeconds` in a row, too (each check while over
 * it measures from the first; one under it starts over). 0 turns a limit off.
 */
export interface OutputLimits {
  hard: number;
  soft: number;
  softSeconds: number;
}

/** The pubsub class's default, as Redis's: 32mb hard, 8mb for 60 s. */
export const PUBSUB_LIMITS_DEFAULT: Readonly<OutputLimits> = { hard: 32 * 1024 * 1024, soft: 8 * 1024 * 1024, softSeconds: 60 };

/** One client's state against its class's limits (Redis's checkClientOutputBufferLimits). */
export class OutputLimit {
  /** When the client went past the soft limit (ms), 0 while under it. */
  private softSince = 0;

  constructor(private readonly limits: OutputLimits) {}

  /** True when a client owing `used` bytes now must be closed. */
  exceeded(used: number, now = Date.now()): boolean {
    const { hard, soft, softSeconds } = this.limits;
    if (hard > 0 && used >= hard) return true;
    if (soft > 0 && used >= soft) {
      if (this.softSince === 0) this.softSince = now;
      else if (now - this.softSince > softSeconds * 1000) return true;
      return false;
    }
    this.softSince = 0;
    return false;
  }
}

/**
 * Parses Redis's `client-output-buffer-limit` value: `<class> <hard> <soft> <soft seconds>`
 * repeated, sizes in bytes or with Redis's units (kb, mb, gb). Only the pubsub class applies here
 * (a normal client is bounded by client-output-limit; there are no replicas): the others are
 * checked and kept for CONFIG GET. The limits, or the error text.
 */
export function parseOutputLimits(text: string): { pubsub: OutputLimits; normal: OutputLimits; replica: OutputLimits } | string {
  const words = text.trim().split(/\s+/).filter((w) => w !== '');
  if (words.length === 0 || words.length % 4 !== 0) return 'wrong number of arguments';
  const out = { pubsub: { ...PUBSUB_LIMITS_DEFAULT }, normal: { hard: 0, soft: 0, softSeconds: 0 }, replica: { hard: 256 * 1024 * 1024, soft: 64 * 1024 * 1024, softSeconds: 60 } };
  for (let i = 0; i < words.length; i += 4) {
    const cls = CLASSES[words[i].toLowerCase()];
    if (cls === undefined) return `Invalid client class specified in buffer limit configuration.`;
    const hard = memoryBytes(words[i + 1]);
    const soft = memoryBytes(words[i + 2]);
    const seconds = Number(words[i + 3]);
    if (hard === undefined || soft === undefined || !Number.isSafeInteger(seconds) || seconds < 0) return 'Error in hard, soft or soft_seconds setting in buffer limit configuration.';
    out[cls] = { hard, soft, softSeconds: seconds };
  }
  return out;
}

/** Redis's client classes by the names its config takes. */
const CLASSES: Readonly<Record<string, 'normal' | 'replica' | 'pubsub'>> = { normal: 'normal', slave: 'replica', replica: 'replica', pubsub: 'pubsub' };

const UNITS: Readonly<Record<string, number>> = { '': 1, b: 1, k: 1000, kb: 1024, m: 1_000_000, mb: 1024 * 1024, g: 1_000_000_000, gb: 1024 * 1024 * 1024 };

/** Redis's memtoull: digits and an optional unit (case-insensitive). */
function memoryBytes(text: string): number | undefined {
  const m = /^(\d+)([a-z]*)$/i.exec(text);
  if (m === null) return undefined;
  const unit = UNITS[m[2].toLowerCase()];
  if (unit === undefined) return undefined;
  const n = Number(m[1]) * unit;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** The value CONFIG GET shows, as Redis prints it (bytes, no units). */
export function outputLimitsText(l: { pubsub: OutputLimits; normal: OutputLimits; replica: OutputLimits }): string {
  const one = (name: string, x: OutputLimits) => `${name} ${x.hard} ${x.soft} ${x.softSeconds}`;
  return `${one('normal', l.normal)} ${one('slave', l.replica)} ${one('pubsub', l.pubsub)}`;
}
