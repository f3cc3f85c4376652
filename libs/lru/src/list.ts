import { Kind } from './layout';
import type { LruObject } from './object';
import { lengthAt, varintSize, writeVarint } from './packed';

/**
 * A list past its packed limit (list-max-listpack-size), as Redis's quicklist: a deque of nodes,
 * each a Buffer of packed elements (up to NODE_BYTES, one bigger element alone), so an element
 * costs its bytes and two length varints, not a JavaScript string. An element is
 * | varint length | bytes | the length again, its varint bytes reversed |, so a node is read from
 * either end: both ends push and pop in O(1); an index walks the nodes from the nearer end, then
 * the elements of one node (Redis's quicklist does the same).
 *
 * Charged LIST_OVERHEAD plus, per node, its buffer's size and NODE_OVERHEAD (the Buffer and node
 * objects), kept exact by every change. LruList.cost, what a push reserves before it is made, is an
 * element's packed size: a node that must grow (doubling, up to NODE_BYTES) is charged once made.
 */
export const LIST_OVERHEAD = 256;
/** Kept for the API: a packed element's bytes besides its characters, at most (two 5-byte varints). */
export const LIST_ELEMENT_OVERHEAD = 10;
const NODE_BYTES = 8192;
const NODE_FIRST = 256;
const NODE_OVERHEAD = 160;

interface Node {
  buf: Buffer;
  /** The first element's offset, and the end of the last one. */
  start: number;
  end: number;
  count: number;
}

/** An element's packed size. */
function packedSize(length: number): number {
  return 2 * varintSize(length) + length;
}

/** The length of the element ending at `end` (its reversed varint). */
function lengthBefore(buf: Buffer, end: number): number {
  let p = end - 1;
  let n = buf[p] & 0x7f;
  let shift = 7;
  while (buf[p] >= 0x80) {
    p--;
    n += (buf[p] & 0x7f) * 2 ** shift;
    shift += 7;
  }
  return n;
}

/** Writes `value` packed at `at`; returns where the next element goes. */
function writePacked(buf: Buffer, at: number, value: string): number {
  const length = value.length;
  at = writeVarint(buf, at, length);
  at += buf.latin1Write(value, at, length);
  return writeBackLength(buf, at, length);
}

/** The length again after an element's bytes, its varint bytes reversed (read back by lengthBefore). */
function writeBackLength(buf: Uint8Array, at: number, length: number): number {
  const size = varintSize(length);
  let n = length;
  for (let i = 0; i < size; i++) {
    buf[at + size - 1 - i] = (n & 0x7f) | (i < size - 1 ? 0x80 : 0);
    n = Math.floor(n / 128);
  }
  return at + size;
}

export class LruList implements LruObject {
  readonly kind = Kind.LIST;
  bytes = LIST_OVERHEAD;
  size = 0;
  private nodes: Node[] = [];
  /** nodes[first] is the leftmost node (popping from the left leaves a gap before it). */
  private first = 0;

  static of(items: readonly string[]): LruList {
    const list = new LruList();
    for (const item of items) list.pushRight(item);
    return list;
  }

  /** Bytes an element adds to `bytes`, about (its packed size; see the class). */
  static cost(length: number): number {
    return packedSize(length);
  }

  clone(): LruList {
    return LruList.of(this.toArray());
  }

  at(index: number): string {
    const [node, p] = this.find(index);
    return this.read(node.buf, p);
  }

  set(index: number, value: string): void {
    const [node, p] = this.find(index);
    const items: string[] = [];
    for (let q = node.start; q < node.end; q = this.after(node.buf, q)) items.push(q === p ? value : this.read(node.buf, q));
    this.rebuild(node, items);
  }

  pushLeft(value: string): void {
    writePacked(this.room(packedSize(value.length), true), this.placeAt, value);
  }

  pushRight(value: string): void {
    writePacked(this.room(packedSize(value.length), false), this.placeAt, value);
  }

  /** pushLeft or pushRight of the element src[start, end), copied from where it lies (no string made). */
  pushBytes(src: Uint8Array, start: number, end: number, left: boolean): void {
    const length = end - start;
    const buf = this.room(packedSize(length), left);
    let at = writeVarint(buf, this.placeAt, length);
    if (length < 64) for (let i = start; i < end; i++) buf[at++] = src[i];
    else {
      buf.set(src.subarray(start, end), at);
      at += length;
    }
    writeBackLength(buf, at, length);
  }

  /** Where room() placed the next element, in the node whose buffer it returned. */
  private placeAt = 0;

