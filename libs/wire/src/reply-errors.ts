/**
 * Error replies as data: each package keeps every error reply it gives in one table of these, so
 * test/reply-errors.test.ts can check the texts against redis-server's in one place, and codes
 * (stable names, unique across the packages) let tests and logs match an error without its text.
 */

/** An error's text: fixed, or made from its arguments (a command's name, an option ...). */
export type ErrorText = string | ((...args: never[]) => string);

/**
 * How to make redis-server (and this server) answer an error: commands sent first (`before`),
 * then `command`, whose reply must be the error, made from `args` when its text takes any.
 */
export interface ErrorProbe {
  readonly before?: readonly (readonly string[])[];
  readonly command: readonly string[];
  readonly args?: readonly string[];
  /** The reply only starts with the text (an error raised in a script, which says where after it). */
  readonly startsWith?: boolean;
}

export interface ReplyError<T extends ErrorText = ErrorText> {
  /** Our name for it, unique across the packages (upper case, no spaces). */
  readonly code: string;
  /** Redis's exact text where Redis has the error (its first word is Redis's error code: ERR, WRONGTYPE ...). */
  readonly text: T;
  /** How redis-server is made to give it; absent for errors Redis has not, or cannot be made to give here (`why`). */
  readonly probe?: ErrorProbe;
  /** Why there is no probe. */
  readonly why?: string;
}

/** A package's table: entries by the name its code uses. */
export type ReplyErrorTable = Readonly<Record<string, ReplyError>>;

/** The texts of a table, by name, as the code that answers them uses them. */
export type ErrorTexts<T extends ReplyErrorTable> = { readonly [K in keyof T]: T[K]['text'] };

/** Checks a table's shape at compile time and returns it as written (its literal types kept). */
export function replyErrors<const T extends ReplyErrorTable>(table: T): T {
  return table;
}

/** The texts of a table, by name. */
export function errorTexts<T extends ReplyErrorTable>(table: T): ErrorTexts<T> {
  const texts: Record<string, ErrorText> = {};
  for (const [name, entry] of Object.entries(table)) texts[name] = entry.text;
  return texts as ErrorTexts<T>;
}
