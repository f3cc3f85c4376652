import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { shardOfString } from '@kv/wire';
import { startCluster, stats, keysPerShard, TextClient, type Cluster } from './harness';
import { prng as rng } from '../../../test-support/prng';

/** The seed's examples and error cases, with the exact bytes the Go server answers. */
const SEED_TRANSCRIPT: [string, string][] = [
  ['PUT a 1\n', 'OK\n'],
  ['GET a\n', '1\n'],
  ['GET missing\n', 'NOTFOUND\n'],
  ['PUT key value with spaces\n', 'OK\n'],
  ['GET key\n', 'value with spaces\n'],
  ['PUT a 2\n', 'OK\n'],
  ['GET a\n', '2\n'],
  ['put lower case\n', 'OK\n'],
  ['gEt lower\n', 'case\n'],
  ['PUT crlf yes\r\n', 'OK\n'],
  ['GET crlf\r\n', 'yes\n'],
  ['PUT k\n', 'ERROR\n'],
  ['PUT  v\n', 'ERROR\n'],
  ['PUT \n', 'ERROR\n'],
  ['PUT\n', 'ERROR\n'],
  ['GET\n', 'NOTFOUND\n'],
  ['GET \n', 'NOTFOUND\n'],
  ['GET a b\n', 'NOTFOUND\n'],
  ['PUT empty \n', 'OK\n'],
  ['GET empty\n', '\n'],
  ['PUT  spaced  v\n', 'OK\n'],
  ['GET   spaced\n', ' v\n'],
  ['DEL a\n', 'ERROR\n'],
  ['\n', 'ERROR\n'],
  [`PUT ${'k'.repeat(256)} ${'v'.repeat(256)}\n`, 'OK\n'],
  [`GET ${'k'.repeat(256)}\n`, `${'v'.repeat(256)}\n`],
  [`PUT ${'k'.repeat(257)} v\n`, 'ERROR\n'],
  [`PUT k ${'v'.repeat(257)}\n`, 'ERROR\n'],
  [`GET ${'k'.repeat(257)}\n`, 'ERROR\n'],
  ['GET a\n', '2\n'],
];


