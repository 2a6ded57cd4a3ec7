export { RaftLogStore, StorageCorruptedError, type LoadedLog } from './raft-log-store';
