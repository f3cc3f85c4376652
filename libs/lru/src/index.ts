export { Lru } from './lru';
export type { BytesSink, ByteView } from './values';
export { StoreMemory, KeyEvent, ENTRY_OVERHEAD, chunkSizeFor, type EvictionPolicy, type MemoryOptions } from './memory';
export { Kind, KIND_NAMES } from './layout';
export { LruHash, FIELD_OVERHEAD, HASH_OVERHEAD } from './hash';
export { NONE } from './slots';
