import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { packList, unpackList } from '../src/list';

const t = suite('wire:list');

t('round-trips lists of any latin1 strings, empty items and the empty list', () => {
  const lists: string[][] = [
    [],
    [''],
    ['', '', ''],
    ['a', 'bc', 'def'],
    ['\x00\x01\xff', 'with space', '\r\n'],
    [String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))],
  ];
  for (const list of lists) assert.equal(unpackList(packList(list)), list);
  assert.is(packList([]), '');
});

t('lengths are u32 little endian: items over 255 and 65535 chars', () => {
  const big = ['x'.repeat(300), 'y'.repeat(70_000), 'z'];
  const packed = packList(big);
  assert.is(packed.length, 300 + 70_000 + 1 + 12);
  assert.is(packed.charCodeAt(0), 300 & 0xff);
  assert.is(packed.charCodeAt(1), 1);
  assert.equal(unpackList(packed), big);
});

t('a payload that is not a packed list is refused', () => {
  assert.throws(() => unpackList('\x01\x00'), /truncated/);
  assert.throws(() => unpackList('\x05\x00\x00\x00abc'), /past the end/);
});

t.run();
