export { Lru, type LruOptions, ENTRY_OVERHEAD } from './lru';
export { LruHash, FIELD_OVERHEAD, HASH_OVERHEAD, sizeOf, type Value } from './hash';
export type { EvictionPolicy } from './eviction';
