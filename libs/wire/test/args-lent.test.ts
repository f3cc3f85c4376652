import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Args } from '../src/args';
import { RespParser, TextOp, TextParser, type RespSink, type TextSink } from '../src';

/** Every argument of `args` as text. */
const texts = (args: Args): string[] => Array.from({ length: args.count }, (_, i) => args.latin1(i));
const resp = (...argv: string[]): Buffer => Buffer.from(`*${argv.length}\r\n${argv.map((a) => `$${a.length}\r\n${a}\r\n`).join('')}`, 'latin1');

const lent = suite('Args lent to parsers for one command');

lent('a command handed on that runs another client\'s input keeps its own arguments (a blocked client woken)', () => {
  const b = new RespParser({ maxBulkLen: 1024 });
  const a = new RespParser({ maxBulkLen: 1024 });
  const seen: string[][] = [];
  const sinkB: RespSink = { respCommand: (args) => seen.push(['b', ...texts(args)]), respProtocolError: () => assert.unreachable() };
  let woken = false;
  const sinkA: RespSink = {
    respCommand: (args) => {
      const before = texts(args);
      seen.push(['a', ...before]);
      if (woken) return;
      woken = true;
      // The woken client's stashed input runs now, inside A's command: two whole commands and half of a third.
      const input = Buffer.concat([resp('RPUSH', 'other', 'x'), resp('GET', 'other'), resp('SET', 'k', 'v').subarray(0, 9)]);
      for (let pos = 0; pos < input.length; ) pos = b.feed(input, pos, sinkB);
      assert.equal(texts(args), before, "A's arguments after B ran");
    },
    respProtocolError: () => assert.unreachable(),
  };
  a.feed(resp('LPUSH', 'list', 'a1'), 0, sinkA);
  assert.equal(seen, [['a', 'LPUSH', 'list', 'a1'], ['b', 'RPUSH', 'other', 'x'], ['b', 'GET', 'other']]);
  // B's split command kept its arguments while A's borrowed and gave back others.
  a.feed(resp('PING'), 0, sinkA);
  const rest = resp('SET', 'k', 'v').subarray(9);
  b.feed(rest, 0, sinkB);
  assert.equal(seen.slice(-1), [['b', 'SET', 'k', 'v']]);
});

lent('a command split over reads keeps its arguments while other clients\' commands parse in between', () => {
  const parsers = Array.from({ length: 4 }, () => new RespParser({ maxBulkLen: 1024 }));
  const got: string[][] = [];
  const sink: RespSink = { respCommand: (args) => got.push(texts(args)), respProtocolError: () => assert.unreachable() };
  const whole = parsers.map((_, i) => resp('MSET', `k${i}`, `value-${i}`, `j${i}`, 'x'.repeat(20 + i)));
  // Every parser gets its command one byte at a time, in turn: each holds a half-read command while the others parse.
  const at = parsers.map(() => 0);
  for (let step = 0; got.length < parsers.length && step < 10_000; step++) {
    const i = step % parsers.length;
    if (at[i] >= whole[i].length) continue;
    parsers[i].feed(whole[i].subarray(at[i], at[i] + 1), 0, sink);
    at[i]++;
  }
  assert.equal(
    got.sort((x, y) => x[1].localeCompare(y[1])),
    parsers.map((_, i) => ['MSET', `k${i}`, `value-${i}`, `j${i}`, 'x'.repeat(20 + i)]),
  );
});

lent('text commands in a sink that parses another text client', () => {
  const inner = new TextParser(1024);
  const outer = new TextParser(1024);
  const got: string[] = [];
  const innerSink: TextSink = { textCommand: (_op, args) => got.push(texts(args).join(' ')), textError: () => got.push('ERROR') };
  const outerSink: TextSink = {
    textCommand: (op, args) => {
      const before = texts(args);
      inner.feedLine(Buffer.from('PUT x 1\n'), 0, innerSink);
      assert.equal(texts(args), before);
      got.push(`${op === TextOp.GET ? 'get' : 'put'}: ${before.join(' ')}`);
    },
    textError: () => assert.unreachable(),
  };
  const line = Buffer.from('GET key with spaces\nPUT k v\n');
  for (let pos = 0; pos < line.length; ) pos = outer.feedLine(line, pos, outerSink);
  assert.equal(got, ['PUT x 1', 'get: GET key with spaces', 'PUT x 1', 'put: PUT k v']);
});

lent.run();
