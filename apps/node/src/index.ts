export { ShardNode, FrameReplies } from './worker';
export { ShardSet, ownerOf, shardsOf } from './shards';
export { COMMANDS, BY_OPCODE, lookup, commandNamed, arityOk, RESP_COMMANDS, type CommandSpec, type Handler, type WorkerHandler, type Route } from './commands/table';
export { ERR, type ReplySink } from './reply';
export { packValues, unpackValues } from './commands/txn';
