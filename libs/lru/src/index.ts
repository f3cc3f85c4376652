export { Lru, type LruOptions, type EvictionPolicy, ENTRY_OVERHEAD } from './lru';
