import type { CommandSpec } from '@kv/node';

/**
 * What CLIENT INFO and CLIENT LIST show of a connection beyond its id and name: the library it
 * named with CLIENT SETINFO, when it connected, and its last command (with the subcommand a
 * container command such as CLIENT named). Set by Conn and by the connection commands.
 */
export class ClientInfo {
  /** CLIENT SETINFO LIB-NAME / LIB-VER; '' for none. */
  libName = '';
  libVer = '';
  /** When it connected (Date.now), for CLIENT LIST's age. */
  readonly connectedAt = Date.now();
  /** The last command that passed the arity check; undefined before the first. */
  command: CommandSpec | undefined = undefined;
  /** The subcommand of `command` when that is a container (CLIENT, COMMAND, CONFIG), lower case; '' for none. */
  subcommand = '';
  /** EXEC is running its queued commands (MONITOR refuses to start there, as Redis). */
  inExec = false;
  /** Its subcommand was unknown or of the wrong arity: refused before it ran, as Redis does (SLOWLOG keeps no entry). */
  refused = false;
}
