import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Acceptor, REPORT_STEP, type AcceptorHost } from '../src/worker/acceptor';
import type { WorkerMessage } from '../src/primary/messages';

const t = suite('router:worker acceptor reports');

function fakeHost(): AcceptorHost & { count: number; sent: WorkerMessage[] } {
  return {
    self: 0,
    count: 0,
    sent: [],
    clients() {
      return this.count;
    },
    adopt() {},
    socketFor: () => {
      throw new Error('not used');
    },
    tls: () => null,
    send(message) {
      this.sent.push(message);
    },
    log() {},
  };
}

t('within one turn (no timer can fire) a count that moved by REPORT_STEP is reported at once', () => {
  const host = fakeHost();
  const acceptor = new Acceptor(host);
  try {
    for (let i = 1; i < REPORT_STEP; i++) {
      host.count = i;
      acceptor.changed();
    }
    assert.equal(host.sent, [], 'below the step: left to the coalescing timer');
    host.count = REPORT_STEP;
    acceptor.changed();
    assert.equal(host.sent, [{ t: 'clients', clients: REPORT_STEP }]);
    // Counted from the last report, down as well as up.
    host.count = 0;
    acceptor.changed();
    assert.equal(host.sent[1], { t: 'clients', clients: 0 });
  } finally {
    acceptor.close();
  }
});

t('a smaller change is reported by the timer, once', async () => {
  const host = fakeHost();
  const acceptor = new Acceptor(host);
  try {
    host.count = 3;
    acceptor.changed();
    acceptor.changed();
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.equal(host.sent, [{ t: 'clients', clients: 3 }]);
  } finally {
    acceptor.close();
  }
});

t.run();
