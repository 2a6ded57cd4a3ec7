// snapshot save | status | restore.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { SnapshotResponse } from '../../../gen/etcdserverpb/rpc';
import { SnapshotDecoder } from '../../../mvcc/snapshot-format';
import { describeGrpcError } from '../connection';
import { globalsOf, printerOf, withConnection, type CtlContext } from '../context';
import { badArgs, CtlError, ExitCode } from '../errors';
import { humanizeBytes } from '../go-format';
import type { SnapshotStatus } from '../printers';
import { readSnapshotFile } from './snapshot-file';

export function registerSnapshot(program: Command, ctx: CtlContext): void {
  const snapshot = program.command('snapshot').description('Manages etcd node snapshots').usage('<subcommand>');

  snapshot
    .command('save')
    .usage('<filename>')
    .description('Stores an etcd node backend snapshot to a given file')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('snapshot save expects one argument');
      const g = globalsOf(cmd, ctx);
      if (g.endpoints.length !== 1) {
        throw badArgs(`snapshot must be requested to one selected node, not multiple [${g.endpoints.join(' ')}]`);
      }
      await saveSnapshot(cmd, ctx, args[0]);
      ctx.output.out(`Snapshot saved at ${args[0]}\n`);
    });

  snapshot
    .command('status')
    .usage('<filename>')
    .description('Gets backend snapshot status of a given file')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('snapshot status requires exactly one argument');
      const printer = printerOf(cmd, ctx);
      printer.snapshotStatus(await snapshotStatus(args[0]));
    });

  snapshot
    .command('restore')
    .usage('<filename> [options]')
    .description('Restores an etcd member snapshot to an etcd directory')
    .argument('[args...]')
    .option('--data-dir <dir>', 'Path to the data directory', '')
    .option('--wal-dir <dir>', 'Path to the WAL directory (use --data-dir if none given)', '')
    .option('--initial-cluster <cluster>', 'Initial cluster configuration for restore bootstrap', 'default=http://localhost:2380')
    .option('--initial-cluster-token <token>', 'Initial cluster token for the etcd cluster during restore bootstrap', 'etcd-cluster')
    .option('--initial-advertise-peer-urls <urls>', 'List of this member\'s peer URLs to advertise to the rest of the cluster', 'http://localhost:2380')
    .option('--name <name>', 'Human-readable name for this member', 'default')
    .option('--skip-hash-check', 'Ignore snapshot integrity hash value (required if copied from data directory)')
    .action(async (args: string[], flags) => {
      if (args.length !== 1) throw badArgs('snapshot restore requires exactly one argument');
      const dump = readSnapshotFile(args[0], flags.skipHashCheck === true);
      // Loaded only here: it pulls in the server's storage modules.
      const { restoreDataDir } = await import('./snapshot-restore');
      await restoreDataDir(dump, {
        dataDir: flags.dataDir !== '' ? flags.dataDir : `${flags.name}.etcd`,
        walDir: flags.walDir,
        name: flags.name,
        initialCluster: flags.initialCluster,
        initialClusterToken: flags.initialClusterToken,
        initialAdvertisePeerUrls: (flags.initialAdvertisePeerUrls as string).split(','),
      });
    });
}

/**
 * Streams the member's snapshot into `<file>.part` and renames it into place once its trailing SHA-256 checks out.
 * The stream already ends with that hash (as etcd's does), so the file is the stream byte for byte.
 */
async function saveSnapshot(cmd: Command, ctx: CtlContext, file: string): Promise<void> {
  const partial = `${file}.part`;
  const fd = fs.openSync(partial, 'w', 0o600);
  const progress = process.stderr.isTTY === true;
  let received = 0;
  try {
    await withConnection(cmd, ctx, (c) =>
      new Promise<void>((resolve, reject) => {
        const stream = c.maintenance.snapshot({}, c.callMetadata());
        stream.on('data', (r: SnapshotResponse) => {
          fs.writeSync(fd, r.blob);
          received += r.blob.length;
          if (progress) ctx.output.err(`\rDownloading snapshot: ${humanizeBytes(received)}, ${r.remainingBytes} bytes remaining   `);
        });
        stream.on('error', (err) => reject(new CtlError(ExitCode.error, describeGrpcError(err))));
        stream.on('end', () => resolve());
      }),
    );
    if (progress) ctx.output.err('\n');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    readSnapshotFile(partial);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(partial, { force: true });
    throw err;
  }
  fs.renameSync(partial, file);
}

/** Hash (the dump's own CRC), revision, record count and size of a saved snapshot. */
export async function snapshotStatus(file: string): Promise<SnapshotStatus> {
  const dump = readSnapshotFile(file);
  let records = 0;
  const decoder = new SnapshotDecoder();
  try {
    decoder.push(dump, () => records++);
    decoder.finish();
  } catch (err) {
    throw new CtlError(ExitCode.error, (err as Error).message);
  }
  // The revision lives in the store's own encoding: open the dump as a throwaway store to read it.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcdctl-status-'));
  try {
    const { MvccStore } = await import('../../../mvcc/store');
    const store = await MvccStore.open(path.join(scratch, 'db'));
    try {
      await store.restoreFrom([dump]);
      return {
        hash: dump.readUInt32BE(dump.length - 4),
        revision: BigInt(store.currentRevision),
        totalKey: records,
        totalSize: fs.statSync(file).size,
      };
    } finally {
      await store.close();
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}
