import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { AcceptBalance, keeperMargin, LIVE_MS, VIEW_COALESCE_MS, type BalanceView } from '../src/primary/balance';
import type { PrimaryMessage } from '../src/primary/messages';
import { pastShare, PAUSE_ABOVE, PAUSE_SLACK, RESUME_BELOW, RESUME_SLACK } from '../src/worker/acceptor';

/** A balance over `n` workers with a hand-driven clock and timers, recording what it sends. */
function setup(n: number) {
  let now = 1000;
  const timers: { at: number; fn: () => void }[] = [];
  const sent: [number, PrimaryMessage][] = [];
  const views: BalanceView[] = [];
  const eligible = Array.from({ length: n }, () => true);
  const balance = new AcceptBalance({
    slots: () => n,
    eligible: (i) => eligible[i],
    send: (i, m) => sent.push([i, m]),
    broadcast: (m) => views.push(m as BalanceView),
    now: () => now,
    setTimer: (fn, ms) => timers.push({ at: now + ms, fn }),
  });
  /** Moves the clock on, running the timers that come due. */
  const advance = (ms: number) => {
    now += ms;
    const due = timers.filter((t) => t.at <= now);
    timers.splice(0, timers.length, ...timers.filter((t) => t.at > now));
    for (const t of due) t.fn();
  };
  const keeps = () => sent.filter(([, m]) => m.t === 'keep') as [number, Extract<PrimaryMessage, { t: 'keep' }>][];
  return { balance, advance, sent, views, eligible, keeps, last: () => views[views.length - 1] };
}

const t = suite('router:primary accept balance');

t('the live worker with the fewest clients is asked to keep, and is the keeper only once it says it accepts', () => {
  const { balance, advance, keeps, last } = setup(3);
  balance.report(0, 10);
  balance.report(1, 4);
  balance.report(2, 9);
  advance(VIEW_COALESCE_MS);
  assert.equal(keeps().map(([i]) => i), [1]);
  // Asked, not yet answered: every view still names no keeper, so no worker stops accepting.
  assert.is(last().keeper, -1);
  balance.kept(1, keeps()[0][1].epoch);
  advance(VIEW_COALESCE_MS);
  assert.equal({ keeper: last().keeper, counts: last().counts, live: last().live }, { keeper: 1, counts: [10, 4, 9], live: [true, true, true] });
});

t('the keeper stays within its margin of the fewest, and is replaced past it (the old one keeps until the new one accepts)', () => {
  const { balance, advance, keeps, last } = setup(2);
  balance.report(0, 0);
  balance.report(1, 0);
  advance(VIEW_COALESCE_MS);
  balance.kept(0, keeps()[0][1].epoch);
  balance.report(0, 100 + keeperMargin(100));
  balance.report(1, 100);
  advance(VIEW_COALESCE_MS);
  assert.is(keeps().length, 1, 'within the margin: no change');
  balance.report(0, 101 + keeperMargin(100));
  advance(VIEW_COALESCE_MS);
  assert.equal(keeps().map(([i]) => i), [0, 1]);
  assert.is(last().keeper, 0, 'until worker 1 says it accepts');
  const epoch = keeps()[1][1].epoch;
  // A stale answer (an older epoch, or another worker) changes nothing.
  balance.kept(1, epoch - 1);
  balance.kept(0, epoch);
  advance(VIEW_COALESCE_MS);
  assert.is(last().keeper, 0);
  balance.kept(1, epoch);
  advance(VIEW_COALESCE_MS);
  assert.equal([last().keeper, last().epoch], [1, epoch]);
});

