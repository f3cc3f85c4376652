export { Lru, type LruOptions, ENTRY_OVERHEAD } from './lru';