  /** Makes `need` bytes at the left or right end (a node grown or added), counts the element in, and says where (placeAt). */
  private room(need: number, left: boolean): Buffer {
    let node = this.size === 0 ? undefined : this.nodes[left ? this.first : this.nodes.length - 1];
    if (node === undefined || (left ? node.start < need : node.end + need > node.buf.length)) {
      if (node !== undefined && node.buf.length < NODE_BYTES) this.regrow(node, need, left);
      else {
        node = this.makeNode(need);
        if (!left) this.nodes.push(node);
        else {
          node.start = node.end = node.buf.length;
          if (this.first > 0) this.nodes[--this.first] = node;
          else this.nodes.unshift(node);
        }
      }
    }
    if (left) this.placeAt = node.start -= need;
    else {
      this.placeAt = node.end;
      node.end += need;
    }
    node.count++;
    this.size++;
    return node.buf;
  }

  popLeft(): string {
    const node = this.nodes[this.first];
    const value = this.read(node.buf, node.start);
    node.start = this.after(node.buf, node.start);
    this.removed(node, true);
    return value;
  }

  popRight(): string {
    const node = this.nodes[this.nodes.length - 1];
    const length = lengthBefore(node.buf, node.end);
    node.end -= packedSize(length);
    const value = this.read(node.buf, node.end);
    this.removed(node, false);
    return value;
  }

  /** Elements [start, stop] (0 <= start <= stop < size) appended to `out`. */
  range(start: number, stop: number, out: string[]): string[] {
    let [node, p] = this.find(start);
    let n = this.nodes.indexOf(node, this.first);
    for (let i = start; i <= stop; i++) {
      if (p >= node.end) {
        node = this.nodes[++n];
        p = node.start;
      }
      out.push(this.read(node.buf, p));
      p = this.after(node.buf, p);
    }
    return out;
  }

  /** Every element, left to right. */
  toArray(): string[] {
    return this.size === 0 ? [] : this.range(0, this.size - 1, []);
  }

  /** Replaces every element with `items` (LINSERT, LREM, LTRIM: rebuilt whole). */
  replaceAll(items: readonly string[]): void {
    this.nodes = [];
    this.first = 0;
    this.size = 0;
    this.bytes = LIST_OVERHEAD;
    for (const item of items) this.pushRight(item);
  }

  /** The node holding element `index`, and the element's offset in it; walked from the nearer end. */
  private find(index: number): [Node, number] {
    const nodes = this.nodes;
    let n: number;
    let skipped: number;
    if (index < this.size / 2) {
      n = this.first;
      skipped = 0;
      while (skipped + nodes[n].count <= index) skipped += nodes[n++].count;
    } else {
      n = nodes.length - 1;
      skipped = this.size - nodes[n].count;
      while (skipped > index) skipped -= nodes[--n].count;
    }
    const node = nodes[n];
    let p = node.start;
    for (let i = skipped; i < index; i++) p = this.after(node.buf, p);
    return [node, p];
  }

  private read(buf: Buffer, p: number): string {
    const length = lengthAt(buf, p);
    const d = p + varintSize(length);
    return buf.latin1Slice(d, d + length);
  }

  private after(buf: Buffer, p: number): number {
    return p + packedSize(lengthAt(buf, p));
  }

  private makeNode(need: number): Node {
    const size = need > NODE_BYTES ? need : Math.min(NODE_BYTES, Math.max(NODE_FIRST, need));
    this.bytes += size + NODE_OVERHEAD;
    return { buf: Buffer.allocUnsafeSlow(size), start: 0, end: 0, count: 0 };
  }

  /** A node under NODE_BYTES grows (doubling) to take `need` more bytes at its left or right end. */
  private regrow(node: Node, need: number, left: boolean): void {
    const used = node.end - node.start;
    const size = Math.max(Math.min(NODE_BYTES, node.buf.length * 2), used + need);
    const buf = Buffer.allocUnsafeSlow(size);
    const at = left ? size - used : 0;
    node.buf.copy(buf, at, node.start, node.end);
    this.bytes += size - node.buf.length;
    node.buf = buf;
    node.start = at;
    node.end = at + used;
  }

  /** One element left `node` (at its left or right end): an emptied node goes. */
  private removed(node: Node, left: boolean): void {
    node.count--;
    this.size--;
    if (node.count > 0) return;
    this.bytes -= node.buf.length + NODE_OVERHEAD;
    if (left) this.nodes[this.first++] = undefined as unknown as Node;
    else this.nodes.pop();
    if (this.size === 0 || (this.first > 32 && this.first * 2 > this.nodes.length)) {
      this.nodes = this.nodes.slice(this.first);
      this.first = 0;
    }
  }

  /** A node's elements packed again (LSET: its bytes change size). */
  private rebuild(node: Node, items: readonly string[]): void {
    let total = 0;
    for (const item of items) total += packedSize(item.length);
    const size = total > NODE_BYTES ? total : Math.max(node.buf.length, total);
    const buf = Buffer.allocUnsafeSlow(size);
    let at = 0;
    for (const item of items) at = writePacked(buf, at, item);
    this.bytes += size - node.buf.length;
    node.buf = buf;
    node.start = 0;
    node.end = at;
  }
}
