import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Config } from '../config/config';
import { OPTIONS } from '../config/options';
import { SETTABLE_OPTIONS, type OptionChange } from '../config/params';
import { log } from '../log';
import { REPLY_ERRORS } from '../reply-errors';
import type { Broadcasts } from './broadcasts';

export interface RuntimeDeps {
  readonly broadcasts: Broadcasts;
  /** What the primary itself does with a change: later workers' V8 heap limit, its own log level. */
  applyHere(change: OptionChange, config: Config): void;
}

/**
 * The settings as they stand while the server runs (the primary's): what it started with, then
 * each CONFIG SET and reload applied. Every running worker applies a change before it counts as
 * made (a `config` broadcast, each answering `applied`); a worker forked later starts with the
 * settings as they are then (its environment is made from `config`). CONFIG REWRITE writes the
 * settable ones back to the --config file.
 */
export class RuntimeConfig {
  private current: Config;
  /** What the start or the latest reload read: a reload applies what differs from it. */
  private lastLoaded: Config;

  constructor(
    /** The settings at start: CONFIG REWRITE writes what differs from them. */
    private readonly started: Config,
    private readonly deps: RuntimeDeps,
  ) {
    this.current = started;
    this.lastLoaded = started;
  }

  get config(): Config {
    return this.current;
  }

  /**
   * Makes `change` (read and checked by the asking worker, config/params.ts), then has every
   * worker apply it: `done` with undefined once all have, or the error naming those late.
   */
  set(change: OptionChange, done: (error?: string) => void): void {
    const next = { ...this.current, ...change } as Config;
    const changed: OptionChange = {};
    for (const [key, value] of Object.entries(change) as [keyof Config, number | string][]) if (this.current[key] !== value) changed[key] = value;
    if (Object.keys(changed).length === 0) return done();
    this.current = Object.freeze(next);
    log('info', 'settings changed', { ...changed });
    this.deps.applyHere(changed, next);
    this.deps.broadcasts.send(
      (id) => ({ t: 'config', id, change: changed }),
      (late) => done(late.length === 0 ? undefined : REPLY_ERRORS.configLate(late.join(', '))),
    );
  }

  /**
   * The config file reloaded (SIGUSR2): each settable option whose loaded value differs from the
   * previous load (start or reload) is applied as a CONFIG SET's; one the file, flags and
   * environment left as they were keeps what CONFIG SET made it.
   */
  reload(loaded: Config): void {
    const change: OptionChange = {};
    for (const key of SETTABLE_OPTIONS) if (loaded[key] !== this.lastLoaded[key]) change[key] = loaded[key] as number | string;
    this.lastLoaded = loaded;
    if (Object.keys(change).length === 0) return;
    this.set(change, (error) => {
      if (error !== undefined) log('error', 'SIGUSR2: settings not all applied', { error });
    });
  }

  /**
   * CONFIG REWRITE: the settable options go to the --config file (keeping what else it holds):
   * each the file names already, or whose value is not its default or what the server started
   * with. Written whole to a temporary file, then renamed over it. Undefined, or Redis's error.
   */
  rewrite(): string | undefined {
    const file = this.current.config;
    if (file === undefined) return REPLY_ERRORS.noConfigFile;
    let data: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
      data = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return REPLY_ERRORS.rewriteFailed((err as Error).message);
      data = {};
    }
    for (const key of SETTABLE_OPTIONS) {
      const value = this.current[key];
      const { default: fallback, minimum } = OPTIONS[key];
      // A value the start would refuse (maxmemory under 1mb, which CONFIG SET allows) is left out: the file must still start the server.
      if (typeof value === 'number' && minimum !== undefined && value < minimum) {
        log('warn', 'CONFIG REWRITE: a setting below what a start accepts is not written', { option: key, value, minimum });
        continue;
      }
      if (Object.hasOwn(data, key) || value !== this.started[key] || (fallback !== undefined && value !== fallback)) data[key] = value;
    }
    const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
    try {
      fs.writeFileSync(temporary, JSON.stringify(data, null, 2) + '\n');
      fs.renameSync(temporary, file);
    } catch (err) {
      fs.rmSync(temporary, { force: true });
      return REPLY_ERRORS.rewriteFailed((err as Error).message);
    }
    log('info', 'CONFIG REWRITE: settings written', { config: file });
    return undefined;
  }
}
