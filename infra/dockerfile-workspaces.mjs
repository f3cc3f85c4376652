// The `workspaces` rule of lint-dockerfile.mjs: every npm workspace of the build context's
// package.json reaches the image. It follows each stage's COPY (and ADD) instructions back to the
// build context, through `--from` stages and .dockerignore, and checks:
//   - before every `RUN npm ci`, the stage holds package.json, package-lock.json and every
//     workspace's package.json (npm lays out the workspace links from them);
//   - the final stage holds package.json and the built `main` (dist) of the workspace its CMD runs
//     and of every workspace that one depends on, transitively.
// A file counts as built in a stage that runs `tsc` after the workspace's tsconfig.json arrived
// from the context. What a RUN deletes is not followed: the real build test (e2e-docker) is the
// check of that.
import * as fs from 'node:fs';
import * as path from 'node:path';

/** The workspaces the context's package.json names, as { dir, name, main, dependencies }. */
export function contextWorkspaces(context) {
  const root = readJson(path.join(context, 'package.json'));
  const patterns = Array.isArray(root?.workspaces) ? root.workspaces : (root?.workspaces?.packages ?? []);
  const dirs = new Set();
  for (const pattern of patterns) {
    for (const dir of expand(context, pattern.replace(/^\.\//, '').replace(/\/$/, '').split('/'))) dirs.add(dir);
  }
  return [...dirs].sort().flatMap((dir) => {
    const manifest = readJson(path.join(context, dir, 'package.json'));
    if (!manifest) return [];
    return [{ dir, name: manifest.name, main: manifest.main ?? 'index.js', dependencies: Object.keys(manifest.dependencies ?? {}) }];
  });
}

/** Directories (relative to base) matching glob segments; `*` and `?` within a segment. */
function expand(base, segments, prefix = '') {
  if (segments.length === 0) return [prefix];
  const [head, ...rest] = segments;
  if (!/[*?]/.test(head)) return expand(base, rest, prefix ? `${prefix}/${head}` : head);
  const re = globRegExp(head, '[^/]');
  let entries = [];
  try {
    entries = fs.readdirSync(path.join(base, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && re.test(e.name))
    .flatMap((e) => expand(base, rest, prefix ? `${prefix}/${e.name}` : e.name));
}

function globRegExp(glob, any) {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      out += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (c === '*') out += `${any}*`;
    else if (c === '?') out += any;
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** .dockerignore matching: a path is ignored if it or a parent matches the last matching pattern. */
function dockerignore(context, dockerfile) {
  const beside = dockerfile ? `${dockerfile}.dockerignore` : null;
  const file = beside && fs.existsSync(beside) ? beside : path.join(context, '.dockerignore');
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return () => false;
  }
  const rules = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = path.posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '');
      return { negate, re: globRegExp(pattern, '[^/]') };
    });
  return (rel) => {
    const parts = rel.split('/');
    let ignored = false;
    for (const { negate, re } of rules) {
      for (let n = 1; n <= parts.length; n++) {
        if (re.test(parts.slice(0, n).join('/'))) {
          ignored = !negate;
          break;
        }
      }
    }
    return ignored;
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Checks the stages (as lintDockerfile parses them: { line, image, alias, body: [{ line, keyword,
 * args }] }) against the context's workspaces; calls report(line, message) per problem.
 */
export function checkWorkspaces(stages, { context, dockerfile, splitFlags, execForm }, report) {
  const workspaces = contextWorkspaces(context);
  if (workspaces.length === 0) return;
  const ignored = dockerignore(context, dockerfile);
  const inContext = (rel) => rel !== '' && !ignored(rel) && fs.existsSync(path.join(context, rel));
  const aliasIndex = new Map(stages.map((s, i) => [s.alias?.toLowerCase(), i]).filter(([a]) => a));

  // Per stage: its COPY/ADD entries and RUN lines in order, each with the WORKDIR it ran in.
  const model = stages.map((stage) => ({ base: aliasIndex.get(stage.image.toLowerCase()), steps: [] }));
  stages.forEach((stage, i) => {
    let workdir = model[i].base !== undefined ? null : '/';
    const dir = () => workdir ?? finalWorkdir(model[i].base);
    for (const ins of stage.body) {
      if (ins.keyword === 'WORKDIR') workdir = path.posix.resolve(dir(), ins.args);
      if (ins.keyword === 'RUN') model[i].steps.push({ line: ins.line, run: ins.args, workdir: dir() });
      if (ins.keyword === 'COPY' || ins.keyword === 'ADD') {
        const { flags, rest } = splitFlags(ins.args);
        const words = execForm(rest) ?? rest.split(/\s+/);
        const from = typeof flags.from !== 'string' ? undefined : /^\d+$/.test(flags.from) ? Number(flags.from) : (aliasIndex.get(flags.from.toLowerCase()) ?? null);
        const rawDest = words[words.length - 1];
        const dest = path.posix.resolve(dir(), rawDest);
        model[i].steps.push({ line: ins.line, from, sources: words.slice(0, -1), dest, intoDir: rawDest.endsWith('/') || words.length > 2 });
      }
    }
    model[i].workdir = dir();
  });
  function finalWorkdir(index) {
    return model[index].workdir ?? '/';
  }

  /** Where file (absolute) in stage index, before step `upto`, comes from: 'context', 'built' or null. */
  function origin(index, file, upto = Infinity, depth = 0) {
    if (depth > 32) return null;
    const { steps, base } = model[index];
    for (let s = Math.min(upto, steps.length) - 1; s >= 0; s--) {
      const step = steps[s];
      if (!step.sources) continue;
      if (file !== step.dest && !file.startsWith(step.dest === '/' ? '/' : `${step.dest}/`)) continue;
      const rel = path.posix.relative(step.dest, file);
      for (const source of [...step.sources].reverse()) {
        const candidates = [rel === '' ? source : path.posix.join(source, rel)];
        if (step.intoDir && rel === path.posix.basename(source)) candidates.push(source);
        for (const candidate of candidates) {
          if (step.from === undefined) {
            if (inContext(path.posix.normalize(candidate).replace(/^\.?\/+/, '').replace(/^\.$/, ''))) return 'context';
          } else if (step.from !== null) {
            const found = origin(step.from, path.posix.resolve('/', candidate), Infinity, depth + 1);
            if (found) return found;
          }
        }
      }
    }
    if (base !== undefined) {
      const inherited = origin(base, file, Infinity, depth + 1);
      if (inherited) return inherited;
    }
    // Built here: a dist file of a workspace whose tsconfig.json arrived before a RUN of tsc.
    for (let s = Math.min(upto, steps.length) - 1; s >= 0; s--) {
      const step = steps[s];
      if (!step.run || !/\btsc\b/.test(step.run)) continue;
      for (const ws of workspaces) {
        const dist = path.posix.join(step.workdir, ws.dir, 'dist');
        if (file.startsWith(`${dist}/`) && origin(index, path.posix.join(step.workdir, ws.dir, 'tsconfig.json'), s, depth + 1) === 'context') return 'built';
      }
    }
    return null;
  }

  const manifests = ['package.json', 'package-lock.json', ...workspaces.map((ws) => `${ws.dir}/package.json`)];
  model.forEach((stage, index) => {
    stage.steps.forEach((step, s) => {
      if (!step.run || !/\bnpm\s+ci\b/.test(step.run)) return;
      const missing = manifests.filter((m) => origin(index, path.posix.join(step.workdir, m), s) === null);
      if (missing.length > 0) {
        report(step.line, `npm ci runs without ${missing.join(', ')} (from package.json "workspaces"): copy every workspace's package.json into the stage before it`);
      }
    });
  });

  const finalIndex = stages.length - 1;
  const final = stages[finalIndex];
  const cmds = final.body.filter((ins) => ins.keyword === 'CMD');
  const cmd = cmds.length ? execForm(cmds[cmds.length - 1].args) : null;
  const script = cmd?.find((arg, i) => i > 0 && !arg.startsWith('-'));
  if (!script) return;
  const workdir = model[finalIndex].workdir;
  const scriptRel = path.posix.relative(workdir, path.posix.resolve(workdir, script));
  const start = workspaces.find((ws) => scriptRel.startsWith(`${ws.dir}/`));
  if (!start) return;
  const byName = new Map(workspaces.map((ws) => [ws.name, ws]));
  const needed = new Map();
  const visit = (ws) => {
    if (needed.has(ws.dir)) return;
    needed.set(ws.dir, ws);
    for (const dep of ws.dependencies) if (byName.has(dep)) visit(byName.get(dep));
  };
  visit(start);
  const files = ['package.json', scriptRel];
  for (const ws of needed.values()) files.push(`${ws.dir}/package.json`, path.posix.join(ws.dir, ws.main));
  const missing = [...new Set(files)].filter((f) => origin(finalIndex, path.posix.join(workdir, f)) === null);
  if (missing.length > 0) {
    report(final.line, `the final stage lacks ${missing.join(', ')}: ${start.dir} (its CMD) loads ${[...needed.keys()].join(', ')}`);
  }
}
