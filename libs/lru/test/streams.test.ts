import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Kind, Lru, LruStream, parseU64, StoreMemory, StreamId, TRIM_MAXLEN, TRIM_MINID, type StreamBlock } from '../src/index';

/**
 * Streams (stream.ts, stream-block.ts, stream-id.ts) against a model: entries appended, deleted
 * and trimmed by Redis's rules (whole blocks first, `~` stopping at a block, deleted entries
 * still counted in their block), ranges both ways, the charges kept exact in the store (Lru.check),
 * a write that cannot fit changing nothing, and a hand-over's bytes restoring the same stream.
 */
const t = suite('lru: streams');

function fieldsOf(items: string[]) {
  const buf = Buffer.from(items.join(''), 'latin1');
  const starts: number[] = [];
  const ends: number[] = [];
  let at = 0;
  for (const item of items) {
    starts.push(at);
    at += item.length;
    ends.push(at);
  }
  return { buf, starts, ends };
}

function entries(stream: LruStream, reverse = false, start = new StreamId(), end = StreamId.max(), count = 0): string[] {
  const out: string[] = [];
  stream.range(start, end, reverse, count, (block: StreamBlock, i: number) => {
    const fields: string[] = [];
    block.visitFields(i, (buf, s, e) => fields.push(buf.latin1Slice(s, e)));
    out.push(`${new StreamId().setWords(block.ids, i * 4).text()} ${fields.join(',')}`);
  });
  return out;
}

function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

interface ModelEntry {
  ms: number;
  seq: number;
  text: string;
  block: number;
}

t('appends, deletes, trims and ranges as a model of Redis nodes says, with exact charges in the store', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    const next = random(seed);
    const lru = new Lru(new StoreMemory({ budget: 1 << 24, hashKey: { k0: 1, k1: 2 } }));
    const stream = new LruStream();
    const key = fieldsOf(['s']);
    let slot = -1;
    // The model: live entries with the node they went into; per node, its count of entries ever put in it.
    let model: ModelEntry[] = [];
    const nodeCount = new Map<number, number>();
    // The ms of the last entry put in each node, deleted or not (Redis's MINID reads the listpack's last).
    const nodeLast = new Map<number, number>();
    const nodeLive = (b: number) => model.filter((e) => e.block === b).length;
    let node = -1;
    let ms = 0;
    const maxEntries = 3;
    for (let op = 0; op < 600; op++) {
      const r = next();
      if (r < 0.55 || model.length === 0) {
        ms += 1 + Math.floor(next() * 2);
        const value = 'v'.repeat(Math.floor(next() * 30));
        const id = new StreamId().setMs(ms);
        const f = fieldsOf(['f', value]);
        if (slot >= 0) assert.ok(lru.reserve(slot, stream.appendGrowth(f, 0, 2, maxEntries, 0)));
        stream.append(id, f, 0, 2, maxEntries, 0);
        if (node < 0 || (nodeCount.get(node) ?? 0) >= maxEntries || !nodeCount.has(node)) nodeCount.set(++node, 0);
        nodeCount.set(node, nodeCount.get(node)! + 1);
        nodeLast.set(node, ms);
        model.push({ ms, seq: 0, text: `${ms}-0 f,${value}`, block: node });
        if (slot < 0) slot = lru.setObject(key.buf, 0, 1, Kind.STREAM, stream);
        else lru.objectChanged(slot);
      } else if (r < 0.75) {
        const victim = model[Math.floor(next() * model.length)];
        assert.ok(stream.delete(new StreamId().setMs(victim.ms)));
        assert.not.ok(stream.delete(new StreamId().setMs(victim.ms)), 'deleted once');
        model = model.filter((e) => e !== victim);
        // A node whose last live entry went is freed (its count with it).
        if (nodeLive(victim.block) === 0) nodeCount.delete(victim.block);
        lru.objectChanged(slot);
      } else {
        const approx = next() < 0.5;
        const byLength = next() < 0.5;
        const maxlen = Math.floor(next() * 8);
        const minid = new StreamId().setMs(ms - Math.floor(next() * 8));
        const removed = stream.trim(byLength ? TRIM_MAXLEN : TRIM_MINID, maxlen, minid, approx, 0);
        // The model of streamTrim: whole nodes from the head while they may all go, then (exact) entries of the next.
        let expected = 0;
        for (const b of [...nodeCount.keys()].sort((x, y) => x - y)) {
          const live = model.filter((e) => e.block === b);
          if (byLength && model.length <= maxlen) break;
          const whole = byLength ? model.length - live.length >= maxlen : new StreamId().setMs(nodeLast.get(b)!).compare(minid) < 0;
          if (whole) {
            model = model.filter((e) => e.block !== b);
            nodeCount.delete(b);
            expected += live.length;
            continue;
          }
          if (approx) break;
          for (const e of live) {
            if (byLength ? model.length <= maxlen : new StreamId().setMs(e.ms).compare(minid) >= 0) break;
            model = model.filter((x) => x !== e);
            expected++;
          }
          break;
        }
        assert.is(removed, expected, `seed ${seed} op ${op}: trim removed`);
        lru.objectChanged(slot);
      }
      assert.is(stream.length, model.length, `seed ${seed} op ${op}: length`);
      assert.equal(entries(stream), model.map((e) => e.text), `seed ${seed} op ${op}: entries`);
      if (op % 50 === 0) {
        assert.equal(entries(stream, true), model.map((e) => e.text).reverse());
        const fault = lru.check();
        if (fault !== null) assert.unreachable(fault);
      }
    }
    assert.is(lru.kindAt(slot), Kind.STREAM);
  }
});

