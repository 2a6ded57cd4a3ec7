// A snapshot file is the Maintenance.Snapshot stream byte for byte: tetcd's store dump followed by the 32-byte
// SHA-256 of that dump (the server appends it, as etcd does), so status and restore can tell a damaged file.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { CtlError, ExitCode } from '../errors';

export const HASH_BYTES = 32;

/** The dump inside a snapshot file, after checking its appended SHA-256 (unless told not to). */
export function readSnapshotFile(file: string, skipHashCheck = false): Buffer {
  if (!fs.existsSync(file)) throw new CtlError(ExitCode.error, `stat ${file}: no such file or directory`);
  const data = fs.readFileSync(file);
  if (skipHashCheck) return data.length >= HASH_BYTES && hasTrailer(data) ? data.subarray(0, data.length - HASH_BYTES) : data;
  if (data.length < HASH_BYTES) throw new CtlError(ExitCode.error, 'snapshot file integrity check failed: file too short');
  const dump = data.subarray(0, data.length - HASH_BYTES);
  const want = data.subarray(data.length - HASH_BYTES);
  const got = createHash('sha256').update(dump).digest();
  if (!got.equals(want)) {
    throw new CtlError(ExitCode.error, `expected sha256 ${want.toString('hex')}, got ${got.toString('hex')}`);
  }
  return dump;
}

function hasTrailer(data: Buffer): boolean {
  const dump = data.subarray(0, data.length - HASH_BYTES);
  return createHash('sha256').update(dump).digest().equals(data.subarray(data.length - HASH_BYTES));
}
