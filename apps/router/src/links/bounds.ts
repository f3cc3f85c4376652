/** Requests a link may owe replies for (sent, or parked behind a hold), at most. */
export const MAX_LINK_OWED = 65_536;
/** Bytes a link may hold unsent (its socket's buffer, this turn's frame, parked copies), at most. */
export const MAX_LINK_BYTES = 64 * 1024 * 1024;
/** Past this much unsent on a link, clients with commands in flight stop reading until it drains (Flow). */
export const LINK_HIGH_WATER = 4 * 1024 * 1024;
