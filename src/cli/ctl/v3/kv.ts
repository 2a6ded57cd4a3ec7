// put, get, del and compaction.
import type { Command } from 'commander';
import type { DeleteRangeResponse, PutResponse, RangeResponse } from '../../../gen/etcdserverpb/rpc';
import { globalsOf, intFlag, printerOf, readAll, withConnection, type CtlContext } from '../context';
import { grpcError } from '../connection';
import { badArgs } from '../errors';
import { deleteRequest, putRequest, rangeRequest } from './kv-requests';

export function registerKv(program: Command, ctx: CtlContext): void {
  program
    .command('put')
    .usage('[options] <key> <value> (<value> can also be given from stdin)')
    .description('Puts the given key into the store')
    .argument('[args...]')
    .option('--lease <id>', 'lease ID (in hexadecimal) to attach to the key', '0')
    .option('--prev-kv', 'return the previous key-value pair before modification')
    .option('--ignore-value', 'updates the key using its current value')
    .option('--ignore-lease', 'updates the key using its current lease')
    .action(async (args: string[], flags, cmd: Command) => {
      let stdinValue: Buffer | undefined;
      if (args.length === 1 && !flags.ignoreValue) stdinValue = await readAll(ctx.stdin);
      const req = putRequest(args, flags, stdinValue && (() => stdinValue!));
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c.unary<PutResponse>((md, o, cb) => c.kv.put(req, md, o, cb)).catch((e) => Promise.reject(grpcError(e))),
      );
      printer.put(res);
    });

  program
    .command('get')
    .usage('[options] <key> [range_end]')
    .description('Gets the key or a range of keys')
    .argument('[args...]')
    .option('--consistency <l|s>', 'Linearizable(l) or Serializable(s)', 'l')
    .option('--order <order>', 'Order of results; ASCEND or DESCEND (ASCEND by default)', '')
    .option('--sort-by <target>', 'Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION', '')
    .option('--limit <n>', 'Maximum number of results', '0')
    .option('--prefix', 'Get keys with matching prefix')
    .option('--from-key', 'Get keys that are greater than or equal to the given key using byte compare')
    .option('--rev <revision>', 'Specify the kv revision', '0')
    .option('--keys-only', 'Get only the keys')
    .option('--count-only', 'Get only the count')
    .option('--print-value-only', 'Only write values when using the "simple" output format')
    .action(async (args: string[], flags, cmd: Command) => {
      const g = globalsOf(cmd, ctx);
      if (flags.printValueOnly && g.writeOut !== 'simple') {
        throw badArgs('print-value-only is only for `--write-out=simple`');
      }
      if (flags.countOnly && g.writeOut !== 'fields') throw badArgs('--count-only is only for `--write-out=fields`');
      const req = rangeRequest(args, {
        ...flags,
        limit: intFlag(flags.limit, 'limit'),
        rev: intFlag(flags.rev, 'rev'),
      });
      const printer = printerOf(cmd, ctx, { valueOnly: flags.printValueOnly === true });
      const res = await withConnection(cmd, ctx, (c) =>
        c.unary<RangeResponse>((md, o, cb) => c.kv.range(req, md, o, cb)).catch((e) => Promise.reject(grpcError(e))),
      );
      printer.get(res);
    });

  program
    .command('del')
    .usage('[options] <key> [range_end]')
    .description('Removes the specified key or range of keys [key, range_end)')
    .argument('[args...]')
    .option('--prefix', 'delete keys with matching prefix')
    .option('--prev-kv', 'return deleted key-value pairs')
    .option('--from-key', 'delete keys that are greater than or equal to the given key using byte compare')
    .action(async (args: string[], flags, cmd: Command) => {
      const req = deleteRequest(args, flags);
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<DeleteRangeResponse>((md, o, cb) => c.kv.deleteRange(req, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e))),
      );
      printer.del(res);
    });

  program
    .command('compaction')
    .usage('[options] <revision>')
    .description('Compacts the event history in etcd')
    .argument('[args...]')
    .option('--physical', "'true' to wait for compaction to physically remove all old revisions")
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('compaction command needs 1 argument');
      if (!/^[+-]?\d+$/.test(args[0])) {
        throw badArgs(`strconv.ParseInt: parsing "${args[0]}": invalid syntax`);
      }
      const revision = BigInt(args[0]);
      await withConnection(cmd, ctx, (c) =>
        c
          .unary((md, o, cb) => c.kv.compact({ revision, physical: flags.physical === true }, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e))),
      );
      ctx.output.out(`compacted revision ${revision}\n`);
    });
}
