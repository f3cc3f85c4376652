// Minor GCs (scavenges) over 1,000,000 forwarded replies through a reply order, with a 1 MB semi-space:
// about one per MB allocated, so this is the allocation per reply in MB-sized units.
const { PerformanceObserver, constants } = require('node:perf_hooks');
// node --max-semi-space-size=1 apps/bench/micro/reply-order-alloc.cjs <root of a built checkout> [depth]
// (a checkout from before issue 20 has ReplyQueue and Slot; one after, ReplyOrder)
const path = require('node:path');
const root = path.resolve(process.argv[2] ?? '.');
const which = require('node:fs').existsSync(`${root}/apps/router/dist/client/reply-order.js`) ? 'new' : 'old';
const { OutBuffer, RESP_REPLIES } = require(`${root}/libs/wire/dist/index.js`);
const { CommandStats } = require(`${root}/apps/node/dist/index.js`);
const stats = new CommandStats();
const client = { ready() {}, failed() {} };
let owe, flushq;
if (which === 'old') {
  const { ReplyQueue, Slot } = require(`${root}/apps/router/dist/client/reply-queue.js`);
  const q = new ReplyQueue();
  owe = (out) => q.owe(new Slot(client, RESP_REPLIES, q), out);
  flushq = (out) => q.flush(out, stats, 0);
} else {
  const { ReplyOrder } = require(`${root}/apps/router/dist/client/reply-order.js`);
  const q = new ReplyOrder(client);
  owe = (out) => q.owe(RESP_REPLIES, out);
  flushq = (out) => q.flush(out, stats, 0);
}
const depth = Number(process.argv[3] ?? 16);
const out = new OutBuffer(1 << 16);
const frame = Buffer.from('$5\r\nvalue\r\n');
const owed = new Array(depth);
function round() {
  for (let i = 0; i < depth; i++) owed[i] = owe(out);
  for (let i = 0; i < depth; i++) owed[i].settleEncoded(frame, 0, frame.length);
  flushq(out);
  out.clear();
}
for (let i = 0; i < 20000; i++) round();
let minor = 0;
const obs = new PerformanceObserver((list) => { for (const e of list.getEntries()) if (e.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) minor++; });
obs.observe({ entryTypes: ['gc'] });
const replies = 1_000_000;
const t0 = performance.now();
for (let i = 0; i < replies / depth; i++) round();
const ms = performance.now() - t0;
setTimeout(() => {
  obs.disconnect();
  console.log(`${which} depth ${depth}: ${minor} scavenges of a 1 MB semi-space over ${replies} forwarded replies (~${((minor * 1048576) / replies).toFixed(0)} bytes each); ${((ms * 1e6) / replies).toFixed(0)} ns each`);
}, 100);
