/** Error codes errorstats keeps apart at most, as Redis's ERROR_STATS_NUMBER; a code past them is counted in the total only. */
export const ERROR_CODES_LIMIT = 128;

/**
 * Error replies encoded in this process, in all (INFO's total_error_replies) and by code (the
 * message's first word, ERR, WRONGTYPE ...: INFO errorstats): every error goes through the encoders
 * of replies.ts, in the process that encodes it for its client (a forwarded command's owner, or the
 * client's own worker), so the workers' counts sum to the server's. One count per error.
 */
export const replyCounts = {
  errors: 0,
  byCode: new Map<string, number>(),
  /** CONFIG RESETSTAT: none yet. */
  reset(): void {
    this.errors = 0;
    this.byCode.clear();
  },
};

/** One error reply encoded, with its message. */
export function countError(message: string): void {
  replyCounts.errors++;
  const space = message.indexOf(' ');
  const code = space < 0 ? message : message.slice(0, space);
  const byCode = replyCounts.byCode;
  const count = byCode.get(code);
  if (count !== undefined) byCode.set(code, count + 1);
  else if (byCode.size < ERROR_CODES_LIMIT) byCode.set(code, 1);
}
