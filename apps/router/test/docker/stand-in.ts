import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onPath } from './daemon';

// A stand-in for the Dockerfile's `FROM node:<major>-...` image, made from this machine (no image
// registry is reachable here): this Node as /usr/local/bin/node, npm beside it, the shell and the few
// tools the Dockerfile's RUN lines use, the libraries `ldd` lists for each, the CA bundle with
// NODE_EXTRA_CA_CERTS pointing at it, a `node` user (uid 1000) and /tmp. `docker import` makes it
// an image under the FROM name.

const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
/** Tools the Dockerfile's RUN lines and npm's `#!/usr/bin/env node` scripts need, besides sh. */
const TOOLS = ['env', 'find', 'rm', 'cat', 'ls'];

/** The Node binary to put in the image: this one if its major is `major`, else /opt/node<major>. */
export function nodeForMajor(major: number): string | null {
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath;
  const candidate = `/opt/node${major}/bin/node`;
  return fs.existsSync(candidate) ? candidate : null;
}

/** The npm package folder of the `npm` on PATH (npm-cli.js's package), or null. */
export function npmPackageDir(): string | null {
  const npm = onPath('npm');
  if (npm === null) return null;
  const dir = path.dirname(path.dirname(fs.realpathSync(npm)));
  return fs.existsSync(path.join(dir, 'bin', 'npm-cli.js')) ? dir : null;
}

/** The shared libraries a dynamically linked binary loads, as `ldd` lists them (the loader included). */
function libraries(binary: string): string[] {
  const out = execFileSync('ldd', [binary], { encoding: 'utf8' });
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m) libs.push(m[1]);
  }
  return libs;
}

function copyFile(root: string, from: string, to: string, mode?: number): void {
  const dest = path.join(root, to);
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.copyFileSync(from, dest);
  if (mode !== undefined) fs.chmodSync(dest, mode);
}

/** Builds the stand-in's root filesystem under root and returns the `docker import --change` lines. */
export function buildRootfs(root: string, node: string, npmDir: string): string[] {
  const shell = onPath('dash') ?? fs.realpathSync('/bin/sh');
  const binaries: [string, string][] = [
    [node, '/usr/local/bin/node'],
    [shell, '/bin/sh'],
    ...TOOLS.map((tool): [string, string] => {
      const file = onPath(tool);
      if (file === null) throw new Error(`${tool} is not on PATH`);
      return [file, `/usr/bin/${tool}`];
    }),
  ];
  const libs = new Set<string>();
  for (const [from, to] of binaries) {
    copyFile(root, from, to, 0o755);
    for (const lib of libraries(from)) libs.add(lib);
  }
  for (const lib of libs) copyFile(root, lib, lib, 0o755);

  // npm as in the official images: /usr/local/lib/node_modules/npm, linked from /usr/local/bin.
  const npmDest = path.join(root, 'usr/local/lib/node_modules/npm');
  fs.cpSync(npmDir, npmDest, { recursive: true, verbatimSymlinks: true });
  for (const [name, script] of [['npm', 'npm-cli.js'], ['npx', 'npx-cli.js']]) {
    fs.symlinkSync(`../lib/node_modules/npm/bin/${script}`, path.join(root, 'usr/local/bin', name));
  }

  const env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `NODE_VERSION=${process.versions.node}`];
  if (fs.existsSync(CA_BUNDLE)) {
    copyFile(root, CA_BUNDLE, CA_BUNDLE, 0o644);
    env.push(`NODE_EXTRA_CA_CERTS=${CA_BUNDLE}`);
  }
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnode:x:1000:1000::/home/node:/bin/sh\n');
  fs.writeFileSync(path.join(root, 'etc/group'), 'root:x:0:\nnode:x:1000:\n');
  for (const dir of ['root', 'home/node', 'tmp']) fs.mkdirSync(path.join(root, dir), { recursive: true });
  fs.chownSync(path.join(root, 'home/node'), 1000, 1000);
  fs.chmodSync(path.join(root, 'tmp'), 0o1777);
  return [...env.map((e) => `ENV ${e}`), 'CMD ["node"]'];
}

/** The base images the Dockerfile names in FROM (not its own stages), in order, without repeats. */
export function baseImages(dockerfile: string): string[] {
  const stages = new Set<string>();
  const bases: string[] = [];
  for (const line of dockerfile.split('\n')) {
    const m = /^\s*FROM\s+(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (!m) continue;
    if (!stages.has(m[1].toLowerCase()) && !bases.includes(m[1])) bases.push(m[1]);
    if (m[2]) stages.add(m[2].toLowerCase());
  }
  return bases;
}
