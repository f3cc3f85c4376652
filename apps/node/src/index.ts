export { ShardNode, FrameReplies } from './worker';
export { ShardSet, ownerOf, shardsOf } from './shards';
export { COMMANDS, BY_OPCODE, lookup, commandNamed, arityOk, RESP_COMMANDS, type CommandSpec, type Handler, type WorkerHandler, type Route } from './commands/table';
export { ERR, KindedReply, ReplyTo, type ReplySink } from './reply';
export { packValues, unpackValues } from './commands/txn';
export { compileGlob, globMatch, type Glob } from './commands/glob';
export { parseScan, cursorAt, cursorText, type ScanRequest } from './commands/scan';
export { mergeInfo, REDIS_VERSION, type ProcessStats, type StatsProvider } from './commands/info';
export { COMMAND_DOCS, type CommandDoc, type DocArg } from './commands/docs';
