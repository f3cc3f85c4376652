import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadConfig, type Config } from '../src/config/config';
import { paramNamed, type OptionChange } from '../src/config/params';
import { redisInteger, redisMemory } from '../src/config/redis-values';
import { Broadcasts } from '../src/primary/broadcasts';
import type { PrimaryMessage } from '../src/primary/messages';
import { RuntimeConfig } from '../src/primary/runtime-config';
import { setLogLevel } from '../src/log';
import { REPLY_ERRORS } from '../src/reply-errors';

// The primary logs each change; not wanted among the test's lines.
setLogLevel('error');

/** The primary's side of CONFIG SET: values read as Redis reads them, broadcasts, the reload, REWRITE. */

const values = suite('CONFIG SET values, read as Redis 7.0 reads them');

values('integers and memory values: what string2ll and memtoull take', () => {
  assert.is(redisInteger('0'), 0n);
  assert.is(redisInteger('-12'), -12n);
  for (const bad of ['01', '1.5', '+1', ' 1', '', '-0', '9223372036854775808']) assert.is(redisInteger(bad), undefined, bad);
  assert.is(redisMemory('01'), 1n);
  assert.is(redisMemory('1k'), 1000n);
  assert.is(redisMemory('1KB'), 1024n);
  assert.is(redisMemory('2gb'), 2n * 1024n ** 3n);
  for (const bad of ['-1', '1x', '1.5mb', '', 'mb']) assert.is(redisMemory(bad), undefined, bad);
});

values('a parameter by name or alias, any case; its value as options, or the reason it is refused', () => {
  assert.equal(paramNamed('LUA-TIME-LIMIT')?.set!('100'), { 'lua-time-limit': 100 });
  assert.equal(paramNamed('busy-reply-threshold')?.set!('0'), { error: 'argument must be between 1 and 3600000 inclusive' });
  assert.equal(paramNamed('maxmemory')?.set!('0'), { maxmemory: 0 });
  assert.equal(paramNamed('maxmemory')?.set!('1'), { maxmemory: 1 });
  assert.equal(paramNamed('maxmemory-policy')?.set!('NoEviction'), { 'maxmemory-policy': 'noeviction' });
  assert.equal(paramNamed('protected-mode')?.set!('maybe'), { error: "argument must be 'yes' or 'no'" });
  assert.equal(paramNamed('client-output-buffer-limit')?.set!('normal 2mb 0 0 pubsub 32mb 8mb 60'), { 'client-output-limit': 2 * 1024 * 1024, 'client-output-buffer-limit': 'pubsub 33554432 8388608 60' });
  assert.ok('error' in (paramNamed('client-output-buffer-limit')!.set!('replica 1mb 0 0') as object), 'the replica class keeps its default');
  assert.ok('error' in (paramNamed('client-output-buffer-limit')!.set!('normal 2mb 1mb 10') as object), 'a soft limit is refused');
  assert.equal(paramNamed('save')?.set!(''), {});
  assert.is(paramNamed('port')?.set, undefined);
  assert.is(paramNamed('requirepass'), undefined, 'the password is no parameter: never shown');
});

values.run();

// ---- Broadcasts --------------------------------------------------------------------------------

function fakeBroadcasts(running: number[]) {
  const sent: [number, PrimaryMessage][] = [];
  const timers: (() => void)[] = [];
  const broadcasts = new Broadcasts({
    running: () => running,
    send: (index, message) => sent.push([index, message]),
    setTimer: (fn) => timers.push(fn),
    clearTimer: () => {},
  });
  return { broadcasts, sent, timers };
}

const bc = suite('Broadcasts: a change counts once every running worker applied it');

bc('done once each worker says applied, or exits; late ones named after the timeout', () => {
  const { broadcasts, sent, timers } = fakeBroadcasts([0, 1, 2]);
  const results: number[][] = [];
  broadcasts.send((id) => ({ t: 'config', id, change: { timeout: 5 } }), (late) => results.push(late));
  assert.equal(sent.map(([i]) => i), [0, 1, 2]);
  const id = (sent[0][1] as { id: number }).id;
  broadcasts.applied(0, id);
  broadcasts.exited(2);
  assert.equal(results, []);
  broadcasts.applied(1, id);
  assert.equal(results, [[]]);

  broadcasts.send((i) => ({ t: 'config', id: i, change: {} }), (late) => results.push(late));
  broadcasts.applied(1, id + 1);
  timers[1]();
  assert.equal(results, [[], [0, 2]]);
});

bc.run();

// ---- RuntimeConfig -----------------------------------------------------------------------------

const rc = suite('RuntimeConfig: CONFIG SET, the reload, CONFIG REWRITE');

function runtimeWith(file: string | undefined, args: string[] = []) {
  const loaded = loadConfig([...args, ...(file ? ['--config', file] : [])], {}, { cpus: () => ({ count: 2, source: 'test' }), memory: () => ({ bytes: 1 << 30, source: 'test' }) });
  if (loaded.kind !== 'config') throw new Error('no config');
  const { broadcasts, sent } = fakeBroadcasts([0]);
  const here: OptionChange[] = [];
  const runtime = new RuntimeConfig(loaded.config, { broadcasts, applyHere: (change) => here.push(change) });
  const applied = () => broadcasts.applied(0, (sent[sent.length - 1][1] as { id: number }).id);
  return { runtime, sent, here, applied, config: loaded.config as Config };
}

rc('a change is broadcast with what differs only; the reload applies what the file changed since the last load', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kv-rc-'));
  const file = path.join(dir, 'kv.json');
  fs.writeFileSync(file, JSON.stringify({ maxmemory: '64mb', timeout: 10 }));
  const { runtime, sent, applied } = runtimeWith(file);
  const answers: (string | undefined)[] = [];
  runtime.set({ timeout: 10, maxclients: 50 }, (e) => answers.push(e));
  applied();
  assert.equal(sent.map(([, m]) => (m as { change: OptionChange }).change), [{ maxclients: 50 }]);
  assert.equal(answers, [undefined]);
  runtime.set({ timeout: 10 }, (e) => answers.push(e));
  assert.is(sent.length, 1, 'nothing to change: nothing sent');

  // The file changes maxmemory; timeout stays 10 there, so CONFIG SET's maxclients stays too.
  fs.writeFileSync(file, JSON.stringify({ maxmemory: '32mb', timeout: 10 }));
  const reloaded = loadConfig(['--config', file], {}, { cpus: () => ({ count: 2, source: 'test' }), memory: () => ({ bytes: 1 << 30, source: 'test' }) });
  if (reloaded.kind !== 'config') throw new Error('no config');
  runtime.reload(reloaded.config);
  assert.equal((sent[1][1] as { change: OptionChange }).change, { maxmemory: 32 * 1024 * 1024 });
  assert.is(runtime.config.maxclients, 50);

  // REWRITE keeps the file's other keys; a maxmemory a start would refuse is left out.
  fs.writeFileSync(file, JSON.stringify({ maxmemory: '32mb', timeout: 10, workers: 2 }));
  runtime.set({ maxmemory: 100 }, () => {});
  assert.is(runtime.rewrite(), undefined);
  assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')), { maxmemory: '32mb', timeout: 10, workers: 2, maxclients: 50 });
  fs.rmSync(dir, { recursive: true, force: true });
});

rc('CONFIG REWRITE without a --config file: Redis\'s error', () => {
  assert.is(runtimeWith(undefined).runtime.rewrite(), REPLY_ERRORS.noConfigFile);
});

rc.run();
