#!/usr/bin/env node
// Offline Dockerfile lint (node, no dependencies) for the rules this project cares about. hadolint
// is not in Debian bookworm and its npm wrapper downloads the binary from GitHub when run, so CI
// cannot use it; this script is the gate instead.
//
//   node infra/lint-dockerfile.mjs [--port N] [--context DIR] [Dockerfile ...]   (default: infra/Dockerfile)
//
// Prints `file:line: [rule] message` per problem and exits 1 if there is any, 0 if none, 2 if a file
// cannot be read or the arguments are wrong. Rules:
//   syntax          known instructions only; only ARG before the first FROM
//   multi-stage     at least two FROM stages (build tools stay out of the runtime image)
//   pinned-base     every base image (not an earlier stage, not scratch) has an explicit tag or digest
//   no-latest       no base image tagged `latest`
//   non-root-user   the final stage switches to a non-root USER before its CMD
//   expose          the final stage EXPOSEs the server port (7171 unless --port)
//   healthcheck     the final stage has a HEALTHCHECK (not NONE)
//   exec-form-cmd   the final stage has a CMD in exec (JSON array) form; so is any ENTRYPOINT, so
//                   the server is PID 1 and gets SIGTERM itself instead of through /bin/sh -c
//   no-add-url      no ADD of a URL or git source (use a pinned package or COPY)
//   npm-ci          RUN uses `npm ci` (lockfile-exact), never `npm install` / `npm i` / `npm add`
//   workspaces      every workspace of the build context's package.json reaches the image: each
//                   `npm ci` has every workspace's package.json, the final stage the dist of every
//                   workspace its CMD loads (dockerfile-workspaces.mjs). The context is --context,
//                   else the nearest folder above the Dockerfile whose package.json has workspaces.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkWorkspaces } from './dockerfile-workspaces.mjs';

const INSTRUCTIONS = new Set([
  'FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT',
  'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL',
]);

