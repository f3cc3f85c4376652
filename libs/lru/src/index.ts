export { Lru, type LruOptions, ENTRY_OVERHEAD } from './lru';
export type { EvictionPolicy } from './eviction';
