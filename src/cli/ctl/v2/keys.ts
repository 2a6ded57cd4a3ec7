// v2 key commands: set, get, update, mk, mkdir, ls, rm, rmdir, watch, exec-watch.
import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import type { CtlContext } from '../context';
import { CtlError } from '../errors';
import { printResponse, type V2Node, type V2Response } from './format';
import { V2Exit } from './http';
import { keysRequest } from './keys-api';
import { resolveV2Options, type RawV2Flags, type V2Options } from './options';

function optionsOf(cmd: Command, ctx: CtlContext): V2Options {
  return resolveV2Options(cmd.optsWithGlobals() as RawV2Flags, ctx.env);
}

function required(args: string[], n: number, what: string): void {
  if (args.length < n) throw new CtlError(V2Exit.badArgs, what);
}

/** Go's strconv.Atoi for an int flag, with urfave/cli's complaint. */
function intFlag(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[+-]?\d+$/.test(value)) throw new CtlError(V2Exit.badArgs, `invalid value "${value}" for flag -${flag}: parse error`);
  return Number(value);
}

function ttlParam(value: string | undefined): string | undefined {
  const ttl = intFlag(value, 'ttl');
  return ttl ? String(ttl) : undefined;
}

export function registerKeys(program: Command, ctx: CtlContext): void {
  const print = (cmd: Command, r: V2Response): void => printResponse(ctx.output, optionsOf(cmd, ctx).output, r);

  program
    .command('set')
    .description('set the value of a key')
    .usage('[command options] <key> <value>')
    .argument('[args...]')
    .option('--ttl <seconds>', 'key time-to-live in seconds')
    .option('--swap-with-value <value>', 'previous value')
    .option('--swap-with-index <index>', 'previous index')
    .action(async (args: string[], f, cmd: Command) => {
      required(args, 1, 'key required');
      required(args, 2, 'value required');
      const prevIndex = intFlag(f.swapWithIndex, 'swap-with-index');
      const r = await keysRequest(optionsOf(cmd, ctx), 'PUT', args[0], {
        value: args[1],
        ttl: ttlParam(f.ttl),
        prevValue: f.swapWithValue || undefined,
        prevIndex: prevIndex ? String(prevIndex) : undefined,
      });
      print(cmd, r);
    });

  program
    .command('mk')
    .description('make a new key with a given value')
    .usage('[command options] <key> <value>')
    .argument('[args...]')
    .option('--in-order', 'create in-order key under directory <key>')
    .option('--ttl <seconds>', 'key time-to-live in seconds')
    .action(async (args: string[], f, cmd: Command) => {
      required(args, 1, 'key required');
      required(args, 2, 'value required');
      const o = optionsOf(cmd, ctx);
      const r = f.inOrder
        ? await keysRequest(o, 'POST', args[0], { value: args[1], ttl: ttlParam(f.ttl) })
        : await keysRequest(o, 'PUT', args[0], { value: args[1], ttl: ttlParam(f.ttl), prevExist: 'false' });
      print(cmd, r);
    });

  program
    .command('update')
    .description('update an existing key with a given value')
    .usage('[command options] <key> <value>')
    .argument('[args...]')
    .option('--ttl <seconds>', 'key time-to-live in seconds')
    .action(async (args: string[], f, cmd: Command) => {
      required(args, 1, 'key required');
      required(args, 2, 'value required');
      const r = await keysRequest(optionsOf(cmd, ctx), 'PUT', args[0], {
        value: args[1],
        ttl: ttlParam(f.ttl),
        prevExist: 'true',
      });
      print(cmd, r);
    });

  program
    .command('mkdir')
    .description('make a new directory')
    .usage('[command options] <key>')
    .argument('[args...]')
    .option('--ttl <seconds>', 'key time-to-live in seconds')
    .action(async (args: string[], f, cmd: Command) => {
      required(args, 1, 'key required');
      const o = optionsOf(cmd, ctx);
      const r = await keysRequest(o, 'PUT', args[0], { dir: 'true', ttl: ttlParam(f.ttl), prevExist: 'false' });
      if (o.output !== 'simple') print(cmd, r);
    });

  program
    .command('get')
    .description('retrieve the value of a key')
    .usage('[command options] <key>')
    .argument('[args...]')
    .option('--sort', 'returns result in sorted order')
    .option('-q, --quorum', 'require quorum for get request')
    .action(async (args: string[], f, cmd: Command) => {
      required(args, 1, 'key required');
      const r = await keysRequest(optionsOf(cmd, ctx), 'GET', args[0], {
        sorted: f.sort ? 'true' : undefined,
        quorum: f.quorum ? 'true' : undefined,
      });
      if (r.node.dir) {
        ctx.output.err(`${r.node.key}: is a directory\n`);
        throw new CtlError(1, '');
      }
      print(cmd, r);
    });

  program
    .command('ls')
    .description('retrieve a directory')
    .usage('[command options] [key]')
    .argument('[args...]')
    .option('--sort', 'returns result in sorted order')
    .option('-r, --recursive', 'returns all key names recursively for the given path')
    .option('-p', 'append slash (/) to directories')
    .option('-q, --quorum', 'require quorum for get request')
    .action(async (args: string[], f, cmd: Command) => {
      const o = optionsOf(cmd, ctx);
      const r = await keysRequest(o, 'GET', args[0] ?? '/', {
        sorted: f.sort ? 'true' : undefined,
        recursive: f.recursive ? 'true' : undefined,
        quorum: f.quorum ? 'true' : undefined,
      });
      if (o.output !== 'simple') {
        print(cmd, r);
        return;
      }
      if (!r.node.dir) ctx.output.out(`${r.node.key}\n`);
      const walk = (n: V2Node): void => {
        ctx.output.out(n.dir && f.p ? `${n.key}/\n` : `${n.key}\n`);
        for (const child of n.nodes ?? []) walk(child);
      };
      for (const child of r.node.nodes ?? []) walk(child);
    });

  program
    .command('rm')
    .description('remove a key or a directory')
    .usage('[command options] <key>')
    .argument('[args...]')
    .option('--dir', 'removes the key if it is an empty directory or a key-value pair')
    .option('-r, --recursive', 'removes the key and all child keys(if it is a directory)')
    .option('--with-value <value>', 'previous value')
    .option('--with-index <index>', 'previous index')
    .action(async (args: string[], f, cmd: Command) => {
      required(args, 1, 'key required');
      const o = optionsOf(cmd, ctx);
      const prevIndex = intFlag(f.withIndex, 'with-index');
      const r = await keysRequest(o, 'DELETE', args[0], {
        dir: f.dir ? 'true' : undefined,
        recursive: f.recursive ? 'true' : undefined,
        prevValue: f.withValue || undefined,
        prevIndex: prevIndex ? String(prevIndex) : undefined,
      });
      if (!r.node.dir || o.output !== 'simple') print(cmd, r);
    });

  program
    .command('rmdir')
    .description('removes the key if it is an empty directory or a key-value pair')
    .usage('<key>')
    .argument('[args...]')
    .action(async (args: string[], _f, cmd: Command) => {
      required(args, 1, 'key required');
      const o = optionsOf(cmd, ctx);
      const r = await keysRequest(o, 'DELETE', args[0], { dir: 'true' });
      if (!r.node.dir || o.output !== 'simple') print(cmd, r);
    });

  program
    .command('watch')
    .description('watch a key for changes')
    .usage('[command options] <key>')
    .argument('[args...]')
    .option('-f, --forever', 'forever watch a key until CTRL+C')
    .option('--after-index <index>', 'watch after the given index', '0')
    .option('-r, --recursive', 'returns all values for key and child keys')
    .action(async (args: string[], f, cmd: Command) => {
      required(args, 1, 'key required');
      const o = optionsOf(cmd, ctx);
      await watchLoop(ctx, o, args[0], intFlag(f.afterIndex, 'after-index') ?? 0, f.recursive === true, async (r) => {
        if (f.recursive) ctx.output.out(`[${r.action}] ${r.node.key}\n`);
        printResponse(ctx.output, o.output, r);
        return f.forever === true;
      });
    });

  program
    .command('exec-watch')
    .description('watch a key for changes and exec an executable')
    .usage('[command options] <key> <command> [args...]')
    .argument('[args...]')
    .option('--after-index <index>', 'watch after the given index', '0')
    .option('-r, --recursive', 'watch all values for key and child keys')
    .action(async (args: string[], f, cmd: Command) => {
      const command = [...args.slice(1), ...ctx.execArgs];
      if (args.length < 1 || command.length < 1) throw new CtlError(V2Exit.badArgs, 'key and command to exec required');
      const o = optionsOf(cmd, ctx);
      await watchLoop(ctx, o, args[0], intFlag(f.afterIndex, 'after-index') ?? 0, f.recursive === true, async (r) => {
        await runHandler(ctx, command, r);
        return true;
      });
    });
}