/** Splits a Dockerfile into instructions: { line, keyword, args }, continuations and heredocs joined. */
export function parseDockerfile(text) {
  const lines = text.split(/\r?\n/);
  let escape = '\\';
  // Parser directives: leading `# key=value` comments before anything else.
  for (const raw of lines) {
    const directive = /^#\s*([a-zA-Z]+)\s*=\s*(\S+)\s*$/.exec(raw);
    if (!directive) break;
    if (directive[1].toLowerCase() === 'escape') escape = directive[2];
  }
  const out = [];
  let i = 0;
  while (i < lines.length) {
    const start = i;
    let text = lines[i].trim();
    i++;
    if (text === '' || text.startsWith('#')) continue;
    // Continuation lines; comment and blank lines inside a continuation are dropped, as Docker does.
    while (text.endsWith(escape) && i < lines.length) {
      text = text.slice(0, -escape.length);
      let next = lines[i].trim();
      i++;
      while ((next === '' || next.startsWith('#')) && i < lines.length) {
        next = lines[i].trim();
        i++;
      }
      text += ' ' + next;
    }
    // Heredocs (`RUN <<EOF ... EOF`): the body belongs to the instruction.
    for (const m of text.matchAll(/<<-?(["']?)([A-Za-z_][A-Za-z0-9_]*)\1/g)) {
      const end = m[2];
      while (i < lines.length && lines[i].trim() !== end) text += '\n' + lines[i++];
      i++;
    }
    const sp = text.search(/\s/);
    const keyword = (sp < 0 ? text : text.slice(0, sp)).toUpperCase();
    const args = sp < 0 ? '' : text.slice(sp + 1).trim();
    out.push({ line: start + 1, keyword, args });
  }
  return out;
}

/** Leading `--flag=value` / `--flag` options of an instruction, and the rest. */
function splitFlags(args) {
  const flags = {};
  let rest = args;
  for (;;) {
    const m = /^--([a-zA-Z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!m) return { flags, rest };
    flags[m[1]] = m[2] ?? true;
    rest = rest.slice(m[0].length);
  }
}

/** The JSON array of an exec-form instruction, or null for shell form. */
function execForm(args) {
  if (!args.startsWith('[')) return null;
  try {
    const value = JSON.parse(args);
    return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** Splits an image reference into name, tag and digest (a registry port is not a tag). */
function parseImage(ref) {
  let rest = ref;
  let digest = null;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  const tag = colon > slash ? rest.slice(colon + 1) : null;
  const name = colon > slash ? rest.slice(0, colon) : rest;
  return { name, tag, digest };
}

/** Substitutes $VAR / ${VAR} / ${VAR:-default} from the given ARG defaults. */
function expand(value, vars) {
  return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-+]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_, braced, dflt, bare) => {
    const name = braced ?? bare;
    return vars.has(name) ? vars.get(name) : (dflt ?? '');
  });
}

/**
 * Checks a parsed Dockerfile; returns [{ line, rule, message }]. With `context` (the build context
 * folder) and `dockerfile` (its path, for <Dockerfile>.dockerignore), the workspaces rule runs too.
 */
export function lintDockerfile(text, { port = 7171, context = null, dockerfile = null } = {}) {
  const problems = [];
  const report = (line, rule, message) => problems.push({ line, rule, message });
  const instructions = parseDockerfile(text);
  const globalArgs = new Map();
  const stages = [];

  for (const ins of instructions) {
    if (!INSTRUCTIONS.has(ins.keyword)) {
      report(ins.line, 'syntax', `unknown instruction ${ins.keyword}`);
      continue;
    }
    if (ins.keyword === 'FROM') {
      const { rest } = splitFlags(ins.args);
      const [image = '', as, alias] = rest.split(/\s+/);
      stages.push({ line: ins.line, image, alias: as?.toUpperCase() === 'AS' ? alias : undefined, body: [] });
      continue;
    }
    if (stages.length === 0) {
      if (ins.keyword === 'ARG') {
        const [name, ...value] = ins.args.split('=');
        globalArgs.set(name.trim(), value.join('=').replace(/^["']|["']$/g, ''));
      } else {
        report(ins.line, 'syntax', `${ins.keyword} before the first FROM (only ARG may come first)`);
      }
      continue;
    }
    stages[stages.length - 1].body.push(ins);
  }

  if (stages.length === 0) {
    report(1, 'syntax', 'no FROM instruction');
    return problems;
  }
  if (stages.length < 2) {
    report(stages[0].line, 'multi-stage', 'single-stage build: build in one stage and copy only the output into a runtime stage');
  }

  const aliases = new Set();
  for (const stage of stages) {
    const ref = expand(stage.image, globalArgs);
    if (ref === '') {
      report(stage.line, 'syntax', 'FROM without an image');
    } else if (aliases.has(ref.toLowerCase()) || ref === 'scratch') {
      // An earlier stage or the empty image: nothing to pin.
    } else if (ref.includes('$')) {
      report(stage.line, 'pinned-base', `base image ${stage.image} depends on a variable without a default; pin it`);
    } else {
      const { name, tag, digest } = parseImage(ref);
      if (tag === 'latest') {
        report(stage.line, 'no-latest', `base image ${ref} uses the moving tag "latest"; pin a version tag such as ${name}:24-bookworm-slim`);
      } else if (!tag && !digest) {
        report(stage.line, 'pinned-base', `base image ${ref} has no tag (means "latest"); pin a version tag or digest`);
      }
    }
    if (stage.alias) aliases.add(stage.alias.toLowerCase());
  }

  for (const stage of stages) {
    for (const ins of stage.body) {
      if (ins.keyword === 'ADD') {
        const { rest } = splitFlags(ins.args);
        const sources = execForm(rest)?.slice(0, -1) ?? rest.split(/\s+/).slice(0, -1);
        for (const src of sources) {
          if (/^(https?|git|ssh):\/\/|^git@|\.git(#.*)?$/i.test(src)) {
            report(ins.line, 'no-add-url', `ADD ${src} fetches at build time, unpinned and unverified; use COPY of a vendored file or a package manager`);
          }
        }
      }
      if (ins.keyword === 'RUN') {
        const m = /\bnpm\s+(install|i|add|isntall)(?=\s|$|;|&|\|)/.exec(ins.args);
        if (m) report(ins.line, 'npm-ci', `RUN uses "npm ${m[1]}"; use "npm ci" so the image gets exactly the lockfile's versions`);
      }
    }
  }

  // Rules for the image that ships: the last stage.
  const final = stages[stages.length - 1];
  const where = `final stage (FROM ${final.image}, line ${final.line})`;
  const cmds = final.body.filter((ins) => ins.keyword === 'CMD');
  const cmd = cmds[cmds.length - 1];
  if (!cmd) {
    report(final.line, 'exec-form-cmd', `${where} has no CMD`);
  } else if (!execForm(cmd.args)) {
    report(cmd.line, 'exec-form-cmd', `CMD ${cmd.args} is shell form (runs under /bin/sh -c, which does not forward SIGTERM); write it as a JSON array`);
  }
  for (const ins of final.body) {
    if (ins.keyword === 'ENTRYPOINT' && !execForm(ins.args)) {
      report(ins.line, 'exec-form-cmd', `ENTRYPOINT ${ins.args} is shell form; write it as a JSON array`);
    }
  }

  const cmdIndex = cmd ? final.body.indexOf(cmd) : final.body.length;
  const users = final.body.slice(0, cmdIndex).filter((ins) => ins.keyword === 'USER');
  const user = users[users.length - 1];
  if (!user) {
    report(cmd?.line ?? final.line, 'non-root-user', `${where} runs as root: add USER node (or another non-root user) before CMD`);
  } else {
    const name = expand(user.args, globalArgs).split(':')[0].trim();
    if (name === '' || name === 'root' || name === '0') {
      report(user.line, 'non-root-user', `USER ${user.args} is root; the server must run as a non-root user`);
    }
  }

  const exposed = final.body
    .filter((ins) => ins.keyword === 'EXPOSE')
    .flatMap((ins) => ins.args.split(/\s+/))
    .map((p) => p.replace(/\/tcp$/i, ''));
  if (!exposed.includes(String(port))) {
    report(final.line, 'expose', `${where} does not EXPOSE ${port}`);
  }

  const healthchecks = final.body.filter((ins) => ins.keyword === 'HEALTHCHECK');
  const healthcheck = healthchecks[healthchecks.length - 1];
  if (!healthcheck) {
    report(final.line, 'healthcheck', `${where} has no HEALTHCHECK`);
  } else if (/^NONE$/i.test(splitFlags(healthcheck.args).rest)) {
    report(healthcheck.line, 'healthcheck', 'HEALTHCHECK NONE disables the health check');
  } else if (!/^CMD\s/i.test(splitFlags(healthcheck.args).rest)) {
    report(healthcheck.line, 'healthcheck', 'HEALTHCHECK needs CMD <command>');
  }

  if (context !== null) {
    checkWorkspaces(stages, { context, dockerfile, splitFlags, execForm }, (line, message) => report(line, 'workspaces', message));
  }

  return problems.sort((a, b) => a.line - b.line);
}

/** The nearest folder at or above dir whose package.json declares workspaces, or null. */
export function workspaceRoot(dir) {
  for (let at = path.resolve(dir); ; at = path.dirname(at)) {
    try {
      if (JSON.parse(fs.readFileSync(path.join(at, 'package.json'), 'utf8')).workspaces) return at;
    } catch {
      // No package.json here, or not JSON.
    }
    if (path.dirname(at) === at) return null;
  }
}

function main(argv) {
  const files = [];
  let port = 7171;
  let context = null;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--port') {
      port = Number(argv[++i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        process.stderr.write('lint-dockerfile: --port needs a port number\n');
        return 2;
      }
    } else if (argv[i] === '--context') {
      context = argv[++i];
      if (!context || !fs.existsSync(path.join(context, 'package.json'))) {
        process.stderr.write('lint-dockerfile: --context needs a folder holding a package.json\n');
        return 2;
      }
    } else if (argv[i] === '--help' || argv[i] === '-h') {
      process.stdout.write('usage: node infra/lint-dockerfile.mjs [--port N] [--context DIR] [Dockerfile ...]\n');
      return 0;
    } else {
      files.push(argv[i]);
    }
  }
  if (files.length === 0) files.push(path.join(path.dirname(fileURLToPath(import.meta.url)), 'Dockerfile'));
  let status = 0;
  for (const file of files) {
    const relative = path.relative(process.cwd(), file);
    const shown = relative && !relative.startsWith('..') ? relative : file;
    let text;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      process.stderr.write(`lint-dockerfile: cannot read ${shown}: ${err.message}\n`);
      return 2;
    }
    const problems = lintDockerfile(text, { port, context: context ?? workspaceRoot(path.dirname(file)), dockerfile: file });
    for (const p of problems) process.stdout.write(`${shown}:${p.line}: [${p.rule}] ${p.message}\n`);
    if (problems.length > 0) {
      process.stdout.write(`${shown}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
      status = 1;
    } else {
      process.stdout.write(`${shown}: ok\n`);
    }
  }
  return status;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
