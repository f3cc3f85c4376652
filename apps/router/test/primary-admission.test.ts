import type * as net from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Admission, RECLAIM_MS } from '../src/primary/admission';
import type { PrimaryMessage, WorkerMessage } from '../src/primary/messages';
import { headroom, WorkerAdmission } from '../src/worker/admission';

/**
 * The primary's Admission and each worker's WorkerAdmission wired to each other by hand: messages
 * are delivered when the test says (`deliver`), so a test can stop any of them in flight.
 */
function cluster(max: number, workers: number, keep = 1) {
  const toWorker: [number, PrimaryMessage][] = [];
  const toPrimary: [number, WorkerMessage][] = [];
  const timers: (() => void)[] = [];
  const running = Array.from({ length: workers }, (_, i) => i);
  const primary = new Admission(max, { running: () => running, send: (i, m) => toWorker.push([i, m]), setTimer: (fn) => timers.push(fn) });
  const served: string[][] = [];
  const refused: string[][] = [];
  const clients: number[] = [];
  const sides = Array.from({ length: workers }, (_, w) => {
    served[w] = [];
    refused[w] = [];
    clients[w] = 0;
    return new WorkerAdmission(
      {
        clients: () => clients[w],
        serve: (socket) => {
          served[w].push(name(socket));
          clients[w]++;
        },
        refuse: (socket) => refused[w].push(name(socket)),
        send: (m) => toPrimary.push([w, m]),
      },
      keep,
    );
  });
  /** Runs every message in flight, both ways, until none is left (or only those `hold` keeps). */
  const deliver = (hold: (w: number, m: PrimaryMessage) => boolean = () => false) => {
    for (let round = 0; round < 100 && (toWorker.length > 0 || toPrimary.length > 0); round++) {
      for (const [w, m] of toPrimary.splice(0)) {
        if (m.t === 'admit') primary.ask(w, m.want);
        else if (m.t === 'returned') primary.returned(w, m.count);
      }
      const held: [number, PrimaryMessage][] = [];
      for (const [w, m] of toWorker.splice(0)) {
        if (hold(w, m)) held.push([w, m]);
        else if (m.t === 'grant') sides[w].grant(m.count, m.full, m.scarce);
        else if (m.t === 'reclaim') sides[w].reclaim();
      }
      if (held.length > 0) return held;
    }
    return [];
  };
  /** A client arrives at worker w: served at once (true) or waiting for a place. */
  const arrive = (w: number, label: string): boolean => {
    const socket = { label } as unknown as net.Socket;
    const now = sides[w].admit(socket);
    if (now) {
      served[w].push(label);
      clients[w]++;
    }
    return now;
  };
  const leave = (w: number) => {
    clients[w]--;
    sides[w].changed();
  };
  const drop = (w: number) => toPrimary.splice(0, toPrimary.length, ...toPrimary.filter(([from]) => from !== w));
  return { primary, sides, deliver, arrive, leave, drop, served, refused, clients, timers, running };
}

function name(socket: net.Socket): string {
  return (socket as unknown as { label: string }).label;
}

const t = suite('router:maxclients over the server (primary and worker admission)');

t('headroom is an eighth of an even share, between 1 and 64', () => {
  assert.is(headroom(4, 2), 1);
  assert.is(headroom(10_000, 2), 64);
  assert.is(headroom(800, 2), 50);
});

t('a worker admits at once while it holds places, and asks for more before they run out', () => {
  const c = cluster(100, 2, 4);
  c.sides[0].start();
  c.sides[1].start();
  c.deliver();
  for (let i = 0; i < 3; i++) assert.ok(c.arrive(0, `a${i}`), 'a place was held: no round trip');
  c.deliver();
  assert.is(c.primary.held(0), 4 + 4, 'asked for another headroom as it went under half of it');
  assert.ok(c.arrive(0, 'a3'));
});

t('one worker can hold nearly all of maxclients: a client is refused only when the server is full', () => {
  const c = cluster(10, 2, 1);
  c.sides[0].start();
  c.sides[1].start();
  c.deliver();
  // Worker 1 is idle; every client comes to worker 0 (worker 1 paused for balance, say).
  for (let i = 0; i < 11; i++) if (!c.arrive(0, `c${i}`)) c.deliver();
  c.deliver();
  assert.is(c.clients[0], 10, "past an even share (5), up to the server's maxclients");
  assert.is(c.primary.held(1), 0, "worker 1's unused place was reclaimed for it");
  assert.equal(c.refused[0], ['c10'], 'only the eleventh is refused: maxclients is 10');
});

t('places come back as clients leave, and a worker holding too many unused gives some back', () => {
  const c = cluster(20, 2, 2);
  c.sides[0].start();
  c.deliver();
  for (let i = 0; i < 12; i++) if (!c.arrive(0, `c${i}`)) c.deliver();
  c.deliver();
  for (let i = 0; i < 12; i++) c.leave(0);
  c.deliver();
  assert.ok(c.primary.held(0) <= 2 * 2, `it keeps at most twice its headroom: ${c.primary.held(0)}`);
  assert.is(c.primary.free(), 20 - c.primary.held(0));
});

t('a worker that does not answer a reclaim (stuck) keeps its places; the ask is answered after RECLAIM_MS', () => {
  const c = cluster(10, 2, 2);
  c.sides[0].start();
  c.sides[1].start();
  c.deliver();
  assert.equal([c.primary.held(0), c.primary.held(1)], [2, 2], 'each holds its headroom');
  // Worker 1 gets stuck (SIGSTOP) holding 2 unused places: reclaims to it are never delivered.
  const stuck = (w: number, m: PrimaryMessage) => w === 1 && m.t === 'reclaim';
  for (let i = 0; i < 9; i++) if (!c.arrive(0, `c${i}`)) c.deliver(stuck);
  assert.equal(c.refused[0], [], 'nothing refused before the stuck worker had its time to answer');
  assert.is(c.timers.length, 1);
  c.timers[0]();
  c.deliver(stuck);
  assert.is(c.clients[0], 8, "all but the stuck worker's 2 places");
  assert.equal(c.refused[0], ['c8'], 'full, as far as the workers that answer can tell');
  assert.ok(RECLAIM_MS > 0);
});

t('with no place free, an idle worker gives its unused ones back (scarce), so another gets them without a reclaim', () => {
  const c = cluster(4, 2, 2);
  c.sides[0].start();
  c.sides[1].start();
  c.deliver();
  assert.equal([c.primary.held(0), c.primary.held(1)], [2, 0], 'worker 1 was told none is free: it keeps no headroom');
  for (const label of ['a', 'b', 'c', 'd']) if (!c.arrive(0, label)) c.deliver();
  c.deliver();
  assert.equal([c.clients[0], c.refused[0], c.primary.held(1)], [4, [], 0]);
});

t('the places of a worker that exits are free at once', () => {
  const c = cluster(4, 2, 2);
  c.sides[0].start();
  c.sides[1].start();
  c.deliver();
  c.arrive(1, 'x');
  c.arrive(1, 'y');
  // Worker 1 exits: what it was about to say is never heard.
  c.primary.forget(1);
  c.running.splice(1, 1);
  c.drop(1);
  for (const label of ['a', 'b', 'c', 'd']) if (!c.arrive(0, label)) c.deliver();
  c.deliver();
  assert.equal([c.clients[0], c.refused[0]], [4, []]);
});

t.run();
