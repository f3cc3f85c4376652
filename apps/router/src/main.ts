#!/usr/bin/env node
import cluster from 'node:cluster';
import { loadConfig } from './config/config';
import { KvError } from './errors';
import { setLogLevel, type Level } from './log';
import { WORKER_ENV } from './primary/messages';
import { runPrimary } from './primary/primary';
import { runWorker } from './worker/worker-process';

if (cluster.isPrimary) {
  let loaded;
  try {
    loaded = loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof KvError)) throw err;
    process.stderr.write(`kv-cache: ${err.message}\n`);
    process.exit(2);
  }
  if (loaded.kind === 'help') {
    process.stdout.write(loaded.text);
    process.exit(0);
  }
  setLogLevel(loaded.config['log-level']);
  runPrimary(loaded.config, loaded.sources);
} else {
  setLogLevel(process.env[WORKER_ENV.logLevel] as Level);
  runWorker();
}
