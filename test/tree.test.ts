import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { COMMANDS } from '@kv/node';
import { errorReplies, nameSpecialCases } from './source-rules';

/**
 * The source tree's shape, for every package (apps/*, libs/*): no import cycle inside a package,
 * type-only imports included (every relative specifier in `from '...'` or `import('...')` is an
 * edge, resolved to `<spec>.ts` or `<spec>/index.ts`), no source file over about 300 lines, no
 * command special-cased by its name outside the command table (a field of the table says it),
 * and no error reply spelt outside its package's table of errors (test/source-rules.ts).
 */
const test = suite('source tree');

const ROOT = path.resolve(__dirname, '..');
/** "About 300 lines": a file past this is split where its parts have seams. */
const MAX_LINES = 320;
const PACKAGES = ['apps', 'libs'].flatMap((group) =>
  fs
    .readdirSync(path.join(ROOT, group))
    .map((name) => path.join(ROOT, group, name, 'src'))
    .filter((src) => fs.existsSync(src)),
);
const SPECIFIER = /\bfrom\s+['"](\.{1,2}\/[^'"]*)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]*)['"]\s*\)/g;

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [full] : [];
  });
}

function resolve(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier.replace(/\.js$/, ''));
  return [`${base}.ts`, path.join(base, 'index.ts'), base].find((file) => file.endsWith('.ts') && fs.existsSync(file));
}

function importGraph(src: string, files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    const edges: string[] = [];
    for (const match of text.matchAll(SPECIFIER)) {
      const target = resolve(file, match[1] ?? match[2]);
      if (target === undefined) throw new Error(`${path.relative(src, file)}: cannot resolve ${match[1] ?? match[2]}`);
      edges.push(target);
    }
    graph.set(file, edges);
  }
  return graph;
}

/** Every cycle found by a depth-first walk, each as the files on it, first file repeated last. */
export function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const found: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      if (state.get(next) === 'open') found.push([...stack.slice(stack.indexOf(next)), next]);
      else if (state.get(next) === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of graph.keys()) if (state.get(file) === undefined) visit(file);
  return found;
}

test('the walk finds a cycle it is given', () => {
  const graph = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.equal(cycles(graph), [['a', 'b', 'c', 'a']]);
  assert.equal(cycles(new Map([['a', ['b']], ['b', []]])), []);
});

test('the packages are found', () => {
  const names = PACKAGES.map((src) => path.relative(ROOT, path.dirname(src)));
  for (const name of ['apps/router', 'apps/node', 'libs/wire', 'libs/lru']) assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
});

for (const src of PACKAGES) {
  const name = path.relative(ROOT, path.dirname(src));
  test(`${name}: no import cycle`, () => {
    const files = sourceFiles(src);
    const graph = importGraph(src, files);
    if (files.length > 3) assert.ok([...graph.values()].some((edges) => edges.length > 0), 'found no relative import at all');
    const found = cycles(graph).map((cycle) => cycle.map((file) => path.relative(src, file)).join(' -> '));
    assert.equal(found, [], `import cycles:\n  ${found.join('\n  ')}`);
  });
  test(`${name}: no source file over ${MAX_LINES} lines`, () => {
    const long = sourceFiles(src)
      .map((file) => [path.relative(ROOT, file), fs.readFileSync(file, 'utf8').split('\n').length - 1] as const)
      .filter(([, lines]) => lines > MAX_LINES)
      .map(([file, lines]) => `${file}: ${lines}`);
    assert.equal(long, [], `files over ${MAX_LINES} lines:\n  ${long.join('\n  ')}`);
  });
}

const NAMES: ReadonlySet<string> = new Set(COMMANDS.map((spec) => spec.name));
/** The command table itself: the one place a command's name is written as data. */
const TABLE = 'apps/node/src/commands/table.ts';
/**
 * Literals that name a command but are compared as something else: an option or a subcommand of
 * the same spelling. Each is checked to still be there, so the list cannot rot.
 */
