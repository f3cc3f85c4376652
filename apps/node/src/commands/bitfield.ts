import { TREE, type Args } from '@kv/wire';
import { Kind, type Lru } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { int64Bytes } from './numbers';
import { peekArg, readArg } from './keyarg';
import { MAX_STRING } from './string-ranges';

/**
 * BITFIELD and BITFIELD_RO, as Redis 7.0's bitfieldGeneric: every operation is read first (any
 * error answers before anything runs), then they run in order on the value's bytes where they lie.
 * A write grows the string to its farthest bit at once (zero bytes, charged first) and counts a
 * change, as Redis does, when the string grew or a field's value changed: only then does the key
 * get a new version (WATCH, `setbit` event). Fields are read and written a bit at a time, most
 * significant first, in bigint: at most 64 bits, so exact for i64.
 */

const OP_GET = 0;
const OP_SET = 1;
const OP_INCRBY = 2;
/** Operations by their word (any case) and the arguments they take after it. */
const OPS = new Map<string, [number, number]>([
  ['get', [OP_GET, 2]],
  ['set', [OP_SET, 3]],
  ['incrby', [OP_INCRBY, 3]],
]);
const WRAP = 0;
const SAT = 1;
const FAIL = 2;
const OVERFLOWS = new Map<string, number>([
  ['wrap', WRAP],
  ['sat', SAT],
  ['fail', FAIL],
]);

interface Op {
  code: number;
  signed: boolean;
  bits: number;
  offset: number;
  value: bigint;
  overflow: number;
}

/** The operations of argv[2..], or null once an error was answered. */
function parseOps(args: Args, reply: ReplySink): Op[] | null {
  const ops: Op[] = [];
  let overflow = WRAP;
  for (let j = 2; j < args.count; j++) {
    const left = args.count - j - 1;
    const word = args.latin1(j).toLowerCase();
    if (word === 'overflow' && left >= 1) {
      const kind = OVERFLOWS.get(args.latin1(++j).toLowerCase());
      if (kind === undefined) {
        reply.error(ERR.bitfieldOverflow);
        return null;
      }
      overflow = kind;
      continue;
    }
    const op = OPS.get(word);
    if (op === undefined || left < op[1]) {
      reply.error(ERR.syntax);
      return null;
    }
    // The type: i1..i64 or u1..u63, lower case as Redis reads it.
    const type = args.latin1(j + 1);
    const bits = int64Bytes(args.buf, args.starts[j + 1] + 1, args.ends[j + 1]);
    const signed = type[0] === 'i';
    if ((!signed && type[0] !== 'u') || typeof bits !== 'number' || bits < 1 || bits > (signed ? 64 : 63)) {
      reply.error(ERR.bitfieldType);
      return null;
    }
    // The offset, in bits; `#n` is the n-th field of this width.
    const hash = args.buf[args.starts[j + 2]] === 0x23 ? 1 : 0;
    const at = int64Bytes(args.buf, args.starts[j + 2] + hash, args.ends[j + 2]);
    const offset = typeof at === 'number' ? at * (hash === 1 ? bits : 1) : -1;
    if (!(offset >= 0) || Math.floor(offset / 8) >= MAX_STRING) {
      reply.error(ERR.bitOffset);
      return null;
    }
    let value = 0n;
    if (op[0] !== OP_GET) {
      const n = int64Bytes(args.buf, args.starts[j + 3], args.ends[j + 3]);
      if (n === undefined) {
        reply.error(ERR.notInteger);
        return null;
      }
      value = BigInt(n);
    }
    ops.push({ code: op[0], signed, bits, offset, value, overflow });
    j += op[1];
  }
  return ops;
}

/** The field of `bits` bits at bit `offset` of buf[start, end) (zeros past the end), as unsigned. */
function readField(buf: Uint8Array, start: number, end: number, offset: number, bits: number): bigint {
  let value = 0n;
  for (let i = 0; i < bits; i++) {
    const bit = offset + i;
    const at = start + Math.floor(bit / 8);
    value = (value << 1n) | (at < end && (buf[at] & (0x80 >> (bit & 7))) !== 0 ? 1n : 0n);
  }
  return value;
}

function writeField(buf: Uint8Array, start: number, offset: number, bits: number, value: bigint): void {
  for (let i = 0; i < bits; i++) {
    const bit = offset + i;
    const at = start + Math.floor(bit / 8);
    const mask = 0x80 >> (bit & 7);
    if ((value >> BigInt(bits - 1 - i)) & 1n) buf[at] |= mask;
    else buf[at] &= ~mask;
  }
}

