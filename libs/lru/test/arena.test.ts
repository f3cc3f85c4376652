import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Arena, BLOCK_HEADER, MIN_BLOCK, NIL, blockSizeFor } from '../src/arena';
import { prng } from '../../../test-support/prng';

const t = suite('lru: arena (TLSF)');

/** Every invariant of the layout, checked after each operation. */
function check(arena: Arena, live: Map<number, number>, what: string): void {
  let used = 0;
  let blocks = 0;
  let prevFree = false;
  let prevChunk = -1;
  const free = new Map<number, number>();
  arena.forEachBlock((addr, size, isFree, flagPrevFree) => {
    const chunk = addr >>> 19;
    if (chunk !== prevChunk) {
      prevFree = false;
      prevChunk = chunk;
    }
    assert.is(size % 8, 0, `${what}: size ${size} is not 8-aligned`);
    if (!isFree) assert.is(flagPrevFree, prevFree, `${what}: PREV_FREE at ${addr}`);
    if (isFree) {
      assert.not.ok(prevFree, `${what}: two free blocks side by side at ${addr}`);
      if (size >= MIN_BLOCK) free.set(addr, size);
    } else {
      used += size;
      assert.ok(live.has(addr), `${what}: used block ${addr} was not handed out`);
    }
    prevFree = isFree;
    blocks++;
  });
  assert.is(used, arena.used, `${what}: used bytes`);
  assert.is(live.size, [...live.keys()].filter((a) => arena.blockSize(a) >= 0).length);
  const listed = new Map(arena.freeLists());
  assert.equal(listed, free, `${what}: the free lists hold exactly the free blocks`);
  assert.ok(blocks > 0 || arena.size === 0);
}

/** Fills a block's payload with a pattern of its own address, to find overlaps later. */
function stamp(arena: Arena, addr: number, payload: number): void {
  const bytes = arena.chunkOf(addr);
  const at = arena.payloadOffset(addr);
  for (let i = 0; i < payload; i++) bytes[at + i] = (addr + i) & 0xff;
}

function intact(arena: Arena, addr: number, payload: number): boolean {
  const bytes = arena.chunkOf(addr);
  const at = arena.payloadOffset(addr);
  for (let i = 0; i < payload; i++) if (bytes[at + i] !== ((addr + i) & 0xff)) return false;
  return true;
}

t('blocks are exactly the size asked for, 8-byte steps from 16 bytes', () => {
  assert.is(blockSizeFor(0), MIN_BLOCK);
  assert.is(blockSizeFor(12), MIN_BLOCK);
  assert.is(blockSizeFor(13), 24);
  assert.is(blockSizeFor(52), 56);
  const arena = new Arena(4096);
  assert.is(arena.alloc(10), NIL, 'no chunk yet');
  arena.grow();
  const a = arena.alloc(52);
  assert.is(arena.blockSize(a), 56);
  assert.is(arena.payloadOffset(a), BLOCK_HEADER);
  assert.is(arena.used, 56);
  assert.is(arena.free, 4096 - 56);
});

t('a freed block merges with free neighbours on both sides, and an empty chunk is released', () => {
  const arena = new Arena(4096);
  arena.grow();
  arena.grow();
  const live = new Map<number, number>();
  const blocks = [100, 200, 300].map((n) => {
    const addr = arena.alloc(n);
    live.set(addr, n);
    return addr;
  });
  check(arena, live, 'three blocks');
  for (const addr of [blocks[0], blocks[2], blocks[1]]) {
    arena.freeBlock(addr);
    live.delete(addr);
    check(arena, live, `freed ${addr}`);
  }
  assert.is(arena.used, 0);
  assert.is(arena.chunkCount, 1, 'the emptied chunk went back; one is kept');
  assert.equal(arena.freeLists().map(([, size]) => size), [4096]);
});

t('an 8-byte rest is dust: on no list, merged once a neighbour is freed', () => {
  const arena = new Arena(4096);
  arena.grow();
  const live = new Map<number, number>();
  const a = arena.alloc(100); // 104
  const b = arena.alloc(100);
  live.set(a, 100).set(b, 100);
  arena.freeBlock(a);
  live.delete(a);
  const c = arena.alloc(92); // 96 from the 104 hole: 8 bytes of dust
  live.set(c, 92);
  check(arena, live, 'dust left');
  arena.freeBlock(c);
  live.delete(c);
  check(arena, live, 'dust merged back');
  assert.ok(arena.freeLists().some(([addr, size]) => addr === a && size === 104));
});

t('a payload past a quarter chunk gets a chunk of its own, given back when freed', () => {
  const arena = new Arena(4096);
  arena.grow();
  const big = arena.allocLarge(10_000);
  assert.is(arena.blockSize(big), blockSizeFor(10_000));
  assert.is(arena.largeSize, blockSizeFor(10_000));
  stamp(arena, big, 10_000);
  assert.ok(intact(arena, big, 10_000));
  arena.freeBlock(big);
  assert.is(arena.largeSize, 0);
  assert.is(arena.size, 4096);
});

t('random allocations and frees keep every invariant and never overlap (seeded)', () => {
  const rand = prng(20261206);
  const arena = new Arena(16384);
  const live = new Map<number, number>();
  for (let i = 0; i < 4000; i++) {
    if (live.size > 0 && rand() < 0.45) {
      const addrs = [...live.keys()];
      const addr = addrs[Math.floor(rand() * addrs.length)];
      assert.ok(intact(arena, addr, live.get(addr)!), `block ${addr} was overwritten`);
      arena.freeBlock(addr);
      live.delete(addr);
    } else {
      // Sizes shift over the run, as a cache's values do.
      const payload = Math.floor(rand() * (i < 2000 ? 120 : 1500));
      let addr = arena.alloc(payload);
      if (addr === NIL) {
        arena.grow();
        addr = arena.alloc(payload);
      }
      assert.ok(addr !== NIL, `no block for ${payload} after growing`);
      assert.ok(arena.blockSize(addr) === blockSizeFor(payload));
      stamp(arena, addr, payload);
      live.set(addr, payload);
    }
    if (i % 97 === 0) check(arena, live, `step ${i}`);
  }
  check(arena, live, 'end');
  for (const addr of live.keys()) arena.freeBlock(addr);
  live.clear();
  check(arena, live, 'all freed');
  assert.is(arena.chunkCount, 1);
});

t('memory freed by one size serves another (no slab classes to rebalance)', () => {
  const arena = new Arena(65536);
  arena.grow();
  const small: number[] = [];
  for (let a = arena.alloc(24); a !== NIL; a = arena.alloc(24)) small.push(a);
  assert.is(arena.free, 0);
  for (const a of small) arena.freeBlock(a);
  // The whole chunk is one block again: a size never seen before fits.
  const big = arena.alloc(16000);
  assert.ok(big !== NIL);
  assert.ok(arena.alloc(16000) !== NIL);
});

t.run();
