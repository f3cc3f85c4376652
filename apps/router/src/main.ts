#!/usr/bin/env node
import cluster from 'node:cluster';
import { KvError } from './errors';
import { setLogLevel, type Level } from './log';
import { WORKER_ENV } from './primary/messages';

// Each process loads only its own side: a worker never needs the option schema's validator (ajv,
// ~11 MB of RSS) and the primary never runs the data path (the stores, the Lua engine).
if (cluster.isPrimary) {
  const { loadConfig } = require('./config/config') as typeof import('./config/config');
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
  const { runPrimary } = require('./primary/primary') as typeof import('./primary/primary');
  runPrimary(loaded.config, loaded.sources);
} else {
  setLogLevel(process.env[WORKER_ENV.logLevel] as Level);
  const { runWorker } = require('./worker/worker-process') as typeof import('./worker/worker-process');
  runWorker();
}
