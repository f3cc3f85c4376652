export { LuaEngine, Run, LATER, sha1hex, type ScriptHost, type Step } from './engine';
export { isError, isStatus, type Reply, type ErrorReply, type StatusReply } from './values';
export { parseReply } from './resp';
