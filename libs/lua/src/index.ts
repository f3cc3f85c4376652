export { LuaEngine, sha1hex, type EngineOptions } from './engine';
export { LATER, Run, type ScriptHost, type Step } from './run';
export { LuaEngineFailed } from './failure';
export { ScriptCache, EVAL_SCRIPTS_LIMIT, type ScriptKind } from './cache';
export { LuaScripts, type EngineEvents } from './scripts';
export { REPLY_DEPTH_LIMIT } from './stack';
export { EncodedReply, isError, isStatus, type Reply, type ErrorReply, type StatusReply } from './values';
export { parseReply } from './resp';
export { LUA_ERRORS, LUA_ERR } from './errors';
