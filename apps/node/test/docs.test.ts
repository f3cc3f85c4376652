import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { COMMAND_DOCS, parseArgs } from '../src/commands/docs';
import { RESP_COMMANDS } from '../src/commands/table';

const t = suite('node:command-docs');

t('every command clients can call has docs with summary, since and group', () => {
  for (const spec of RESP_COMMANDS) {
    const doc = COMMAND_DOCS.get(spec.name);
    assert.ok(doc !== undefined, `no docs for ${spec.name}`);
    assert.ok(doc.summary.length > 0 && /^\d+\.\d+\.\d+$/.test(doc.since) && doc.group.length > 0, spec.name);
  }
});

t('docs name a key argument exactly when the table entry has key positions', () => {
  const hasKey = (args: readonly { type: string; args: readonly any[] }[]): boolean => args.some((a) => a.type === 'key' || hasKey(a.args));
  // A script's keys are counted by numkeys (Redis's movablekeys): no fixed positions, but key arguments.
  const movable = (name: string) => RESP_COMMANDS.find((c) => c.name === name)!.flags.includes('movablekeys');
  // A shard channel has a key's position (its slot) but is no key (Redis's not_key key spec): its docs say string.
  const channelAsKey = (name: string) => RESP_COMMANDS.find((c) => c.name === name)!.flags.includes('pubsub');
  // A container routed by its subcommand's key (XINFO STREAM key: argv[2]) has it in its subcommands' docs.
  const docKey = (spec: (typeof RESP_COMMANDS)[number]) => {
    const doc = COMMAND_DOCS.get(spec.name)!;
    return hasKey(doc.args) || (spec.firstKey > 1 && doc.subcommands.some(([, sub]) => hasKey(sub.args)));
  };
  for (const spec of RESP_COMMANDS) assert.is(docKey(spec), (spec.firstKey > 0 && !channelAsKey(spec.name)) || movable(spec.name), spec.name);
});

t('the compact argument form parses into Redis argument trees', () => {
  assert.equal(parseArgs('key:key integer:count@COUNT{optional} oneof:c{optional}(pure-token:nx@NX pure-token:xx@XX)'), [
    { name: 'key', type: 'key', token: undefined, flags: [], args: [] },
    { name: 'count', type: 'integer', token: 'COUNT', flags: ['optional'], args: [] },
    {
      name: 'c',
      type: 'oneof',
      token: undefined,
      flags: ['optional'],
      args: [
        { name: 'nx', type: 'pure-token', token: 'NX', flags: [], args: [] },
        { name: 'xx', type: 'pure-token', token: 'XX', flags: [], args: [] },
      ],
    },
  ]);
  assert.equal(parseArgs(''), []);
  assert.throws(() => parseArgs('nosuchtype:x'), /unknown type/);
  assert.throws(() => parseArgs('block:x(key:k'), /expected \)/);
});

t.run();
