import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import type { Test } from 'uvu';

/**
 * Tests that cannot run here (a tool not installed, too few open files, no Docker daemon ...) are
 * reported as skipped, by name, and counted; never passed without testing anything, never left
 * out of the count. uvu has no skip it counts, so:
 * - a test known unable to run when the file loads is not registered: `skips.test(...)` reports
 *   it instead (`skipped: <suite> — <test>: <reason>`);
 * - a registered test that finds out when it runs calls `skips.now(...)` and returns: uvu counts
 *   it as passed, so it is marked as having run.
 * Each is also appended to the file named by KV_SKIP_FILE (one JSON line), from which .ci/run
 * ends with `N passed, N failed, N skipped` (a skip that ran is taken off uvu's passed count).
 * KV_TEST_WITHOUT=tool,tool... makes those tools count as missing (to prove the skips report).
 */

export interface SkipRecord {
  suite: string;
  test: string;
  reason: string;
  /** Registered and run (uvu counted it as passed); false: never registered. */
  ran: boolean;
}

export function reportSkip(record: SkipRecord): void {
  console.log(`  skipped: ${record.suite} — ${record.test}: ${record.reason}`);
  const file = process.env.KV_SKIP_FILE;
  if (file) fs.appendFileSync(file, `${JSON.stringify(record)}\n`);
}

/** Tools KV_TEST_WITHOUT says to treat as missing. */
const HIDDEN = new Set((process.env.KV_TEST_WITHOUT ?? '').split(',').filter((tool) => tool !== ''));

/** True when KV_TEST_WITHOUT says to treat `tool` as missing. */
export function hidden(tool: string): boolean {
  return HIDDEN.has(tool);
}

/** True when `tool` is on PATH (and not hidden by KV_TEST_WITHOUT). */
export function hasTool(tool: string): boolean {
  if (HIDDEN.has(tool)) return false;
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** Why a test needing `tools` cannot run: the first one missing; null when all are there. */
export function missingTool(...tools: string[]): string | null {
  for (const tool of tools) if (!hasTool(tool)) return `${tool} is not installed`;
  return null;
}

/** One suite's skips. */
export class Skips {
  /** Tests of this suite reported skipped. */
  readonly skipped: string[] = [];

  constructor(readonly suite: string) {}

  /** Registers `name` on `t`, or, when `reason` is not null, reports it skipped instead. */
  test<T>(t: Test<T>, name: string, reason: string | null, fn: Parameters<Test<T>>[1]): void {
    if (reason === null) return t(name, fn);
    this.skipped.push(name);
    reportSkip({ suite: this.suite, test: name, reason, ran: false });
  }

  /** Every one of `names` reported skipped (a suite whose setup cannot run here: none registered). */
  all(names: readonly string[], reason: string): void {
    for (const name of names) {
      this.skipped.push(name);
      reportSkip({ suite: this.suite, test: name, reason, ran: false });
    }
  }

  /** A registered test found, running, that it cannot: reported; the caller returns at once. */
  now(name: string, reason: string): void {
    this.skipped.push(name);
    reportSkip({ suite: this.suite, test: name, reason, ran: true });
  }
}

/**
 * A suite whose every test needs what `reason` says is missing (null: nothing is): its tests are
 * reported skipped instead of registered, and its hooks never run (they would start what the
 * tests need). Otherwise the suite itself.
 */
export function suiteUnless<T>(t: Test<T>, name: string, reason: string | null): Test<T> {
  if (reason === null) return t;
  const skips = new Skips(name);
  const standIn = ((test: string) => skips.all([test], reason)) as unknown as Test<T>;
  const noHook = () => {};
  return Object.assign(standIn, {
    before: Object.assign(noHook, { each: noHook }),
    after: Object.assign(noHook, { each: noHook }),
    only: (test: string) => skips.all([test], reason),
    skip: (test: string) => skips.all([test], reason),
    run: () => t.run(),
  }) as unknown as Test<T>;
}
