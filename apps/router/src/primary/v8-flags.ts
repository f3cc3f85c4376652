/** Flags the operator gave node already, in its arguments or NODE_OPTIONS. */
export function givenNodeFlags(): string[] {
  return [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
}

/**
 * V8 flags for the workers, unless the operator set them: the heap limit below, and a young
 * generation of 4 MB semi-spaces. Measured under a write-heavy load (90% PUT, pipeline 16, two
 * runs each): 4 MB gave 199-203k ops/s and p99 9.0-9.6 ms against 190-193k and 10.6-10.7 ms for
 * Node's default 16 MB, with ~24 MB less RSS per worker (BENCHMARKS.md).
 */
export function workerV8Flags(heapLimitMb: number | null, given = givenNodeFlags()): string[] {
  const flags: string[] = [];
  if (heapLimitMb !== null) flags.push(`--max-old-space-size=${heapLimitMb}`);
  if (!given.some((f) => f.startsWith('--max-semi-space-size'))) flags.push('--max-semi-space-size=4');
  return flags;
}

/**
 * V8's old-space limit for a worker: a worker whose cache is full must not die of a V8
 * out-of-memory error. A live resize can leave any worker owning all 16 shards (down to one
 * worker), so the limit fits the whole of maxmemory, not the worker's share at start. The LRU's
 * charge per entry is what a full, churning shard really holds (libs/lru ENTRY_OVERHEAD), so the
 * data fits; half as much again covers garbage between collections, plus 96 MB for buffers and
 * code. The limit is a ceiling, not a target: V8 sizes the heap from the live data. Null when
 * the operator set the limit already.
 */
export function workerHeapLimitMb(maxmemory: number, given = givenNodeFlags()): number | null {
  if (given.some((f) => f.startsWith('--max-old-space-size'))) return null;
  return Math.ceil((maxmemory * 1.5) / 1048576) + 96;
}
