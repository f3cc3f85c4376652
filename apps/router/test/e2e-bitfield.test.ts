import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { missingTool, Skips } from '../../../test-support/skip';
import { RawConn } from '../../../test/compat/resp-raw';
import { startRedis, type Target } from '../../../test/clients/target';
import { eventTranscript, sameSequences } from './differential';
import { startCluster } from './harness';

/**
 * BITFIELD and BITFIELD_RO against redis-server: seeded random sequences (every width of both
 * signs and the ones past them, `#n` offsets, each overflow rule at the edges of each width,
 * errors in every argument, keys of other types) sent to both, replies compared byte for byte in
 * RESP2 and RESP3 on 2 and 3 workers; then what a BITFIELD that changes nothing does to WATCH
 * and keyspace events, as Redis's `changes`.
 */
const noRedis = missingTool('redis-server');
const NAME = 'e2e: BITFIELD answered as redis-server answers it';
const t = suite(NAME);
const skips = new Skips(NAME);
let redis: Target | undefined;

t.before(async () => {
  if (noRedis === null) redis = await startRedis();
});
t.after(async () => {
  await redis?.stop();
});

function commandsFor(next: () => number, keys: string[]): string[][] {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)];
  const int = (n: number) => String(Math.floor(next() * n));
  const type = () => (next() < 0.9 ? `${pick(['i', 'u'])}${1 + Math.floor(next() * 64)}` : pick(['u64', 'i65', 'i0', 'I8', 'x8', 'i', 'u08', 'i-1', '']));
  // Offsets past the end of a 512 MB string are refused; a write near it would make one (read only).
  const offset = (write: boolean) => pick([int(40), int(40), `#${int(6)}`, '0', '100', '-1', '#-1', 'x', '']
    .concat(write ? ['4294967296', '#9223372036854775807'] : ['4294967295', '#536870912', '4294967296']));
  const value = () =>
    pick([int(300), String(-Math.floor(next() * 300)), '127', '128', '-128', '-129', '255', '256', '9223372036854775807', '-9223372036854775808', '9223372036854775808', 'x', '1.5', '0', '-1']);
  const op = (): string[] => {
    const r = next();
    if (r < 0.35) return [pick(['GET', 'get']), type(), offset(false)];
    if (r < 0.6) return [pick(['SET', 'set']), type(), offset(true), value()];
    if (r < 0.85) return [pick(['INCRBY', 'incrby']), type(), offset(true), value()];
    if (r < 0.97) return ['OVERFLOW', pick(['WRAP', 'SAT', 'FAIL', 'sat', 'fail', 'nope'])];
    return pick([['GET', 'i8'], ['SET', 'i8', '0'], ['BAD', 'i8', '0'], ['OVERFLOW']]);
  };
  const out: string[][] = [];
  for (let i = 0; i < 300; i++) {
    const k = next() < 0.05 ? '{b}list' : pick(keys);
    const r = next();
    if (r < 0.55) out.push(['BITFIELD', k, ...Array.from({ length: Math.floor(next() * 5) }, op).flat()]);
    else if (r < 0.65) out.push(['BITFIELD_RO', k, ...Array.from({ length: Math.floor(next() * 3) }, () => (next() < 0.85 ? ['GET', type(), offset(false)] : op())).flat()]);
    else if (r < 0.75) out.push(['GET', k]);
    else if (r < 0.82) out.push(['SET', k, pick(['', 'a', '\xff\xff\xff\xff', '\x80\x00\x01', 'hello world!'])]);
    else if (r < 0.87) out.push(['SETBIT', k, int(64), pick(['0', '1'])]);
    else if (r < 0.92) out.push(['STRLEN', k]);
    else if (r < 0.95) out.push(['RPUSH', '{b}list', 'x']);
    else out.push(['DEL', k]);
  }
  return out;
}

const compare = (workers: number, seeds: number[]) => sameSequences(workers, redis!.port, seeds, (next) => commandsFor(next, ['{b}a', '{b}b', 'c', 'd']));

skips.test(t, '2 workers: random BITFIELD and BITFIELD_RO, RESP2 and RESP3', noRedis, async () => {
  await compare(2, [1, 2, 3]);
});

skips.test(t, '3 workers: likewise', noRedis, async () => {
  await compare(3, [4, 5]);
});

skips.test(t, 'a BITFIELD that changes nothing leaves WATCH and keyspace events alone; one that grows the string or a field fires setbit', noRedis, async () => {
  const cluster = await startCluster({ workers: 2 });
  try {
    const transcript = (port: number) =>
      eventTranscript(port, '__keyspace@0__:*', async (step, a, b) => {
        await step(a, ['SET', 'w', '\x10']);
        for (const write of [
          ['BITFIELD', 'w', 'SET', 'u8', '0', '16'],
          ['BITFIELD', 'w', 'OVERFLOW', 'FAIL', 'INCRBY', 'u8', '0', '300'],
          ['BITFIELD', 'w', 'INCRBY', 'u8', '0', '0'],
          ['BITFIELD', 'w', 'INCRBY', 'u8', '0', '1'],
          ['BITFIELD', 'w', 'SET', 'u8', '8', '0'],
        ]) {
          await step(a, ['WATCH', 'w']);
          await step(b, write);
          await step(a, ['MULTI']);
          await step(a, ['GET', 'w']);
          await step(a, ['EXEC']);
        }
      });
    const [ours, theirs] = [await transcript(cluster.port), await transcript(redis!.port)];
    assert.equal(ours, theirs);
  } finally {
    const reset = await RawConn.connect(redis!.port);
    await reset.command(['CONFIG', 'SET', 'notify-keyspace-events', '']);
    reset.close();
    assert.is(await cluster.stop(), 0);
  }
});

t.run();
