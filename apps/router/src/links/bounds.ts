/** Requests a link may owe replies for (sent, or parked behind a hold), at most. */
export const MAX_LINK_OWED = 65_536;
/** Bytes a link may hold unsent (its socket's buffer, this turn's frame, parked copies), at most. */
export const MAX_LINK_BYTES = 64 * 1024 * 1024;
/** Past this much unsent on a link, clients with commands in flight stop reading until it drains (Flow). */
export const LINK_HIGH_WATER = 4 * 1024 * 1024;
/** A turn's request frame to one peer is sent early past this size... */
export const EARLY_FLUSH_BYTES = 16 * 1024 * 1024;
/**
 * ...or this many commands, and a reply frame too once it answers this many: under thousands of
 * clients a worker's turn reads hundreds of them, and what it forwarded waited for the turn's end
 * while the peer, between its own reads, could already have served it (10,000 clients' p99.9:
 * 1.96-2.07x the seed's without, 1.06-1.18x with; at 50 clients no turn reaches it).
 */
export const EARLY_FLUSH_COMMANDS = 128;
