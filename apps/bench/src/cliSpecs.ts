import { ONLY_HELP } from './scenarioMatrix';

/** The command line's options, with their help (cli.ts parses them). */
export interface OptionSpec {
  name: string;
  arg: string | null;
  help: string;
}

export const SPECS: OptionSpec[] = [
  { name: 'addr', arg: 'host:port', help: 'benchmark a running server on a loopback address instead of starting one' },
  { name: 'target', arg: 'kv|redis', help: 'server to start (or protocol family of --addr); default kv' },
  { name: 'proto', arg: 'text|resp', help: 'wire protocol; default text for kv, resp for redis' },
  { name: 'workers', arg: 'N', help: 'kv worker processes to start; default 2' },
  { name: 'maxmemory', arg: 'SIZE', help: 'pass --maxmemory SIZE to the kv server it starts (e.g. 1gb)' },
  { name: 'connections', arg: 'C', help: 'concurrent connections; default 50' },
  { name: 'pipeline', arg: 'P', help: 'requests in flight per connection, sent as one batch; default 1' },
  { name: 'get-ratio', arg: 'R', help: 'fraction of requests that are GETs, 0..1; default 0.5' },
  { name: 'keys', arg: 'K', help: 'distinct keys; default 100000' },
  { name: 'value-size', arg: 'BYTES', help: 'bytes per value, up to 256; default 32' },
  { name: 'duration', arg: 'SECONDS', help: 'measured seconds; default 10 (5 per scenario with --scenarios)' },
  { name: 'warmup', arg: 'SECONDS', help: 'load before measuring, excluded from figures; default 1' },
  { name: 'prefill', arg: null, help: 'write every key once before the load (default); --no-prefill skips it' },
  { name: 'locality', arg: 'any|local|forwarded', help: 'kv with >= 2 workers: use only keys owned by the connection\'s worker (local) or by another (forwarded); default any' },
  { name: 'json', arg: null, help: 'print one JSON object instead of the table' },
  {
    name: 'scenarios',
    arg: null,
    help:
      'run the matrix: seed (Go, text), kv 1 and 2 workers (text and RESP), redis-server (RESP) at 50 conns x pipeline 1, 50 x 16, 1000 x 1, plus kv 2 workers locality local/forwarded; ' +
      'print a markdown table and the targets (kv vs seed, vs redis-server, CPU per op, forwarding cost) as met / not met / n/a. ' +
      'Builds the seed once with ../shared/reference/build-seed.sh into $TMPDIR/kv-bench-seed (skipped without go); it needs port 7171 free',
  },
  { name: 'rounds', arg: 'N', help: 'with --scenarios: run the whole selection N times, interleaved, and report medians; default 1' },
  { name: 'only', arg: 'NAMES', help: `with --scenarios: ${ONLY_HELP}; e.g. --only kv2,seed or --only kv1,seed,c50p1` },
  { name: 'seed-bin', arg: 'PATH', help: 'with --scenarios: use this seed binary instead of building one' },
  { name: 'transactions', arg: null, help: 'what MULTI/EXEC and EVALSHA cost against plain pipelines (one key, and keys on two workers): 50 connections, one round trip at a time, on kv (--workers) and redis-server in one run' },
  { name: 'memory-per-element', arg: null, help: 'RSS per element of lists, sets, sorted sets and hashes, small (100,000 keys of 16) and big (20 keys of 50,000), on kv (--workers) and redis-server in one run' },
  { name: 'shapes', arg: 'TEXT', help: 'with --memory-per-element: only the shapes whose name contains TEXT (e.g. stream)' },
  { name: 'tracking', arg: null, help: 'what client-side caching costs a GET: 50 RESP3 connections, 90% GET / 10% SET over 10,000 keys, untracked, CLIENT TRACKING ON and BCAST PREFIX, on kv (--workers) and redis-server in one run; ops/s, server CPU per op, each tracked row against its untracked row' },
  { name: 'queues', arg: null, help: 'BullMQ (and Bull 4) on kv (--workers) and redis-server with maxmemory-policy noeviction: 1,000 jobs added (addBulk, one by one), processed by a Worker with concurrency 1 and 8; jobs/s and server CPU per job' },
  { name: 'types', arg: null, help: 'throughput of lists, sets, sorted sets, hashes and streams: 50 connections pipelined 16, a write/read pair per row (LPUSH/RPOP, SADD/SISMEMBER, ZADD/ZRANGE, HSET/HGET, XADD/XRANGE), on kv (--workers) and redis-server in one run; ops/s, CPU per op, ratio per row' },
  { name: 'pubsub', arg: null, help: 'Pub/Sub delivery on kv (--workers) and redis-server in one run: 1 publisher to 100 subscribers of a channel, and 50 publishers to 50 subscribers (a channel each), 16 PUBLISHes in flight each; messages delivered per second, PUBLISH-to-delivery latency and server CPU per delivery' },
  { name: 'redis-benchmark', arg: null, help: 'run redis-benchmark -t set,get -c 50 -P 16 against kv (--workers) and redis-server in one run and print both with their ratio' },
  { name: 'memory-per-key', arg: null, help: 'RSS per key: 1,000,000 keys (--keys) with 32-byte values via pipelined RESP SET into kv (--workers, --maxmemory 4gb) and then redis-server; prints bytes per key and the ratio (64 connections x pipeline 256 unless given)' },
  { name: 'memory-stress', arg: null, help: 'write 3x maxmemory of unique keys (100-byte values) into kv (--maxmemory 256mb) sampling RSS every 250 ms; checks peak <= maxmemory + 40% + 60 MiB per process and that no worker died, then the hit ratio of the last 10% written; exit 1 on failure' },
  { name: 'full-cache', arg: null, help: 'a full cache: 3,000,000 keys of 200-byte values written, then 15 s (--duration) of 50 connections, 1 in flight, 50% SET; the same with 100,000 keys; kv 2 and 1 workers and redis-server; ops/s, per CPU-second, p99.9, slowest, RSS per key, GC share and longest pause' },
  { name: 'keys-kept', arg: null, help: 'keys kept at the same --maxmemory (default 256mb) by kv (--workers) and redis-server (allkeys-lru) after ~3x as many unique SETs as fit, 32- and 200-byte values, with RSS against maxmemory x 1.1 + the empty RSS' },
  {
    name: 'accept',
    arg: null,
    help:
      "the accept path (issue 21) beside the seed and redis-server: bursts of 2,000 in 100 ms (alone, beside 1,000 busy clients, over TLS with ECDSA and RSA, redis-server over TLS beside; the server's and the generator's CPU for each), 1,000 clients started at once, 10,000 clients (each server's CPU per request; kv with 1 worker too, nothing forwarded), 10,000 idle (RSS each) with one busy, kv's balance (burst, trickle, resize), a new connection per request (and redis-benchmark -k 0); a Node floor row in the plain burst and at 10,000 clients (a bare node:cluster answering every command, no store: what Node itself costs here); prints the targets met / not met. Needs port 7171 free for the seed: run it alone in a network namespace (see BENCHMARKS.md)",
  },
  { name: 'parts', arg: 'LIST', help: 'with --accept: some of burst,busy,tls,cold,10k,idle,balance,newconn (default all)' },
  {
    name: 'locust',
    arg: null,
    help: "Locust with infra/locustfile.py, distributed (a master and a worker per CPU), against the seed and kv: the seed's settings (10,000 users, spawn 100/s) and a burst (spawn 2,000/s), 2 minutes each (--duration); failures, percentiles and Locust's own CPU",
  },
  { name: 'tls-ca', arg: 'FILE', help: 'with --addr: connect over TLS (kv --tls-port), trusting the PEM certificate in FILE' },
  { name: 'server-pid', arg: 'PID', help: 'with --addr: PID of the server, to report its CPU (its descendants count too)' },
  { name: 'kv-main', arg: 'PATH', help: 'kv server entry point to start; default apps/router/dist/main.js' },
  { name: 'help', arg: null, help: 'show this help' },
];
