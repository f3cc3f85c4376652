export { ShardNode, FrameReplies } from './worker';
export { ShardSet, ownerOf, shardsOf } from './shards';
export { COMMANDS, BY_OPCODE, Opcode, type CommandSpec, type Handler } from './commands/table';
export type { ReplySink } from './reply';
