// Certificates, keys and CA bundles may be replaced on disk while the member runs (e.g. by cert-manager or a cron
// job). Callers ask for the current material on every new connection; the files are stat()ed each time and only
// re-read when one of them changed, so established connections keep what they negotiated and new ones get the
// new files without a restart.
import fs from 'node:fs';

export interface ReloadingOptions<T> {
  /** The files `build` reads; a change to any of them (mtime, ctime, size or inode) triggers a rebuild. */
  files: string[];
  /** Reads the files and returns the material; throws when they are unusable (e.g. a key that doesn't match). */
  build: () => T;
  /** Told once per changed state of the files that could not be used; the previous material stays in force. */
  onError?: (err: Error) => void;
}

/** Something that hands out the material built from files as they are now. */
export type Reloading<T> = () => T;

function signature(files: string[]): string {
  return files
    .map((file) => {
      try {
        const st = fs.statSync(file);
        return `${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
      } catch {
        return 'missing';
      }
    })
    .join('|');
}

/**
 * Builds the material once now (throwing if that fails, so a bad setup stops startup) and returns a function that
 * gives the current material. The same object is returned until the files change, so callers can tell a reload by
 * identity.
 */
export function reloading<T>(opts: ReloadingOptions<T>): Reloading<T> {
  let seen = signature(opts.files);
  let current = opts.build();
  return () => {
    const now = signature(opts.files);
    if (now === seen) return current;
    // Remember the state even when it is unusable: a half-written pair is reported once, and retried when the
    // writer touches the files again.
    seen = now;
    try {
      current = opts.build();
    } catch (err) {
      opts.onError?.(err as Error);
    }
    return current;
  };
}

/** A source that never changes, for material given in memory. */
export function fixed<T>(value: T): Reloading<T> {
  return () => value;
}

export function readTlsFile(file: string, flag: string): Buffer {
  try {
    return fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read ${flag} ${JSON.stringify(file)}: ${(err as Error).message}`);
  }
}
