import { errorTexts, replyErrors } from './reply-errors';

/**
 * The error replies the codecs make: a protocol error, its detail being the parser's (resp.ts,
 * inline.ts: Redis's words, e.g. `invalid bulk length`); the connection answers it after the
 * replies it owes, then closes.
 */
export const WIRE_ERRORS = replyErrors({
  protocol: {
    code: 'PROTOCOL',
    text: (detail: string) => `ERR Protocol error: ${detail}`,
    why: 'made by raw bytes, not a command: test/compat/resp-raw.ts compares them with redis-server byte for byte',
  },
});

export const WIRE_ERR = errorTexts(WIRE_ERRORS);