t('a worker that stops reporting is not live: it is no keeper, and while none is live there is none', () => {
  const { balance, advance, keeps, last } = setup(2);
  balance.report(0, 1);
  balance.report(1, 5);
  advance(VIEW_COALESCE_MS);
  balance.kept(0, keeps()[0][1].epoch);
  advance(VIEW_COALESCE_MS);
  assert.is(last().keeper, 0);
  // Worker 0 goes quiet (SIGSTOP); worker 1 goes on reporting.
  for (let waited = 0; waited <= LIVE_MS; waited += 100) {
    advance(100);
    balance.report(1, 5);
    balance.tick();
  }
  assert.equal(last().live, [false, true]);
  assert.is(last().keeper, -1, 'a stuck keeper is withdrawn at once: every worker accepts');
  assert.equal(keeps().map(([i]) => i), [0, 1], 'and the live one is asked to keep');
  balance.kept(1, keeps()[1][1].epoch);
  advance(VIEW_COALESCE_MS);
  assert.is(last().keeper, 1);
});

t('a candidate that goes quiet before it answers is dropped, and a later view tells it so', () => {
  const { balance, advance, keeps, last, eligible } = setup(2);
  balance.report(0, 0);
  balance.report(1, 3);
  advance(VIEW_COALESCE_MS);
  const asked = keeps()[0][1].epoch;
  eligible[0] = false;
  balance.tick();
  assert.ok(last().epoch >= asked, 'its keep is overtaken: it must not go on keeping');
  assert.equal(keeps().map(([i]) => i), [0, 1]);
});

t('a worker that exits keeps nothing and counts no clients', () => {
  const { balance, advance, keeps, last } = setup(2);
  balance.report(0, 2);
  balance.report(1, 8);
  advance(VIEW_COALESCE_MS);
  balance.kept(0, keeps()[0][1].epoch);
  balance.forget(0);
  advance(VIEW_COALESCE_MS);
  assert.equal([last().keeper, last().counts[0], last().live[0]], [-1, 0, false]);
});

t('a burst of reports makes one view, and an unchanged view is not sent again', () => {
  const { balance, advance, views } = setup(2);
  for (let i = 0; i < 100; i++) balance.report(i % 2, i);
  advance(VIEW_COALESCE_MS);
  const after = views.length;
  assert.ok(after <= 2, `${after} views for 100 reports`);
  balance.tick();
  balance.tick();
  assert.is(views.length, after);
});

t.run();

const share = suite('router:worker share of the clients');
const view = (counts: number[], live: boolean[]): BalanceView => ({ t: 'balance', counts, live, keeper: 0, epoch: 1 });

share('a worker is past its share beyond 1.10x plus 3, counting only the live workers, itself by its own count', () => {
  // Worker 0's own entry is stale (100): its own load (here 130) is what counts.
  const v = view([100, 100, 100], [true, true, true]);
  const limit = ((130 + 200) / 3) * PAUSE_ABOVE + PAUSE_SLACK;
  assert.ok(130 > limit === pastShare(0, 130, v, PAUSE_ABOVE, PAUSE_SLACK));
  assert.ok(pastShare(0, 140, v, PAUSE_ABOVE, PAUSE_SLACK));
  assert.not.ok(pastShare(0, 115, v, PAUSE_ABOVE, PAUSE_SLACK));
  // A stuck worker (not live) takes no share: the others are not past theirs for its sake.
  assert.not.ok(pastShare(0, 120, view([0, 100, 0], [true, true, false]), PAUSE_ABOVE, PAUSE_SLACK));
  // Alone (no other live worker): never past.
  assert.not.ok(pastShare(0, 10_000, view([0, 0], [true, false]), PAUSE_ABOVE, PAUSE_SLACK));
});

share('resuming needs a lower load than pausing, so a worker at the edge does not flap', () => {
  const v = view([0, 100], [true, true]);
  for (let mine = 0; mine < 300; mine++) {
    if (pastShare(0, mine, v, RESUME_BELOW, RESUME_SLACK) === false) assert.not.ok(pastShare(0, mine, v, PAUSE_ABOVE, PAUSE_SLACK), `${mine}`);
  }
  assert.ok(pastShare(0, 118, v, RESUME_BELOW, RESUME_SLACK) && !pastShare(0, 118, v, PAUSE_ABOVE, PAUSE_SLACK), 'between the two: stays as it is');
});

share.run();
