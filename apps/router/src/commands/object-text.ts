/** OBJECT's subcommands (their arities, Redis 7.0's) and HELP text: commands/object.ts answers a client with them, coord/script-calls.ts a script. */

export const OBJECT_ARITY: Readonly<Record<string, number>> = { ENCODING: 3, FREQ: 3, IDLETIME: 3, REFCOUNT: 3, HELP: 2 };

/** Redis 7.0's OBJECT HELP, line for line. */
export const OBJECT_HELP: readonly string[] = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];
