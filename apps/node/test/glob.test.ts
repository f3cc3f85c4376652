import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { compileGlob, globMatch } from '../src/commands/glob';

const t = suite('node:glob');

/**
 * Redis's recursive stringmatchlen (util.c, 7.0), transcribed step for step as the oracle: a byte
 * past the end of the pattern reads as the NUL an sds string ends with.
 */
function redisMatch(pattern: string, text: string, nocase = false): boolean {
  const skip = { longer: false };
  const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
  const impl = (pi: number, plen: number, si: number, slen: number, nesting: number): boolean => {
    const pat = (i: number) => (pi + i < pattern.length ? pattern.charCodeAt(pi + i) : 0);
    const str = (i: number) => text.charCodeAt(si + i);
    if (nesting > 1000) return false;
    while (plen && slen) {
      const c = pat(0);
      if (c === 0x2a) {
        while (plen && pat(1) === 0x2a) {
          pi++;
          plen--;
        }
        if (plen === 1) return true;
        while (slen) {
          if (impl(pi + 1, plen - 1, si, slen, nesting + 1)) return true;
          if (skip.longer) return false;
          si++;
          slen--;
        }
        skip.longer = true;
        return false;
      } else if (c === 0x3f) {
        si++;
        slen--;
      } else if (c === 0x5b) {
        pi++;
        plen--;
        const not = pat(0) === 0x5e;
        if (not) {
          pi++;
          plen--;
        }
        let hit = false;
        for (;;) {
          if (pat(0) === 0x5c && plen >= 2) {
            pi++;
            plen--;
            if (pat(0) === str(0)) hit = true;
          } else if (pat(0) === 0x5d) {
            break;
          } else if (plen === 0) {
            pi--;
            plen++;
            break;
          } else if (plen >= 3 && pat(1) === 0x2d) {
            let start = pat(0);
            let end = pat(2);
            let ch = str(0);
            if (start > end) [start, end] = [end, start];
            if (nocase) {
              start = lower(start);
              end = lower(end);
              ch = lower(ch);
            }
            pi += 2;
            plen -= 2;
            if (ch >= start && ch <= end) hit = true;
          } else if (nocase ? lower(pat(0)) === lower(str(0)) : pat(0) === str(0)) {
            hit = true;
          }
          pi++;
          plen--;
        }
        if (not) hit = !hit;
        if (!hit) return false;
        si++;
        slen--;
      } else {
        if (c === 0x5c && plen >= 2) {
          pi++;
          plen--;
        }
        if (nocase ? lower(pat(0)) !== lower(str(0)) : pat(0) !== str(0)) return false;
        si++;
        slen--;
      }
      pi++;
      plen--;
      if (slen === 0) {
        while (pat(0) === 0x2a) {
          pi++;
          plen--;
        }
        break;
      }
    }
    return plen === 0 && slen === 0;
  };
  return impl(0, pattern.length, 0, text.length, 0);
}

/** Cases checked against redis-server 7.0.15 with KEYS. */
const CASES: [string, string, boolean][] = [
  ['*', 'anything', true],
  ['h?llo', 'hello', true],
  ['h?llo', 'hllo', false],
  ['h*llo', 'hllo', true],
  ['h*llo', 'heeeello', true],
  ['h[ae]llo', 'hallo', true],
  ['h[ae]llo', 'hillo', false],
  ['h[^e]llo', 'hallo', true],
  ['h[^e]llo', 'hello', false],
  ['h[a-b]llo', 'hbllo', true],
  ['h[b-a]llo', 'hallo', true],
  ['h[a-b]llo', 'hcllo', false],
  ['h\\*llo', 'h*llo', true],
  ['h\\*llo', 'hello', false],
  ['[\\]]', ']', true],
  ['[a-]', 'b', false],
  ['[a-]', ']', true],
  ['[a-]', '^', true],
  ['[abc', 'b', true],
  ['[abc', 'bc', false],
  ['[', 'x', false],
  ['[^', 'x', true],
  ['ab\\', 'ab\\', true],
  ['a*b*c', 'aXbYc', true],
  ['a*b*c', 'aXbY', false],
  ['*a', 'ba', true],
  ['*a', 'ab', false],
  ['a**', 'a', true],
  ['**', '', false],
  ['', '', true],
  ['', 'a', false],
  ['k[0-9]*', 'k12', true],
  ['k[0-9]*', 'kx2', false],
];

t('agrees with Redis on the syntax and its quirks', () => {
  for (const [pattern, text, expected] of CASES) {
    assert.is(globMatch(pattern, text), expected, `${JSON.stringify(pattern)} vs ${JSON.stringify(text)}`);
    assert.is(redisMatch(pattern, text), expected, `oracle: ${JSON.stringify(pattern)} vs ${JSON.stringify(text)}`);
  }
});

t('nocase folds ASCII letters, as CONFIG GET matches', () => {
  assert.ok(globMatch('MAXMEM*', 'maxmemory', true));
  assert.ok(globMatch('[A-Z]ax*', 'max', true));
  assert.not.ok(globMatch('MAXMEM*', 'maxmemory'));
});

t('agrees with Redis on random patterns and strings', () => {
  let seed = 12345;
  const rand = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const patternChars = 'ab*?[]^-\\';
  const textChars = 'ab]-^\\*';
  for (let i = 0; i < 100_000; i++) {
    let pattern = '';
    let text = '';
    for (let j = rand(9); j > 0; j--) pattern += patternChars[rand(patternChars.length)];
    for (let j = rand(8); j > 0; j--) text += textChars[rand(textChars.length)];
    const nocase = rand(4) === 0;
    const ours = globMatch(pattern, nocase ? text.toUpperCase() : text, nocase);
    const theirs = redisMatch(pattern, nocase ? text.toUpperCase() : text, nocase);
    if (ours !== theirs) assert.unreachable(`${JSON.stringify(pattern)} vs ${JSON.stringify(text)} nocase=${nocase}: ours ${ours}, Redis ${theirs}`);
  }
});

t('more than 1000 star groups before the end never match, as in Redis', () => {
  const text = 'a'.repeat(1100);
  assert.ok(globMatch('*a'.repeat(1000), text));
  assert.not.ok(globMatch('*a'.repeat(1001), text));
  assert.ok(globMatch('a*'.repeat(1001), text), 'a trailing star group does not count');
});

t('pathological patterns finish fast', () => {
  const text = 'a'.repeat(5000);
  const pattern = '*a'.repeat(100) + 'b';
  const start = Date.now();
  assert.not.ok(globMatch(pattern, text));
  assert.ok(Date.now() - start < 1000, `took ${Date.now() - start} ms`);
});

t('a compiled pattern is reusable and says when it matches everything', () => {
  const g = compileGlob('user:*');
  assert.ok(g.matches('user:1'));
  assert.not.ok(g.matches('item:1'));
  assert.not.ok(g.matchAll);
  assert.ok(compileGlob('*').matchAll);
});

t.run();