const NOT_COMMAND_NAMES: readonly [file: string, literal: string, why: string][] = [
  ['apps/node/src/commands/string-options.ts', "'GET'", "SET's GET option"],
  ['apps/node/src/commands/sort.ts', "'GET'", "SORT's GET option"],
  ['apps/node/src/commands/string-options.ts', "'PERSIST'", "GETEX's PERSIST option"],
  ['apps/node/src/commands/scan.ts', "'TYPE'", "SCAN's TYPE option"],
  ['apps/router/src/commands/client.ts', "'TYPE'", "CLIENT LIST's TYPE option"],
  ['apps/router/src/commands/client.ts', "'INFO'", 'the CLIENT INFO subcommand'],
  ['apps/router/src/commands/server.ts', "'INFO'", 'the COMMAND INFO subcommand'],
  ['apps/router/src/commands/connection.ts', "'AUTH'", "HELLO's AUTH option"],
  ['apps/router/src/operator/slowlog.ts', "'AUTH'", "HELLO's AUTH option, whose arguments SLOWLOG redacts"],
  ['apps/router/src/commands/scripting.ts', "'EXISTS'", 'the SCRIPT EXISTS subcommand'],
  ['apps/router/src/admin/admin.ts', "'GET'", 'an HTTP method'],
  ['apps/router/src/admin/workers.ts', "'GET'", 'an HTTP method'],
  ['apps/node/src/commands/zsets.ts', "'INCR'", "ZADD's INCR option"],
  ['apps/node/src/commands/key-events.ts', "'INCR'", "ZADD's INCR option, which makes its event zincr"],
];
/** The files that hold a package's error replies. */
const ERROR_TABLES = /(^|\/)(errors|reply-errors)\.ts$/;

const names = suite('source tree: commands by their table entries, errors by their tables');

names('the name check finds every way of picking a command by its name, and nothing else', () => {
  const caught = (code: string) => nameSpecialCases(code, NAMES).length;
  for (const code of [
    "if (spec.name === 'EXEC') run();",
    "if ('MULTI' !== spec.name) run();",
    "switch (spec.name) { case 'MULTI': break; }",
    "const OPEN = new Set(['AUTH', 'HELLO', 'QUIT']);",
    "if (['EXEC'].includes(spec.name)) run();",
    "const NOT_QUEUED = ['EXEC', 'DISCARD'];",
    "const bySha = spec.name.startsWith('EVALSHA');",
    "const ro = spec.name.endsWith('EVAL_RO');",
    "if (args.latin1(0) === 'EVALHERE') run();",
    "if (spec.name.toLowerCase() === 'exec') run();",
    "const mode = spec.name as 'MSET' | 'MSETNX';",
    "type Mode = 'MSET' | 'MGET';",
  ]) assert.ok(caught(code) > 0, `not caught: ${code}`);
  for (const code of [
    "if (option === 'FOO') run();",
    "const TXHOLD = commandNamed('TXHOLD');",
    "const args = argsOf(['TXPREPARE', id, mode]);",
    "log('info', 'x');",
    "switch (message.t) { case 'stats': break; }",
    "// if (spec.name === 'EXEC') in a comment",
    "const text = \"spec.name === 'EXEC' in a string\";",
  ]) assert.is(caught(code), 0, `caught: ${code}`);
});

names('the error check finds error replies spelt as literals or templates', () => {
  assert.is(errorReplies("reply.error('ERR syntax error');").length, 1);
  assert.is(errorReplies('reply.error(`ERR ${message}`);').length, 1);
  assert.is(errorReplies("socket.end('-ERR max number of clients reached');").length, 1);
  assert.is(errorReplies("const x = 'WRONGTYPE Operation';").length, 1);
  assert.is(errorReplies("out.all('ERROR\\n'); // ERR in a comment").length, 0);
});

names('no source file outside the command table picks a command by its name', () => {
  const allowed = new Set(NOT_COMMAND_NAMES.map(([file, literal]) => `${file}|${literal}`));
  const used = new Set<string>();
  const found: string[] = [];
  for (const src of PACKAGES) {
    for (const file of sourceFiles(src)) {
      const rel = path.relative(ROOT, file);
      // The error tables' probes are commands to send, as data.
      if (rel === TABLE || ERROR_TABLES.test(rel)) continue;
      for (const f of nameSpecialCases(fs.readFileSync(file, 'utf8'), NAMES, file)) {
        const literal = NOT_COMMAND_NAMES.find(([allowedFile, lit]) => allowedFile === rel && f.text.includes(lit));
        if (literal !== undefined && allowed.has(`${rel}|${literal[1]}`)) {
          used.add(`${rel}|${literal[1]}`);
          continue;
        }
        found.push(`${rel}:${f.line}: ${f.rule}: ${f.text}`);
      }
    }
  }
  assert.equal(found, [], `special cases by name (make each a field of the table):\n  ${found.join('\n  ')}`);
  assert.equal([...allowed].filter((a) => !used.has(a)), [], 'allowed literals no longer there (take them off the list)');
});

names('no error reply is spelt outside its package\'s table of errors', () => {
  const found: string[] = [];
  for (const src of PACKAGES) {
    for (const file of sourceFiles(src)) {
      const rel = path.relative(ROOT, file);
      if (ERROR_TABLES.test(rel)) continue;
      for (const f of errorReplies(fs.readFileSync(file, 'utf8'), file)) found.push(`${rel}:${f.line}: ${f.text}`);
    }
  }
  assert.equal(found, [], `error replies outside the tables:\n  ${found.join('\n  ')}`);
});

test.run();
names.run();
