import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { argsOf, ReplyMode, type Items } from '@kv/wire';
import { commandNamed, ReplyTo, ShardNode } from '@kv/node';
import { Owners, WHOLE_WORKER } from '../src/coord/owners';
import { Peers } from '../src/links/peers';

// Client-side caching through Owners: a tracking client's command keeps its client id however it
// runs here, at once or behind a hold (the live fuzz test's tracking clients found an MGET over
// workers, its TXPREPARE deferred on a held worker, that tracked nothing).

const ALL = Array.from({ length: 16 }, (_, i) => i);
const events = { onLinkDown() {}, onCorruptFrame() {} };
const TXPREPARE = commandNamed('TXPREPARE');
const t = suite("owners: a tracking client's reads behind a hold");

t("a worker command that waited behind a hold (a read transaction's TXPREPARE) tracks its client's reads", () => {
  const node = new ShardNode(ALL, 1 << 20);
  const owners = new Owners(0, node, new Peers(0, 1, node, events));
  const tracking = node.shards.memory.tracking;
  node.shards.holdFor('tx', -1, []);
  const got: (Items | undefined)[] = [];
  const later = { txid: null, later: () => ({ client: { failed() {} }, mode: ReplyMode.FORM, settle: (_kind: number, _payload: string, items?: Items) => void got.push(items) }) };
  owners.reader = 17;
  assert.not.ok(owners.run(0, WHOLE_WORKER, TXPREPARE, argsOf(['TXPREPARE', 'rd', '0', 'read', 'k1', 'k2']), new ReplyTo(() => {}), later, 0), 'it waits');
  owners.reader = 0;
  assert.is(tracking.keys, 0);
  assert.ok(node.shards.abort('tx'));
  assert.is(got.length, 1, 'it ran once the hold ended');
  assert.is(tracking.keys, 2, 'both keys remembered for its client');
  assert.is(node.shards.client, 0, 'and the client id did not stay set');
  assert.ok(node.shards.abort('rd'));
});

t.run();