for (const workers of [1, 2, 3]) {
  const t = suite(`e2e: seed protocol on ${workers} worker(s)`);
  let cluster: Cluster;

  t.before(async () => {
    cluster = await startCluster({ workers });
  });
  t.after(async () => {
    assert.is(await cluster.stop(), 0, 'server exits 0 on SIGTERM');
  });

  t('answers the seed transcript byte for byte', async () => {
    const client = await TextClient.connect(cluster.port);
    try {
      const sent = SEED_TRANSCRIPT.map(([c]) => c).join('');
      const expected = SEED_TRANSCRIPT.map(([, r]) => r).join('');
      client.send(sent);
      const got = await client.readBytes(Buffer.byteLength(expected));
      assert.is(got.toString('latin1'), expected);
      // Nothing more than the replies owed.
      await new Promise((r) => setTimeout(r, 50));
      assert.is(client.unread, 0);
    } finally {
      client.close();
    }
  });

  t('answers the same transcript when every command arrives one byte at a time', async () => {
    const client = await TextClient.connect(cluster.port);
    try {
      const sent = Buffer.from(SEED_TRANSCRIPT.map(([c]) => c).join(''), 'latin1');
      const expected = SEED_TRANSCRIPT.map(([, r]) => r).join('');
      for (let i = 0; i < sent.length; i++) {
        client.send(sent.subarray(i, i + 1));
        if (i % 64 === 0) await new Promise((r) => setImmediate(r));
      }
      const got = await client.readBytes(Buffer.byteLength(expected));
      assert.is(got.toString('latin1'), expected);
    } finally {
      client.close();
    }
  });

  t('keeps binary keys and values byte for byte', async () => {
    const client = await TextClient.connect(cluster.port);
    try {
      const key = Buffer.from([0xff, 0x00, 0x80, 0x7f, 0xc3, 0x28]);
      const value = Buffer.from([0xe2, 0x82, 0x28, 0x20, 0x01, 0xfe]);
      client.send(Buffer.concat([Buffer.from('PUT '), key, Buffer.from(' '), value, Buffer.from('\nGET '), key, Buffer.from('\n')]));
      const got = await client.readBytes(3 + value.length + 1);
      assert.equal([...got], [...Buffer.from('OK\n'), ...value, 0x0a]);
    } finally {
      client.close();
    }
  });

  t('answers ERROR once for a 1 MB line and keeps serving the connection', async () => {
    const client = await TextClient.connect(cluster.port);
    try {
      client.send('PUT big ');
      for (let i = 0; i < 16; i++) client.send(Buffer.alloc(64 * 1024, 0x78));
      client.send('\nPUT after ok\nGET after\nGET big\n');
      assert.equal(await client.readLines(4), ['ERROR', 'OK', 'ok', 'NOTFOUND']);
    } finally {
      client.close();
    }
  });

  t('answers 10,000 pipelined mixed commands sent in one write, in order', async () => {
    const client = await TextClient.connect(cluster.port);
    try {
      const random = rng(workers * 7919);
      const model = new Map<string, string>();
      const commands: string[] = [];
      const expected: string[] = [];
      for (let i = 0; i < 10_000; i++) {
        const key = `p${workers}-${Math.floor(random() * 700)}`;
        const r = random();
        if (r < 0.45) {
          const value = `v${i} ${key}`;
          commands.push(`PUT ${key} ${value}`);
          model.set(key, value);
          expected.push('OK');
        } else if (r < 0.9) {
          commands.push(`GET ${key}`);
          expected.push(model.get(key) ?? 'NOTFOUND');
        } else {
          commands.push(r < 0.95 ? `PUT ${key}` : `NOPE ${key}`);
          expected.push('ERROR');
        }
      }
      client.send(commands.map((c) => c + '\n').join(''));
      const replies = await client.readLines(commands.length, 20_000);
      for (let i = 0; i < replies.length; i++) {
        if (replies[i] !== expected[i]) assert.unreachable(`reply ${i} to "${commands[i]}" was "${replies[i]}", expected "${expected[i]}"`);
      }
    } finally {
      client.close();
    }
  });

  t('stores keys of all 16 shards from one connection and reads them from others', async () => {
    const keys = keysPerShard(`s${workers}-`, shardOfString);
    assert.equal(new Set(keys.map(shardOfString)).size, 16);
    const writer = await TextClient.connect(cluster.port);
    try {
      assert.equal(await writer.request(keys.map((k) => `PUT ${k} value-of-${k}`)), keys.map(() => 'OK'));
      assert.equal(await writer.request(keys.map((k) => `GET ${k}`)), keys.map((k) => `value-of-${k}`));
    } finally {
      writer.close();
    }
    // New connections land on every worker in turn; each must see every shard.
    const forwarded: number[] = [];
    for (let i = 0; i < workers * 2; i++) {
      const reader = await TextClient.connect(cluster.port);
      try {
        assert.equal(await reader.request(keys.map((k) => `GET ${k}`)), keys.map((k) => `value-of-${k}`));
        const s = await stats(reader);
        assert.is(Number(s.get('workers')), workers);
        forwarded.push(Number(s.get('commands_forwarded')));
      } finally {
        reader.close();
      }
    }
    if (workers > 1) assert.ok(forwarded.every((n) => n > 0), `every worker forwarded some commands: ${forwarded}`);
    else assert.equal(forwarded.filter((n) => n !== 0), [], 'one worker forwards nothing');
  });

  t('serves 200 concurrent clients with disjoint keys, nothing lost or crossed', async () => {
    const clients = await Promise.all(Array.from({ length: 200 }, () => TextClient.connect(cluster.port)));
    try {
      await Promise.all(
        clients.map(async (client, c) => {
          const keys = Array.from({ length: 25 }, (_, i) => `c${workers}-${c}-${i}`);
          const puts = await client.request(keys.map((k) => `PUT ${k} from-${c}-${k}`));
          assert.equal(puts, keys.map(() => 'OK'));
          const gets = await client.request(keys.map((k) => `GET ${k}`));
          assert.equal(gets, keys.map((k) => `from-${c}-${k}`));
        }),
      );
      // And every client's keys read back from one other connection.
      const checker = clients[0];
      for (let c = 0; c < 200; c += 20) {
        const keys = Array.from({ length: 25 }, (_, i) => `c${workers}-${c}-${i}`);
        assert.equal(await checker.request(keys.map((k) => `GET ${k}`)), keys.map((k) => `from-${c}-${k}`));
      }
    } finally {
      for (const c of clients) c.close();
    }
  });

  t.run();
}