t('an emptied stream stays a key; ranges with bounds and counts; ids past 2^53 as text', () => {
  const lru = new Lru(new StoreMemory({ budget: 1 << 22, hashKey: { k0: 1, k1: 2 } }));
  const stream = new LruStream();
  const big = new Uint32Array(4);
  assert.ok(parseU64('18446744073709551615', big, 0));
  assert.ok(parseU64('9007199254740993', big, 2));
  const id = new StreamId().setWords(big, 0);
  assert.is(id.text(), '18446744073709551615-9007199254740993');
  for (const ms of [1, 2, 3, 4, 5]) stream.append(new StreamId().setMs(ms), fieldsOf(['a', String(ms)]), 0, 2, 2, 0);
  stream.append(id, fieldsOf(['a', 'last']), 0, 2, 2, 0);
  assert.equal(entries(stream, false, new StreamId().setMs(2), new StreamId().setMs(4)), ['2-0 a,2', '3-0 a,3', '4-0 a,4']);
  assert.equal(entries(stream, true, new StreamId().setMs(2), StreamId.max(), 2), ['18446744073709551615-9007199254740993 a,last', '5-0 a,5']);
  const slot = lru.setObject(Buffer.from('s'), 0, 1, Kind.STREAM, stream);
  assert.is(stream.trim(TRIM_MAXLEN, 0, new StreamId(), false, 0), 6);
  lru.objectChanged(slot);
  assert.is(lru.peekKey('s'), slot, 'an empty stream stays');
  assert.is(stream.length, 0);
  assert.is(stream.lastId.text(), '18446744073709551615-9007199254740993');
  assert.is(stream.firstId.text(), '0-0');
  assert.is(lru.check(), null);
  assert.not.ok(parseU64('18446744073709551616', big, 0));
  assert.not.ok(parseU64('-1', big, 0));
  assert.ok(parseU64(' -1', big, 0), 'strtoull wraps what string2ll refused');
  assert.is(big[0], 0xffffffff);
});

t("a hand-over's bytes restore the same stream, blocks and deletions included; corrupt ones are refused", () => {
  const stream = new LruStream();
  for (let ms = 1; ms <= 10; ms++) stream.append(new StreamId().setMs(ms), fieldsOf(ms % 3 === 0 ? ['h', String(ms * 1000)] : ['f', 'x'.repeat(ms * 30), 'g', '']), 0, ms % 3 === 0 ? 2 : 4, 3, 0);
  stream.delete(new StreamId().setMs(2));
  stream.trim(TRIM_MAXLEN, 7, new StreamId(), false, 0);
  const { meta, blocks } = stream.serialize();
  const ids = meta.slice(0, 3).map((text) => {
    const w = new Uint32Array(4);
    const [a, b] = text.split('-');
    parseU64(a, w, 0);
    parseU64(b, w, 2);
    return new StreamId().setWords(w, 0);
  });
  const copy = LruStream.restore(ids, Number(meta[3]), blocks)!;
  assert.ok(copy !== null);
  assert.equal(entries(copy), entries(stream));
  assert.is(copy.blocks.length, stream.blocks.length);
  assert.equal(copy.blocks.map((b) => b.lpBytes), stream.blocks.map((b) => b.lpBytes), 'the listpack sizes that end blocks, recomputed');
  assert.is(copy.bytes <= stream.bytes, true);
  assert.equal(copy.serialize(), stream.serialize());
  const bad = Buffer.from(blocks[0]);
  bad.writeUInt32LE(bad.readUInt32LE(0) + 1, 0);
  assert.is(LruStream.restore(ids, 1, [bad]), null);
  assert.is(LruStream.restore(ids, 1, [blocks[1], blocks[0]]), null, 'blocks out of order');
});

