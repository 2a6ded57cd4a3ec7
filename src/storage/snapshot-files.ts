// Snapshot data lives in its own file next to the LevelDB log rather than inside a batch:
// the application's state can be hundreds of megabytes, and a LevelDB value that large is
// written twice (write-ahead log, then table files) and held whole in the memtable. The file
// is fsynced, and its directory entry made durable, BEFORE the log records metadata naming it,
// so metadata never points at data a crash could have lost. A crash in between leaves only an
// unreferenced file, which RaftLogStore.open removes.

import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { crc32 } from 'node:zlib';
import type { SnapshotMetadata } from '../raft/types';

const SUFFIX = '.snap';

/** Named by term and index so a newer snapshot never overwrites the file the current metadata names. */
export function snapshotFileName(m: SnapshotMetadata): string {
  return `${hex16(m.term)}-${hex16(m.index)}${SUFFIX}`;
}

function hex16(n: number): string {
  return n.toString(16).padStart(16, '0');
}

export function dataChecksum(data: Uint8Array): number {
  return crc32(data);
}

export async function writeSnapshotFile(dir: string, name: string, data: Uint8Array): Promise<void> {
  const tmp = path.join(dir, `${name}.tmp`);
  const file = await fs.open(tmp, 'w');
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(tmp, path.join(dir, name));
  await syncDir(dir);
}

export async function readSnapshotFile(dir: string, name: string): Promise<Uint8Array> {
  const buf = await fs.readFile(path.join(dir, name));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}

/**
 * Keeps `current` and the newest snapshot files before it, `retain` in all (0 keeps every older one, as etcd's
 * --max-snapshots=0 does); deletes older ones, files newer than `current` (a crash left them unreferenced) and
 * temp files.
 */
export async function pruneSnapshotFiles(dir: string, current: string | undefined, retain: number): Promise<void> {
  const indexOf = (name: string): number => parseInt(name.slice(17, 33), 16);
  const currentIndex = current === undefined ? 0 : indexOf(current);
  const older: string[] = [];
  for (const name of await fs.readdir(dir)) {
    if (name.endsWith(`${SUFFIX}.tmp`)) await fs.rm(path.join(dir, name), { force: true });
    else if (name.endsWith(SUFFIX) && name !== current) {
      if (current !== undefined && indexOf(name) < currentIndex) older.push(name);
      else await fs.rm(path.join(dir, name), { force: true });
    }
  }
  older.sort((a, b) => indexOf(b) - indexOf(a));
  const keepOlder = retain === 0 ? older.length : Math.max(0, retain - 1);
  for (const name of older.slice(keepOlder)) await fs.rm(path.join(dir, name), { force: true });
}

async function syncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