const i64 = (n: bigint) => BigInt.asIntN(64, n);
const u64 = (n: bigint) => BigInt.asUintN(64, n);

/**
 * A field's value after SET (`old` 0n: Redis checks the value itself) or INCRBY as its overflow
 * rule says, or null when FAIL refuses it. The test is Redis's check*BitfieldOverflow with its
 * 64-bit arithmetic, wrap-arounds included: SET i8 with OVERFLOW SAT of -9223372036854775808
 * saturates to 127 there, so here too.
 */
function fitted(op: Op, old: bigint): bigint | null {
  const bits = BigInt(op.bits);
  const incr = op.code === OP_SET ? 0n : op.value;
  let up: boolean;
  let down: boolean;
  let min: bigint;
  let max: bigint;
  let value: bigint;
  if (op.signed) {
    value = op.code === OP_SET ? op.value : old;
    max = op.bits === 64 ? (1n << 63n) - 1n : (1n << (bits - 1n)) - 1n;
    min = -max - 1n;
    const maxincr = i64(u64(max) - u64(value));
    const minincr = i64(min - value);
    const wide = op.bits !== 64;
    up = value > max || (wide && incr > maxincr) || (value >= 0n && incr > 0n && incr > maxincr);
    down = !up && (value < min || (wide && incr < minincr) || (value < 0n && incr < 0n && incr < minincr));
  } else {
    // An unsigned SET takes its value as Redis's uint64_t does: a negative one is past the top.
    value = op.code === OP_SET ? u64(op.value) : old;
    max = (1n << bits) - 1n;
    min = 0n;
    up = value > max || (incr > 0n && incr > i64(max - value));
    down = !up && incr < 0n && incr < i64(-value);
  }
  if (!up && !down) return value + incr;
  if (op.overflow === FAIL) return null;
  if (op.overflow === SAT) return up ? max : min;
  return op.signed ? BigInt.asIntN(op.bits, value + incr) : BigInt.asUintN(op.bits, value + incr);
}

/** BITFIELD key [GET type offset] [OVERFLOW WRAP|SAT|FAIL] [SET type offset value] [INCRBY type offset increment] ... */
export function bitfield(store: Lru, args: Args, reply: ReplySink): void {
  run(store, args, reply, false);
}

/** BITFIELD_RO key [GET type offset ...] */
export function bitfieldRo(store: Lru, args: Args, reply: ReplySink): void {
  run(store, args, reply, true);
}

function run(store: Lru, args: Args, reply: ReplySink, readOnly: boolean): void {
  const ops = parseOps(args, reply);
  if (ops === null) return;
  let farthest = -1;
  for (const op of ops) if (op.code !== OP_GET) farthest = Math.max(farthest, op.offset + op.bits - 1);
  let slot: number;
  let grew = false;
  if (farthest < 0) {
    slot = readArg(store, args, 1);
    if (slot >= 0 && store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
  } else {
    if (readOnly) return reply.error(ERR.bitfieldReadOnly);
    slot = peekArg(store, args, 1);
    if (slot >= 0 && store.kindAt(slot) !== Kind.STRING) return reply.error(ERR.wrongType);
    const length = Math.floor(farthest / 8) + 1;
    if (slot < 0 || store.valueLength(slot) < length) {
      const view = slot < 0 ? store.createZeroed(args.buf, args.starts[1], args.ends[1], length) : store.growZeroed(slot, length);
      if (view === null) return reply.error(ERR.oom);
      slot = peekArg(store, args, 1);
      grew = true;
    }
  }
  let changed = grew;
  TREE.begin().array(ops.length);
  for (const op of ops) {
    // The view again for each: a write below moves nothing (the value has its length already).
    const view = slot >= 0 ? store.valueView(slot) : null;
    const raw = view === null ? 0n : readField(view.buf, view.start, view.end, op.offset, op.bits);
    const old = op.signed ? BigInt.asIntN(op.bits, raw) : raw;
    if (op.code === OP_GET) {
      TREE.integer(old);
      continue;
    }
    const next = fitted(op, old);
    if (next === null) {
      TREE.nil();
      continue;
    }
    TREE.integer(op.code === OP_SET ? old : next);
    writeField(view!.buf, view!.start, op.offset, op.bits, next);
    if (next !== old) changed = true;
  }
  // A write in place is a new version only when something changed (Redis's `changes`).
  if (changed && !grew) store.growZeroed(slot, 0);
  reply.tree(TREE.buf, 0, TREE.length);
}