t("entries with the first entry's field names keep their values only; a full block is cut to what it holds; both survive a hand-over", () => {
  const stream = new LruStream();
  const value = (n: number) => String(n).padStart(16, 'v');
  // 100 entries a block; every 10th has other names, every 15th three pairs.
  for (let ms = 1; ms <= 250; ms++) {
    const items = ms % 15 === 0 ? ['payload-field-16', value(ms), 'b', '', 'c', 'x'] : ms % 10 === 0 ? ['other', value(ms)] : ['payload-field-16', value(ms)];
    stream.append(new StreamId().setMs(ms), fieldsOf(items), 0, items.length, 100, 0);
  }
  const expected = Array.from({ length: 250 }, (_, i) => {
    const ms = i + 1;
    return `${ms}-0 ${ms % 15 === 0 ? `payload-field-16,${value(ms)},b,,c,x` : ms % 10 === 0 ? `other,${value(ms)}` : `payload-field-16,${value(ms)}`}`;
  });
  assert.equal(entries(stream), expected);
  assert.is(stream.blocks.length, 3);
  const [first, second, last] = stream.blocks;
  // An entry with the same names: a header byte, then its value (1 + 16 bytes), not the name again.
  assert.is(first.ends[1] - first.ends[0], 1 + 1 + 16);
  assert.is(first.ends[9] - first.ends[8], 1 + 1 + 5 + 1 + 16, 'other names are kept whole');
  // Sealed: the first two blocks hold exactly their 100 entries and their bytes; the last still has room to grow.
  for (const block of [first, second]) {
    assert.is(block.deleted.length, 100);
    assert.is(block.data.length, block.used);
  }
  assert.ok(last.deleted.length > last.count);
  // A hand-over's bytes give the same entries back; an entry marked `same` first in a block, or
  // with another count of values than the first entry's names, is refused.
  const copy = LruStream.restore([stream.lastId, stream.firstId, stream.maxDeletedId], stream.entriesAdded, stream.serialize().blocks)!;
  assert.ok(copy !== null);
  assert.equal(entries(copy), expected);
  const bytes = first.serialize();
  const dataAt = 8 + 100 * 21;
  const forged = Buffer.from(bytes);
  forged[dataAt] |= 1;
  assert.is(LruStream.restore([stream.lastId, stream.firstId, stream.maxDeletedId], 0, [forged]), null, 'the first entry cannot borrow names');
  const wrongCount = Buffer.from(bytes);
  wrongCount[dataAt + first.ends[0]] = 2 * 2 + 1;
  assert.is(LruStream.restore([stream.lastId, stream.firstId, stream.maxDeletedId], 0, [wrongCount]), null, 'values for names it does not have');
});

t('under noeviction, reserve refuses an append past the budget and the charges stay exact', () => {
  const lru = new Lru(new StoreMemory({ budget: 6000, hashKey: { k0: 1, k1: 2 }, policy: 'noeviction' }));
  const stream = new LruStream();
  stream.append(new StreamId().setMs(1), fieldsOf(['f', 'v']), 0, 2, 100, 0);
  const slot = lru.setObject(Buffer.from('s'), 0, 1, Kind.STREAM, stream);
  assert.ok(slot >= 0);
  let ms = 2;
  for (;;) {
    const f = fieldsOf(['f', 'y'.repeat(400)]);
    if (!lru.reserve(slot, stream.appendGrowth(f, 0, 2, 100, 0))) break;
    stream.append(new StreamId().setMs(ms++), f, 0, 2, 100, 0);
    lru.objectChanged(slot);
  }
  const before = entries(stream);
  assert.ok(before.length > 2);
  assert.equal(entries(stream), before);
  assert.is(lru.check(), null);
});

t.run();
