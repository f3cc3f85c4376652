import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * The source tree's shape, for every package (apps/*, libs/*): no import cycle inside a package,
 * type-only imports included (every relative specifier in `from '...'` or `import('...')` is an
 * edge, resolved to `<spec>.ts` or `<spec>/index.ts`), and no source file over about 300 lines.
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

test.run();
