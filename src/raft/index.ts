export * from './types';
export * from './errors';
export type { RaftConfig } from './raft';
export type { ProgressState } from './progress';
export { RawNode } from './raw-node';
export type { Status, ProgressStatus } from './raw-node';
export { MemoryStorage } from './memory-storage';
export { encodeConfChange, decodeConfChange } from './confchange';
