// user add | delete | get | list | passwd | grant-role | revoke-role.
import type { Command } from 'commander';
import {
  AuthRoleGetResponse,
  AuthUserAddResponse,
  AuthUserChangePasswordResponse,
  AuthUserDeleteResponse,
  AuthUserGetResponse,
  AuthUserGrantRoleResponse,
  AuthUserListResponse,
  AuthUserRevokeRoleResponse,
} from '../../../gen/etcdserverpb/rpc';
import { withConnection, type CtlContext } from '../context';
import { badArgs } from '../errors';
import { authUnary, NO_DEADLINE } from './auth-call';
import { roleGetShown, show } from './auth-output';
import { passwordFromStdin, passwordInteractive } from './password';

/** pflag's default-true `--interactive`: only `--interactive=false` turns it off. */
function interactive(value: string | boolean | undefined): boolean {
  return value !== 'false';
}

export function registerUser(program: Command, ctx: CtlContext): void {
  const user = program.command('user').description('User related commands').usage('<subcommand>');
  const say = (text: string) => (): void => ctx.output.out(text + '\n');

  user
    .command('add')
    .usage('<user name or user:password> [options]')
    .description('Adds a new user')
    .argument('[args...]')
    .option('--interactive [bool]', 'Read password from stdin instead of interactive terminal (default true)')
    .option('--new-user-password <password>', 'Supply password from the command line flag', '')
    .option('--no-password', 'Create a user without password (CN based auth only)')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('user add command requires user name as its argument');
      // commander turns --no-password into `password: false`.
      const noPassword = flags.password === false;
      let name = args[0];
      let password = '';
      if (!noPassword) {
        const colon = args[0].indexOf(':');
        if (flags.newUserPassword !== '') {
          password = flags.newUserPassword as string;
        } else if (colon >= 0) {
          name = args[0].slice(0, colon);
          password = args[0].slice(colon + 1);
          if (name === '') throw badArgs('empty user name is not allowed');
        } else {
          password = interactive(flags.interactive) ? await passwordInteractive(ctx, name) : await passwordFromStdin(ctx.stdin);
        }
      }
      // The globals come from the root command: this command's own `password` attribute (from --no-password)
      // would otherwise shadow the global --password.
      const root = cmd.parent?.parent ?? cmd;
      await withConnection(root, ctx, async (c, g) => {
        const res = await authUnary<AuthUserAddResponse>(c, NO_DEADLINE, (a, md, o, cb) =>
          a.userAdd({ name, password, options: { noPassword } }, md, o, cb),
        );
        show(ctx, g.writeOut, res, { simple: say(`User ${name} created`), codec: AuthUserAddResponse, fields: () => undefined });
      });
    });

  user
    .command('delete')
    .usage('<user name>')
    .description('Deletes a user')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('user delete command requires user name as its argument');
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthUserDeleteResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.userDelete({ name: args[0] }, md, o, cb));
        show(ctx, g.writeOut, res, { simple: say(`User ${args[0]} deleted`), codec: AuthUserDeleteResponse, fields: () => undefined });
      });
    });

  user
    .command('get')
    .usage('<user name> [options]')
    .description('Gets detailed information of a user')
    .argument('[args...]')
    .option('--detail', 'Show permissions of roles granted to the user')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('user get command requires user name as its argument');
      const name = args[0];
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthUserGetResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.userGet({ name }, md, o, cb));
        if (flags.detail !== true) {
          show(ctx, g.writeOut, res, {
            simple: say(`User: ${name}\nRoles:${res.roles.map((r) => ` ${r}`).join('')}`),
            codec: AuthUserGetResponse,
            json: { roles: res.roles.length > 0 ? res.roles : undefined },
          });
          return;
        }
        // The heading is plain text in every format; each role follows in the chosen one.
        ctx.output.out(`User: ${name}\n`);
        for (const role of res.roles) {
          ctx.output.out('\n');
          const perms = await authUnary<AuthRoleGetResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.roleGet({ role }, md, o, cb));
          show(ctx, g.writeOut, perms, roleGetShown(ctx, role, perms));
        }
      });
    });

  user
    .command('list')
    .description('Lists all users')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 0) throw badArgs('user list command requires no arguments');
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthUserListResponse>(c, NO_DEADLINE, (a, md, o, cb) => a.userList({}, md, o, cb));
        show(ctx, g.writeOut, res, {
          simple: () => res.users.forEach((u) => ctx.output.out(u + '\n')),
          codec: AuthUserListResponse,
          json: { users: res.users.length > 0 ? res.users : undefined },
        });
      });
    });

  user
    .command('passwd')
    .usage('<user name> [options]')
    .description('Changes password of user')
    .argument('[args...]')
    .option('--interactive [bool]', 'If true, read password from stdin instead of interactive terminal (default true)')
    .action(async (args: string[], flags, cmd: Command) => {
      if (args.length !== 1) throw badArgs('user passwd command requires user name as its argument');
      const name = args[0];
      const password = interactive(flags.interactive) ? await passwordInteractive(ctx, name) : await passwordFromStdin(ctx.stdin);
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthUserChangePasswordResponse>(c, NO_DEADLINE, (a, md, o, cb) =>
          a.userChangePassword({ name, password }, md, o, cb),
        );
        show(ctx, g.writeOut, res, { simple: say('Password updated'), codec: AuthUserChangePasswordResponse, fields: () => undefined });
      });
    });

  user
    .command('grant-role')
    .usage('<user name> <role name>')
    .description('Grants a role to a user')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 2) throw badArgs('user grant command requires user name and role name as its argument');
      const [name, role] = args;
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthUserGrantRoleResponse>(c, NO_DEADLINE, (a, md, o, cb) =>
          a.userGrantRole({ user: name, role }, md, o, cb),
        );
        show(ctx, g.writeOut, res, {
          simple: say(`Role ${role} is granted to user ${name}`),
          codec: AuthUserGrantRoleResponse,
          fields: () => undefined,
        });
      });
    });

  user
    .command('revoke-role')
    .usage('<user name> <role name>')
    .description('Revokes a role from a user')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 2) throw badArgs('user revoke-role requires user name and role name as its argument');
      const [name, role] = args;
      await withConnection(cmd, ctx, async (c, g) => {
        const res = await authUnary<AuthUserRevokeRoleResponse>(c, NO_DEADLINE, (a, md, o, cb) =>
          a.userRevokeRole({ name, role }, md, o, cb),
        );
        show(ctx, g.writeOut, res, {
          simple: say(`Role ${role} is revoked from user ${name}`),
          codec: AuthUserRevokeRoleResponse,
          fields: () => undefined,
        });
      });
    });
}
