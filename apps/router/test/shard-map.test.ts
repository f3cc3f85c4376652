import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { initialMap, planMoves, shardsOwnedBy, spreadOwners } from '../src/primary/shard-map';

const t = suite('router:shard map');

t('the even spread puts shard s on worker s mod N', () => {
  assert.equal(shardsOwnedBy(spreadOwners(3), 0), [0, 3, 6, 9, 12, 15]);
  assert.equal(shardsOwnedBy(spreadOwners(16), 5), [5]);
  assert.equal(initialMap(4), { version: 1, workers: 4, owners: spreadOwners(4) });
});

t('a resize moves exactly the shards whose owner changes', () => {
  for (let from = 1; from <= 16; from++) {
    for (let to = 1; to <= 16; to++) {
      const owners = spreadOwners(from);
      const moves = planMoves(owners, to);
      for (const m of moves) owners[m.shard] = m.to;
      assert.equal(owners, spreadOwners(to), `${from} -> ${to}`);
      assert.ok(moves.every((m) => m.from !== m.to && m.from === m.shard % from));
    }
  }
  // 2 -> 4 moves half the shards; 4 -> 1 moves the 12 not on worker 0.
  assert.is(planMoves(spreadOwners(2), 4).length, 8);
  assert.is(planMoves(spreadOwners(4), 1).length, 12);
  assert.is(planMoves(spreadOwners(3), 3).length, 0);
});

t.run();
