import { Kind, listItems, Lru, setMembers, StoreMemory, type EvictionPolicy, type HashReader } from '@kv/lru';

/**
 * Key-by-string views of a store for the handler tests (no tests in this file: a helper). The
 * store itself works by slot; these read and write it as a client's commands would see it.
 */

/** A store alone in a memory of `budget` bytes. */
export function memStore(budget = 1 << 20, policy: EvictionPolicy = 'allkeys-lru'): Lru {
  return new Lru(new StoreMemory({ budget, policy }));
}

/** SET key value [expireAt]: true when stored. */
export function put(lru: Lru, key: string, value: string, expireAt = 0): boolean {
  return lru.setStringKey(key, value, expireAt) >= 0;
}

/** The value without touching recency: a string, a hash, or undefined. */
export function valueOf(lru: Lru, key: string): string | HashReader | undefined {
  const slot = lru.peekKey(key);
  if (slot < 0) return undefined;
  return lru.kindAt(slot) === Kind.STRING ? lru.valueString(slot) : lru.hashReaderAt(slot);
}

/** The value as a read (recency and counters): as valueOf. */
export function read(lru: Lru, key: string): string | HashReader | undefined {
  return lru.readKey(key) < 0 ? undefined : valueOf(lru, key);
}

export function typeOf(lru: Lru, key: string): string {
  const slot = lru.peekKey(key);
  return slot < 0 ? 'none' : lru.typeName(slot);
}

/** Unix ms, 0 for none, -1 when there is no such key. */
export function expiryOf(lru: Lru, key: string): number {
  const slot = lru.peekKey(key);
  return slot < 0 ? -1 : lru.expireAt(slot);
}

export function setExpiry(lru: Lru, key: string, at: number): void {
  lru.setExpireAt(lru.peekKey(key), at);
}

export function del(lru: Lru, key: string): boolean {
  const slot = lru.peekKey(key);
  if (slot >= 0) lru.remove(slot);
  return slot >= 0;
}

export function chargeOf(lru: Lru, key: string): number {
  const slot = lru.peekKey(key);
  return slot < 0 ? 0 : lru.chargeAt(slot);
}

/** Every entry, least recently used first: key, value (a hash's fields as key=value,...), expiry and slot. */
export function oldestFirst(lru: Lru): string[] {
  const out: string[] = [];
  for (let slot = lru.oldest; slot !== -1; slot = lru.newerThan(slot)) {
    const kind = lru.kindAt(slot);
    const value =
      kind === Kind.STRING ? lru.valueString(slot) : kind === Kind.LIST ? `[${listItems(lru, slot).join(',')}]` : kind === Kind.SET ? `{${setMembers(lru, slot).sort().join(',')}}` : fieldsOf(lru.hashReaderAt(slot));
    out.push(`${lru.keyString(slot)}=${value}@${lru.expireAt(slot)}#${slot}`);
  }
  return out;
}

function fieldsOf(hash: HashReader): string {
  const out: string[] = [];
  hash.forEach((f, v) => out.push(`${f}=${v}`));
  return out.join(',');
}
