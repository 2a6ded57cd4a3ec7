// txn: reads compares, success requests and failure requests from stdin (one per line, sections ended by an empty
// line), optionally with prompts (-i).
import type { Command } from 'commander';
import readline from 'node:readline';
import type { Compare, RequestOp, TxnResponse } from '../../../gen/etcdserverpb/rpc';
import { printerOf, withConnection, type CtlContext } from '../context';
import { grpcError } from '../connection';
import { badArgs, CtlError, ExitCode } from '../errors';
import { parseCompare, parseRequest } from './txn-parse';

export function registerTxn(program: Command, ctx: CtlContext): void {
  program
    .command('txn')
    .usage('[options]')
    .description('Txn processes all the requests in one transaction')
    .argument('[args...]')
    .option('-i, --interactive', 'Input transaction in interactive mode')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 0) throw badArgs('txn command does not accept argument');
      const lines = readline.createInterface({ input: ctx.stdin, terminal: false })[Symbol.asyncIterator]();
      const prompt = (s: string): void => {
        if (flags.interactive) ctx.output.out(s + '\n');
      };
      // Each section ends at an empty line; running out of input before that is an error, as in etcdctl.
      const section = async <T>(parse: (line: string) => T): Promise<T[]> => {
        const items: T[] = [];
        for (;;) {
          const next = await lines.next();
          if (next.done) throw new CtlError(ExitCode.invalidInput, 'EOF');
          const line = next.value.trim();
          if (line === '') return items;
          items.push(parse(line));
        }
      };
      prompt('compares:');
      const compare: Compare[] = await section(parseCompare);
      prompt('success requests (get, put, del):');
      const success: RequestOp[] = await section(parseRequest);
      prompt('failure requests (get, put, del):');
      const failure: RequestOp[] = await section(parseRequest);
      const printer = printerOf(cmd, ctx);
      const res = await withConnection(cmd, ctx, (c) =>
        c
          .unary<TxnResponse>((md, o, cb) => c.kv.txn({ compare, success, failure }, md, o, cb))
          .catch((e) => Promise.reject(grpcError(e))),
      );
      printer.txn(res);
    });
}
