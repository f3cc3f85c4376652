import { runBulk, bulkClean } from './bulkLoad';
import type { BenchOptions } from './cli';
import { decimal, integer } from './format';
import { mib, respCommand } from './memory';
import { treeRss } from './procstat';
import { findRedisServer, startKvServer, startRedisServer, sleep, type StartedServer } from './servers';

/**
 * --keys-kept: how much cache a maxmemory holds. kv (--workers) and redis-server (allkeys-lru),
 * each with the same --maxmemory (default 256mb), take about three times as many unique keys as
 * fit (RESP SET, pipelined), for 32-byte and for 200-byte values; then the keys each kept, and
 * its RSS against the bound maxmemory x 1.1 + the empty server's RSS.
 */

const SETTLE_MS = 2_000;
const VALUE_SIZES = [32, 200];

interface Kept {
  server: string;
  valueSize: number;
  written: number;
  kept: number;
  rssEmpty: number;
  rss: number;
  errors: number;
}

function parseSize(text: string): number {
  const m = /^(\d+)(b|kb|mb|gb)?$/i.exec(text.trim());
  if (m === null) throw new Error(`not a size: ${text}`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b'];
  return Number(m[1]) * unit;
}

async function fill(server: StartedServer, valueSize: number, writes: number): Promise<Kept> {
  try {
    await sleep(SETTLE_MS / 2);
    const rssEmpty = treeRss(server.pid).total;
    const result = await runBulk({ endpoint: server.endpoint, proto: 'resp', op: 'set', from: 0, to: writes, valueSize, connections: 50, pipeline: 64, timeoutMs: 600_000 });
    await sleep(SETTLE_MS);
    const kept = Number(await respCommand(server.endpoint, ['DBSIZE']));
    return { server: server.label, valueSize, written: writes, kept, rssEmpty, rss: treeRss(server.pid).total, errors: bulkClean(result) ? 0 : result.badReplies + result.unanswered };
  } finally {
    await server.stop();
  }
}

export async function runKeysKept(options: BenchOptions, log: (line: string) => void): Promise<number> {
  const maxmemory = options.maxmemory ?? '256mb';
  const bytes = parseSize(maxmemory);
  const redis = findRedisServer();
  const rows: Kept[] = [];
  for (const valueSize of VALUE_SIZES) {
    // About three times what fits in either server.
    const writes = Math.ceil((3 * bytes) / (valueSize + 60));
    log(`${integer(writes)} SETs of ${valueSize}-byte values into each server at maxmemory ${maxmemory}`);
    if (redis !== null) rows.push(await fill(await startRedisServer(redis, ['--maxmemory', String(bytes), '--maxmemory-policy', 'allkeys-lru']), valueSize, writes));
    rows.push(await fill(await startKvServer(options.kvMain, options.workers, maxmemory), valueSize, writes));
  }
  const lines = [
    `Keys kept at maxmemory ${maxmemory} (allkeys-lru), after about 3x as many unique RESP SETs as fit (50 connections x pipeline 64); RSS of the server's process tree ${SETTLE_MS / 1000} s after.`,
    '',
    '| server | value bytes | SETs | keys kept | keys kept / redis-server | RSS empty | RSS after | bound (maxmemory x 1.1 + empty) | errors |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const r of rows) {
    const ref = rows.find((o) => o.server === 'redis-server' && o.valueSize === r.valueSize);
    const bound = bytes * 1.1 + r.rssEmpty;
    lines.push(
      `| ${r.server} | ${r.valueSize} | ${integer(r.written)} | ${integer(r.kept)} | ${ref ? `${decimal(r.kept / ref.kept, 2)}x` : 'n/a'} | ${mib(r.rssEmpty)} | ${mib(r.rss)} | ${mib(bound)} ${r.rss <= bound ? '(within)' : '(over)'} | ${r.errors} |`,
    );
  }
  console.log(lines.join('\n'));
  return rows.some((r) => r.errors > 0) ? 1 : 0;
}
