import { countError } from './error-counts';
import { ReplyKind } from './frame';
import type { OutBuffer } from './out';
import { RESP3_REPLIES, RESP_REPLIES, type ReplyEncoder } from './replies';

const nothing = (): void => {};

/**
 * CLIENT REPLY OFF / SKIP: an encoder of `base`'s protocol that writes nothing (`silent`); an
 * error is still counted, as Redis counts one it does not send.
 */
function silenced(base: ReplyEncoder): ReplyEncoder {
  const quiet: Record<string, unknown> = { ...base, silent: true };
  for (const [name, value] of Object.entries(base)) if (typeof value === 'function') quiet[name] = nothing;
  quiet.error = (_out: OutBuffer, message: string) => countError(message);
  quiet.kind = (_out: OutBuffer, kind: ReplyKind, payload: string) => {
    if (kind === ReplyKind.ERROR) countError(payload);
  };
  return quiet as unknown as ReplyEncoder;
}

const SILENT_RESP2 = silenced(RESP_REPLIES);
const SILENT_RESP3 = silenced(RESP3_REPLIES);

/** The silent encoder of a RESP protocol. */
export function silentReplies(base: ReplyEncoder): ReplyEncoder {
  return base === RESP3_REPLIES ? SILENT_RESP3 : SILENT_RESP2;
}
