/**
 * Redis's glob-style patterns (util.c stringmatchlen), for KEYS, SCAN MATCH and CONFIG GET:
 * `*` any run of chars, `?` one char, `[abc]` `[^abc]` `[a-z]` one char of (not of) a set, `\x`
 * the char x itself. Every quirk of Redis's parser is kept: a range's ends may come in either
 * order, `\` escapes inside a set too, an unterminated set takes the rest of the pattern, a
 * trailing lone `\` is a literal backslash, a non-empty pattern never matches the empty string,
 * and a pattern with more than 1000 `*` groups before its end never matches (Redis's recursion
 * limit).
 *
 * Redis matches recursively, backtracking over every `*`. Here the pattern is compiled once into
 * tokens and matched with one backtrack point (the last `*` seen): every other token matches
 * exactly one char, so a later `*` can always absorb what an earlier one would, and the match
 * takes at most pattern x text steps, never exponential time.
 */

const enum Tok {
  STAR,
  ANY,
  CHAR,
  SET,
}

interface Token {
  kind: Tok;
  /** CHAR: the char code. */
  code: number;
  /** SET: matched chars as [lo, hi] pairs (lo <= hi; a single char is lo = hi). */
  ranges: number[];
  /** SET: chars given escaped (`\x`), which Redis compares exactly even when case-insensitive. */
  exact: number[];
  negate: boolean;
}

/** Redis compares stars in nesting depth; depth above this never matches. */
const MAX_STAR_GROUPS = 1000;

export interface Glob {
  /** The pattern is exactly `*`: KEYS and SCAN skip matching then (so the empty key is listed). */
  readonly matchAll: boolean;
  matches(text: string): boolean;
}

/** Compiles a pattern (latin1, one char per byte); `nocase` folds ASCII letters as Redis does for CONFIG GET. */
export function compileGlob(pattern: string, nocase = false): Glob {
  const tokens = parse(pattern);
  let starGroups = 0;
  for (let i = 0; i < tokens.length - 1; i++) if (tokens[i].kind === Tok.STAR) starGroups++;
  const empty = pattern.length === 0;
  const hopeless = starGroups > MAX_STAR_GROUPS;
  return {
    matchAll: pattern === '*',
    matches: (text: string) => {
      // Redis's loop never starts on an empty string: only the empty pattern matches it.
      if (text.length === 0) return empty;
      if (hopeless) return false;
      return match(tokens, text, nocase);
    },
  };
}

/** One-off match, for a pattern used once. */
export function globMatch(pattern: string, text: string, nocase = false): boolean {
  return compileGlob(pattern, nocase).matches(text);
}

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const BACKSLASH = 0x5c;
const DASH = 0x2d;

function token(kind: Tok, code = 0): Token {
  return { kind, code, ranges: [], exact: [], negate: false };
}

/** Splits the pattern into tokens exactly where Redis's matcher would step. */
function parse(pattern: string): Token[] {
  const tokens: Token[] = [];
  const m = pattern.length;
  let p = 0;
  while (p < m) {
    const c = pattern.charCodeAt(p);
    if (c === STAR) {
      while (p + 1 < m && pattern.charCodeAt(p + 1) === STAR) p++;
      tokens.push(token(Tok.STAR));
    } else if (c === QUESTION) {
      tokens.push(token(Tok.ANY));
    } else if (c === OPEN) {
      const set = token(Tok.SET);
      p++;
      if (pattern.charCodeAt(p) === CARET) {
        set.negate = true;
        p++;
      }
      for (;;) {
        const left = m - p;
        const at = pattern.charCodeAt(p);
        if (at === BACKSLASH && left >= 2) {
          p++;
          set.exact.push(pattern.charCodeAt(p));
        } else if (at === CLOSE) {
          break;
        } else if (left <= 0) {
          // Unterminated: the set ends with the pattern (Redis steps back so the outer step ends it).
          p--;
          break;
        } else if (left >= 3 && pattern.charCodeAt(p + 1) === DASH) {
          const a = at;
          const b = pattern.charCodeAt(p + 2);
          set.ranges.push(Math.min(a, b), Math.max(a, b));
          p += 2;
        } else {
          set.ranges.push(at, at);
        }
        p++;
      }
      tokens.push(set);
    } else if (c === BACKSLASH && p + 1 < m) {
      p++;
      tokens.push(token(Tok.CHAR, pattern.charCodeAt(p)));
    } else {
      tokens.push(token(Tok.CHAR, c));
    }
    p++;
  }
  return tokens;
}

function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

function matchOne(t: Token, c: number, nocase: boolean): boolean {
  switch (t.kind) {
    case Tok.ANY:
      return true;
    case Tok.CHAR:
      return nocase ? lower(t.code) === lower(c) : t.code === c;
    default: {
      let hit = t.exact.includes(c);
      const r = t.ranges;
      const lc = nocase ? lower(c) : c;
      for (let i = 0; !hit && i < r.length; i += 2) {
        if (r[i] === r[i + 1]) hit = nocase ? lower(r[i]) === lc : r[i] === c;
        else hit = nocase ? lc >= lower(r[i]) && lc <= lower(r[i + 1]) : c >= r[i] && c <= r[i + 1];
      }
      return hit !== t.negate;
    }
  }
}

function match(tokens: Token[], text: string, nocase: boolean): boolean {
  const m = tokens.length;
  const n = text.length;
  let p = 0;
  let s = 0;
  /** Token after the last `*` seen, and where in the text that star's match ends now. */
  let resume = -1;
  let mark = 0;
  while (s < n) {
    if (p < m && tokens[p].kind === Tok.STAR) {
      p++;
      if (p === m) return true;
      resume = p;
      mark = s;
      continue;
    }
    if (p < m && matchOne(tokens[p], text.charCodeAt(s), nocase)) {
      p++;
      s++;
      continue;
    }
    if (resume < 0) return false;
    // Let the last star take one more char and retry what follows it.
    p = resume;
    s = ++mark;
  }
  while (p < m && tokens[p].kind === Tok.STAR) p++;
  return p === m;
}
