import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { memStore, put, valueOf } from './store';
import { addLongDouble, formatLongDouble, isFiniteLongDouble, parseLongDouble } from '../src/commands/long-double';
import { run } from './run-command';

/**
 * INCRBYFLOAT's long double arithmetic: each case is what redis-server 7.0.15 (x86-64) answered
 * to SET f <start> then INCRBYFLOAT f <by>.
 */
const t = suite('node:long double (INCRBYFLOAT, HINCRBYFLOAT)');

const REDIS: [start: string, by: string, result: string][] = [
  ['0.1', '0.2', '0.3'],
  ['17179869184', '1.5', '17179869185.5'],
  ['17179869184', '17179869184', '34359738368'],
  ['9223372036854775807', '1.5', '9223372036854775808'],
  ['9223372036854775808', '0.5', '9223372036854775808'],
  ['0.3', '1e400', '10000000000000000000281880683947586514586453433629052038625910693539685534008629862039363994848324160522094053927317616200295822777259255734023828976593340661017797447434546173917862448116674971723778943824391593338047470675026246684401359237513603830343735485505244955964979021825038280091068414947402456898653040951017512658092615827588920183472511643316591362664138176309734806343732497430221946880'],
  ['1', '-1.1', '-0.1'],
  ['0.024390243902439025', '-0.024390243902439025', '0'],
  ['3.0e3', '0', '3000'],
  ['0x10', '0x1p3', '24'],
  ['0x.8', '-0.25', '0.25'],
  ['5.', '.5', '5.5'],
  ['-0', '-0', '0'],
  ['1e-20', '0', '0'],
  ['-1e-20', '0', '0'],
  ['123456789012345678901234567890', '1', '123456789012345678899921813504'],
  ['0.1', '0', '0.1'],
  ['2.5e-15', '1', '1.0000000000000025'],
  ['00012', '+3', '15'],
];

t('INCRBYFLOAT answers what redis-server answers, past doubles in range and precision', () => {
  for (const [start, by, result] of REDIS) {
    const lru = memStore(1 << 20);
    put(lru, 'f', start);
    assert.is(run(lru, 'INCRBYFLOAT', 'f', by), result, `${start} + ${by}`);
    assert.is(valueOf(lru, 'f'), result);
    assert.is(run(lru, 'HINCRBYFLOAT', 'h', 'x', start), formatLongDouble(parseLongDouble(start)!), 'a new field');
    assert.is(run(lru, 'HINCRBYFLOAT', 'h', 'x', by), result, `HINCRBYFLOAT ${start} + ${by}`);
  }
  const lru = memStore(1 << 20);
  put(lru, 'f', '1e4000');
  const sum = run(lru, 'INCRBYFLOAT', 'f', '1e4000') as string;
  assert.is(sum.length, 4001);
  assert.ok(sum.startsWith('1999999999999999999993092774619924756986'));
  put(lru, 'f', '1.18e4932');
  assert.equal(run(lru, 'INCRBYFLOAT', 'f', '1e4931'), { error: 'ERR increment would produce NaN or Infinity' }, 'past the long double range');
});

t("what strtold reads and string2ld refuses: spaces, NaN, overflow, underflow to zero, leftovers", () => {
  for (const text of ['', ' 1', '1 ', 'nan', '-nan', '1e5000', '1e-5000', '1e', '1e+', '.', 'e5', '0x', '1.2.3', 'abc', '1e999999999', '0x1p99999', 'x'.repeat(6000)]) {
    assert.is(parseLongDouble(text), undefined, JSON.stringify(text));
  }
  for (const [text, printed] of [['inf', 'inf'], ['-Infinity', '-inf'], ['+INF', 'inf'], ['0', '0'], ['-0', '0'], ['1e-4940', '0'], ['0e999999999', '0'], ['0x1P-2', '0.25'], ['1.5E3', '1500']]) {
    const value = parseLongDouble(text);
    assert.ok(value !== undefined, text);
    assert.is(formatLongDouble(value!), printed, text);
  }
  assert.not.ok(isFiniteLongDouble(addLongDouble(parseLongDouble('inf')!, parseLongDouble('-inf')!)), 'inf - inf is NaN');
  assert.not.ok(isFiniteLongDouble(addLongDouble(parseLongDouble('inf')!, parseLongDouble('1')!)));
});

t.run();