/** Long-polls /v2/keys?wait=true from after `afterIndex`; `onEvent` says whether to keep going. */
async function watchLoop(
  ctx: CtlContext,
  o: V2Options,
  key: string,
  afterIndex: number,
  recursive: boolean,
  onEvent: (r: V2Response) => Promise<boolean>,
): Promise<void> {
  let waitIndex = afterIndex > 0 ? afterIndex + 1 : undefined;
  let stop = false;
  void ctx.interrupted.then(() => (stop = true));
  while (!stop) {
    const next = keysRequest(
      o,
      'GET',
      key,
      { wait: 'true', recursive: recursive ? 'true' : undefined, waitIndex: waitIndex !== undefined ? String(waitIndex) : undefined },
      0,
    );
    const r = await Promise.race([next, ctx.interrupted.then(() => undefined)]);
    if (!r) return;
    waitIndex = (r.node.modifiedIndex ?? 0) + 1;
    if (r.node.dir) continue;
    if (!(await onEvent(r))) return;
  }
}

function runHandler(ctx: CtlContext, command: string[], r: V2Response): Promise<void> {
  const env = {
    ...ctx.env,
    ETCD_WATCH_ACTION: r.action,
    ETCD_WATCH_MODIFIED_INDEX: String(r.node.modifiedIndex ?? 0),
    ETCD_WATCH_KEY: r.node.key ?? '',
    ETCD_WATCH_VALUE: r.node.value ?? '',
  };
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => ctx.output.raw(d));
    child.stderr.on('data', (d: Buffer) => ctx.output.err(d.toString()));
    child.on('error', (err) => {
      ctx.output.err(`${err.message}\n`);
      resolve();
    });
    child.on('close', () => resolve());
  });
}
