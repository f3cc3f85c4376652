import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OutputLimit, outputLimitsText, parseOutputLimits } from '../src/pubsub/output-limit';

const MB = 1024 * 1024;

test("client-output-buffer-limit parses Redis's groups and units; CONFIG GET's text is Redis's", () => {
  const limits = parseOutputLimits('pubsub 32mb 8mb 60');
  assert.equal(limits, { pubsub: { hard: 32 * MB, soft: 8 * MB, softSeconds: 60 }, normal: { hard: 0, soft: 0, softSeconds: 0 }, replica: { hard: 256 * MB, soft: 64 * MB, softSeconds: 60 } });
  assert.is(outputLimitsText(limits as Exclude<typeof limits, string>), 'normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60');
  const two = parseOutputLimits('normal 1k 2K 3 PUBSUB 1gb 0 0');
  assert.equal(typeof two !== 'string' && [two.normal, two.pubsub], [{ hard: 1000, soft: 2000, softSeconds: 3 }, { hard: 1024 * MB, soft: 0, softSeconds: 0 }]);
  for (const bad of ['', 'pubsub 1mb 1mb', 'master 1 1 1', 'pubsub 1xb 1 1', 'pubsub 1 1 -1']) assert.type(parseOutputLimits(bad), 'string', bad);
});

test('past the hard limit at once; past the soft one only when it lasts longer than its seconds; back under starts over', () => {
  const limit = new OutputLimit({ hard: 100, soft: 50, softSeconds: 2 });
  assert.is(limit.exceeded(100, 0), true, 'hard');
  const soft = new OutputLimit({ hard: 100, soft: 50, softSeconds: 2 });
  assert.is(soft.exceeded(60, 1_000), false, 'first seen over soft');
  assert.is(soft.exceeded(60, 3_000), false, 'exactly 2 s over');
  assert.is(soft.exceeded(10, 3_001), false, 'under again');
  assert.is(soft.exceeded(60, 3_500), false, 'over again: the clock starts over');
  assert.is(soft.exceeded(60, 5_501), true, 'more than 2 s over');
  const off = new OutputLimit({ hard: 0, soft: 0, softSeconds: 0 });
  assert.is(off.exceeded(1e12, 0), false, '0 turns a limit off');
});

test.run();
