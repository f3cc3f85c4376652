import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { workerHeapLimitMb, workerV8Flags } from '../src/primary/v8-flags';

const t = suite('router:worker v8 flags');

t('the heap limit fits all of maxmemory and a half, plus 96 MB; none when the operator set one', () => {
  assert.is(workerHeapLimitMb(1024 * 1048576, []), 1536 + 96);
  assert.is(workerHeapLimitMb(1048576, ['--max-old-space-size=512']), null);
});

t('4 MB semi-spaces unless the operator chose', () => {
  assert.equal(workerV8Flags(200, []), ['--max-old-space-size=200', '--max-semi-space-size=4']);
  assert.equal(workerV8Flags(null, ['--max-semi-space-size=16']), []);
});

t.run();
