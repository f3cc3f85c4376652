import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Daemon, Run } from './daemon';
import { run } from './daemon';
import { baseImages, buildRootfs, nodeForMajor, npmPackageDir } from './stand-in';

// Makes the stand-in base images and builds infra/Dockerfile with each builder the client has.

export const ROOT = path.resolve(__dirname, '../../../..');
export const DOCKERFILE = path.join(ROOT, 'infra/Dockerfile');
const BUILD_TIMEOUT_MS = 180_000;

/** Tags this test created (and so removes afterwards). */
export interface Created {
  images: string[];
}

/** `docker import`s a stand-in under each FROM name of the Dockerfile, or says why it cannot. */
export async function importStandIns(daemon: Daemon, tmp: string, created: Created): Promise<string | null> {
  const npmDir = npmPackageDir();
  if (npmDir === null) return 'npm is not on PATH (the stand-in image copies it)';
  for (const image of baseImages(fs.readFileSync(DOCKERFILE, 'utf8'))) {
    // An existing daemon that already has the image (a developer's real node image) keeps it.
    if (!daemon.own && (await daemon.docker(['image', 'inspect', image], 15_000)).code === 0) continue;
    const major = /^node:(\d+)/.exec(image)?.[1];
    if (major === undefined) return `the Dockerfile's base image ${image} is not a node:<major> image this test can stand in for`;
    const node = nodeForMajor(Number(major));
    if (node === null) return `no Node ${major} here to make ${image} from (run the tests under Node ${major}, or install it in /opt/node${major})`;
    const rootfs = fs.mkdtempSync(path.join(tmp, 'rootfs-'));
    const changes = buildRootfs(rootfs, node, npmDir);
    const tarball = `${rootfs}.tar`;
    const tar = await run('tar', ['-C', rootfs, '-cf', tarball, '.'], { timeoutMs: 60_000 });
    if (tar.code !== 0) throw new Error(`tar: ${tar.stderr}`);
    const imported = await daemon.docker(['import', ...changes.flatMap((c) => ['--change', c]), tarball, image], 120_000);
    fs.rmSync(rootfs, { recursive: true, force: true });
    fs.rmSync(tarball, { force: true });
    if (imported.code !== 0) throw new Error(`docker import ${image}: ${imported.stderr}`);
    created.images.push(image);
  }
  return null;
}

export interface Build {
  builder: 'legacy' | 'BuildKit';
  tag: string;
  result: Run;
  /** Why this builder is not available here (then result says how it failed), or null. */
  unavailable: string | null;
}

/**
 * `docker build --network host -f infra/Dockerfile .` with the legacy builder or BuildKit, by the
 * first docker client here that has that builder.
 */
export async function buildImage(daemon: Daemon, builder: Build['builder'], tag: string, created: Created): Promise<Build> {
  const env = { ...daemon.env, DOCKER_BUILDKIT: builder === 'BuildKit' ? '1' : '0' };
  const args = ['build', '--network', 'host', '--force-rm', '-f', DOCKERFILE, '-t', tag, ...(builder === 'BuildKit' ? ['--progress', 'plain'] : []), ROOT];
  let last: Build | null = null;
  for (const cli of daemon.clis) {
    const result = await run(cli, args, { env, cwd: ROOT, timeoutMs: BUILD_TIMEOUT_MS });
    if (result.code === 0) {
      created.images.push(tag);
      return { builder, tag, result, unavailable: null };
    }
    // A client without the buildx plugin cannot use BuildKit; a future one may drop the legacy builder.
    const missing = /buildx component is missing|legacy builder (has been|is) removed|BuildKit is enabled but[^\n]*/i.exec(result.stdout + result.stderr);
    last = { builder, tag, result, unavailable: missing ? `${cli} says: ${missing[0]}` : null };
    if (!missing) return last;
  }
  return last!;
}

/** The files under /app in an image (node_modules left out), sorted. */
export async function appFiles(daemon: Daemon, tag: string): Promise<string[]> {
  const listed = await daemon.docker(['run', '--rm', '--network', 'none', '--entrypoint', 'find', tag, '/app', '-path', '/app/node_modules', '-prune', '-o', '-print'], 60_000);
  if (listed.code !== 0) throw new Error(`listing /app in ${tag}: ${listed.stderr}`);
  return listed.stdout.trim().split('\n').sort();
}
