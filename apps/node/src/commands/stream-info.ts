import { TREE, TreeTag, type Args } from '@kv/wire';
import { StreamId, type Lru, type LruStream } from '@kv/lru';
import { ERR, type ReplySink } from '../reply';
import { int64Bytes } from './numbers';
import { streamAt, streamOf, WRONG } from './stream-args';
import { entryToTree } from './streams';

/** XINFO (Redis 7.0's xinfoCommand): STREAM [FULL [COUNT n]] and HELP; GROUPS and CONSUMERS answer that consumer groups are not supported. */

/** Redis 7.0's XINFO HELP, line for line. */
const HELP = [
  'XINFO <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'CONSUMERS <key> <groupname>',
  '    Show consumers of <groupname>.',
  'GROUPS <key>',
  '    Show the stream consumer groups.',
  'STREAM <key> [FULL [COUNT <count>]',
  '    Show information about the stream.',
  'HELP',
  '    Prints this help.',
];

/** Each subcommand's arity, as Redis's xinfo|... entries (negative: at least). */
const ARITY: Record<string, number> = { HELP: 2, STREAM: -3, GROUPS: 3, CONSUMERS: 4 };

export function xinfo(store: Lru, args: Args, reply: ReplySink): void {
  const given = args.latin1(1);
  const sub = given.toUpperCase();
  const arity = ARITY[sub];
  if (arity === undefined) return reply.error(ERR.unknownSubcommand(given, 'XINFO'));
  if (arity > 0 ? args.count !== arity : args.count < -arity) return reply.error(ERR.arity(`xinfo|${sub.toLowerCase()}`));
  if (sub === 'HELP') {
    TREE.begin().array(HELP.length);
    for (const line of HELP) TREE.status(line);
    return reply.tree(TREE.buf, 0, TREE.length);
  }
  const slot = streamAt(store, args, 2, reply, false);
  if (slot === WRONG) return;
  if (slot < 0) return reply.error(ERR.noSuchKey);
  if (sub !== 'STREAM') return reply.error(ERR.noConsumerGroups);
  let full = false;
  let count = 10;
  if (args.count > 3) {
    if ((args.count !== 4 && args.count !== 6) || args.latin1(3).toUpperCase() !== 'FULL') return reply.error(ERR.subcommandSyntax(given, 'XINFO'));
    full = true;
    if (args.count === 6) {
      if (args.latin1(4).toUpperCase() !== 'COUNT') return reply.error(ERR.subcommandSyntax(given, 'XINFO'));
      const n = int64Bytes(args.buf, args.starts[5], args.ends[5]);
      if (n === undefined) return reply.error(ERR.notInteger);
      count = n < 0 ? 10 : Number(n);
    }
  }
  const stream = streamOf(store, slot);
  TREE.begin().map(full ? 9 : 10);
  TREE.bulk('length').integer(stream.length);
  TREE.bulk('radix-tree-keys').integer(stream.blocks.length);
  TREE.bulk('radix-tree-nodes').integer(treeNodes(stream));
  TREE.bulk('last-generated-id').bulk(stream.lastId.text());
  TREE.bulk('max-deleted-entry-id').bulk(stream.maxDeletedId.text());
  TREE.bulk('entries-added').integer(stream.entriesAdded);
  TREE.bulk('recorded-first-entry-id').bulk(stream.firstId.text());
  if (full) {
    TREE.bulk('entries');
    const at = TREE.open(TreeTag.ARRAY);
    TREE.closeAt(at, stream.range(MIN, MAX, false, count, entryToTree));
    TREE.bulk('groups').array(0);
  } else {
    TREE.bulk('groups').integer(0);
    TREE.bulk('first-entry');
    if (stream.range(MIN, MAX, false, 1, entryToTree) === 0) TREE.nil();
    TREE.bulk('last-entry');
    if (stream.range(MIN, MAX, true, 1, entryToTree) === 0) TREE.nil();
  }
  reply.tree(TREE.buf, 0, TREE.length);
}

const MIN = new StreamId();
const MAX = StreamId.max();

/**
 * What XINFO reports as radix-tree-nodes: Redis counts its radix tree's inner nodes, which this
 * store does not have (its blocks sit in an array); the blocks plus one, which is what Redis
 * shows for small streams.
 */
function treeNodes(stream: LruStream): number {
  return stream.blocks.length + 1;
}
