// CPU per run of script-cpu.mjs's BullMQ-like script in the Lua engine alone (libs/lua, one
// process, no server): a host that answers each redis.call with canned RESP2 bytes (hash fields
// kept in a Map, so cmsgpack's round trip is real). What the engine and its bridge cost, without
// the store, the client path or the network.
//   node apps/bench/micro/lua-engine-cpu.cjs <root of a built checkout> [runs per sample]
const path = require('node:path');
const root = path.resolve(process.argv[2] ?? '.');
const per = Number(process.argv[3] ?? 20000);
const lua = require(`${root}/libs/lua/dist/index.js`);
const { SCRIPT_BODY } = require('./bullmq-like.cjs');

const fields = new Map();
let id = 0;
const bulk = (s) => `$${s.length}\r\n${s}\r\n`;
const ZERO = Buffer.from(':0\r\n');
const ONE = Buffer.from(':1\r\n');
/** The reply to a call (name, then the argument at i as a latin1 string) as RESP2 bytes. */
function answer(name, count, arg) {
  switch (name) {
    case 'INCR':
      return Buffer.from(`:${++id}\r\n`);
    case 'HSET':
      for (let i = 2; i < count; i += 2) fields.set(arg(i), arg(i + 1));
      return ZERO;
    case 'HGET':
      return Buffer.from(bulk(fields.get(arg(2)) ?? ''), 'latin1');
    case 'HMGET': {
      let out = `*${count - 2}\r\n`;
      for (let i = 2; i < count; i++) out += fields.has(arg(i)) ? bulk(fields.get(arg(i))) : '$-1\r\n';
      return Buffer.from(out, 'latin1');
    }
    case 'XADD':
      return Buffer.from(bulk(`1700000000000-${id}`));
    default:
      return ONE;
  }
}
// Old engines took argv strings and Reply values; newer ones Args and EncodedReply.
const encoded = lua.EncodedReply ? new lua.EncodedReply() : null;
const host = {
  call(args) {
    const reply = Array.isArray(args) ? answer(args[0], args.length, (i) => args[i]) : answer(args.latin1(0), args.count, (i) => args.latin1(i));
    return encoded ? encoded.set(reply, 0, reply.length) : lua.parseReply(reply, 0, reply.length);
  },
};

(async () => {
  const scripts = new lua.LuaScripts();
  await scripts.ready;
  const added = scripts.add(SCRIPT_BODY, 'load');
  const keys = ['{q}:id', '{q}:job:', '{q}:events', '{q}:wait', '{q}:prio'];
  const data = JSON.stringify({ user: 1234, payload: 'x'.repeat(64) });
  const once = (i) => {
    const run = scripts.start(added.sha, keys, [`job${i}`, data, String(1700000000000 + i)], host, 5000);
    const step = run.resume();
    if (!step.done || (step.result && step.result.err)) throw new Error(`run failed: ${JSON.stringify(step)}`);
  };
  for (let i = 0; i < 5000; i++) once(i);
  const samples = [];
  for (let s = 0; s < 7; s++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < per; i++) once(i);
    const t = process.cpuUsage(t0);
    samples.push((t.user + t.system) / per);
  }
  samples.sort((a, b) => a - b);
  console.log(`${root}: ${samples[3].toFixed(2)} µs of CPU per run (median of 7 x ${per}; min ${samples[0].toFixed(2)})`);
  process.exit(0);
})();
