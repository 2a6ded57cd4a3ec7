// role add | delete | get | list | grant-permission | revoke-permission.
import type { Command } from 'commander';
import { Permission_Type } from '../../../gen/authpb/auth';
import {
  AuthRoleAddResponse,
  AuthRoleDeleteResponse,
  AuthRoleGetResponse,
  AuthRoleGrantPermissionResponse,
  AuthRoleListResponse,
  AuthRoleRevokePermissionResponse,
} from '../../../gen/etcdserverpb/rpc';
import { withConnection, type CtlContext } from '../context';
import { badArgs } from '../errors';
import { goQuote } from '../go-format';
import { authUnary, NO_DEADLINE } from './auth-call';
import { printRevokePermission, roleGetShown, show } from './auth-output';
import { prefixEnd } from '../../../mvcc/key-range';

const EMPTY = Buffer.alloc(0);
const NUL = Buffer.from([0]);

interface PermFlags {
  prefix?: boolean;
  fromKey?: boolean;
}

/** "read", "WRITE", "readwrite"... as clientv3 reads a permission type (any case). */
function permissionType(text: string): Permission_Type {
  switch (text.toUpperCase()) {
    case 'READ':
      return Permission_Type.READ;
    case 'WRITE':
      return Permission_Type.WRITE;
    case 'READWRITE':
      return Permission_Type.READWRITE;
    default:
      throw badArgs(`invalid permission type: ${text}`);
  }
}

/** The key range a permission covers: `key [endkey]`, or --prefix / --from-key; an empty key means all keys. */
export function permissionRange(args: string[], f: PermFlags): { key: Buffer; rangeEnd: Buffer } {
  const prefix = f.prefix === true;
  const fromKey = f.fromKey === true;
  if (args[0] === '') {
    if (prefix && fromKey) throw badArgs('--from-key and --prefix flags are mutually exclusive');
    return { key: NUL, rangeEnd: prefix || fromKey ? NUL : EMPTY };
  }
  const key = Buffer.from(args[0]);
  if (args.length === 1) {
    if (prefix && fromKey) throw badArgs('--from-key and --prefix flags are mutually exclusive');
    if (prefix) return { key, rangeEnd: prefixEnd(key) };
    return { key, rangeEnd: fromKey ? NUL : EMPTY };
  }
  if (prefix) throw badArgs('unexpected endkey argument with --prefix flag');
  if (fromKey) throw badArgs('unexpected endkey argument with --from-key flag');
  return { key, rangeEnd: Buffer.from(args[1]) };
}

export function registerRole(program: Command, ctx: CtlContext): void {
  const role = program.command('role').description('Role related commands').usage('<subcommand>');
  const say = (text: string) => (): void => ctx.output.out(text + '\n');

  role
    .command('add')
    .usage('<role name>')
    .description('Adds a new role')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('role add command requires role name as its argument');
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthRoleAddResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.roleAdd({ name: args[0] }, md, o, cb));
        show(ctx, g.writeOut, res, { simple: say(`Role ${args[0]} created`), codec: AuthRoleAddResponse, fields: () => undefined });
      });
    });

  role
    .command('delete')
    .usage('<role name>')
    .description('Deletes a role')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('role delete command requires role name as its argument');
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthRoleDeleteResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.roleDelete({ role: args[0] }, md, o, cb));
        show(ctx, g.writeOut, res, { simple: say(`Role ${args[0]} deleted`), codec: AuthRoleDeleteResponse, fields: () => undefined });
      });
    });

  role
    .command('get')
    .usage('<role name>')
    .description('Gets detailed information of a role')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('role get command requires role name as its argument');
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthRoleGetResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.roleGet({ role: args[0] }, md, o, cb));
        show(ctx, g.writeOut, res, roleGetShown(ctx, args[0], res));
      });
    });

  role
    .command('list')
    .description('Lists all roles')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 0) throw badArgs('role list command requires no arguments');
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthRoleListResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.roleList({}, md, o, cb));
        show(ctx, g.writeOut, res, {
          simple: () => res.roles.forEach((r) => ctx.output.out(r + '\n')),
          codec: AuthRoleListResponse,
          json: { roles: res.roles.length > 0 ? res.roles : undefined },
          fields: () => ctx.output.out(`"Roles" :${res.roles.map((r) => ` ${goQuote(r)}`).join('')}\n`),
        });
      });
    });

  role
    .command('grant-permission')
    .usage('[options] <role name> <permission type> <key> [endkey]')
    .description('Grants a key to a role')
    .argument('[args...]')
    .option('--prefix', 'grant a prefix permission')
    .option('--from-key', 'grant a permission of keys that are greater than or equal to the given key using byte compare')
    .action(async (args: string[], flags: PermFlags, cmd: Command) => {
      if (args.length < 3) {
        throw badArgs('role grant command requires role name, permission type, and key [endkey] as its argument');
      }
      const permType = permissionType(args[1]);
      const { key, rangeEnd } = permissionRange(args.slice(2), flags);
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthRoleGrantPermissionResponse>(c, NO_DEADLINE, (a, md, o, cb) =>
          a.roleGrantPermission({ name: args[0], perm: { permType, key, rangeEnd } }, md, o, cb),
        );
        show(ctx, g.writeOut, res, {
          simple: say(`Role ${args[0]} updated`),
          codec: AuthRoleGrantPermissionResponse,
          fields: () => undefined,
        });
      });
    });

  role
    .command('revoke-permission')
    .usage('<role name> <key> [endkey]')
    .description('Revokes a key from a role')
    .argument('[args...]')
    .option('--prefix', 'revoke a prefix permission')
    .option('--from-key', 'revoke a permission of keys that are greater than or equal to the given key using byte compare')
    .action(async (args: string[], flags: PermFlags, cmd: Command) => {
      if (args.length < 2) {
        throw badArgs('role revoke-permission command requires role name and key [endkey] as its argument');
      }
      const { key, rangeEnd } = permissionRange(args.slice(1), flags);
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthRoleRevokePermissionResponse>(c, NO_DEADLINE, (a, md, o, cb) =>
          a.roleRevokePermission({ role: args[0], key, rangeEnd }, md, o, cb),
        );
        show(ctx, g.writeOut, res, {
          // etcdctl names the key as typed, even when an empty key stood for "all keys".
          simple: () => printRevokePermission(ctx, args[0], args[1], rangeEnd),
          codec: AuthRoleRevokePermissionResponse,
          fields: () => undefined,
        });
      });
    });
}
