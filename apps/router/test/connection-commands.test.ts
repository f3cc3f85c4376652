import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMANDS, RESP_COMMANDS } from '@kv/node';
import { CONNECTION_HANDLERS } from '../src/commands';
import { ANSWERED_IN_SCRIPT } from '../src/coord/script-calls';

const t = suite('router:connection commands');

t('every connection command clients can call has a handler in a family file', () => {
  for (const spec of RESP_COMMANDS) if (spec.plan === 'connection') assert.ok(CONNECTION_HANDLERS.has(spec.name), spec.name);
});

t('every handler answers a table entry whose plan is connection', () => {
  for (const name of CONNECTION_HANDLERS.keys()) {
    const spec = COMMANDS.find((c) => c.name === name);
    assert.ok(spec !== undefined && spec.plan === 'connection' && !spec.textOnly, name);
  }
});

t.run();

const scripted = suite('router:connection commands a script may call');

scripted('the script runtime answers exactly the table\'s inScript entries', () => {
  assert.equal(ANSWERED_IN_SCRIPT.map((spec) => spec.name).sort(), COMMANDS.filter((spec) => spec.inScript).map((spec) => spec.name).sort());
});

scripted.run();
