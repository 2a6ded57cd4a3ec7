// auth enable | disable.
import type { Command } from 'commander';
import type {
  AuthDisableResponse,
  AuthEnableResponse,
  AuthRoleAddResponse,
  AuthUserGrantRoleResponse,
} from '../../../gen/etcdserverpb/rpc';
import { withConnection, type CtlContext } from '../context';
import { badArgs, CtlError } from '../errors';
import { authUnary } from './auth-call';

const ROOT_ROLE_MISSING = 'etcdserver: root user does not have root role';

export function registerAuth(program: Command, ctx: CtlContext): void {
  const auth = program.command('auth').description('Enable or disable authentication').usage('<enable or disable>');

  auth
    .command('enable')
    .description('Enables authentication')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 0) throw badArgs('auth enable command does not accept any arguments');
      await withConnection(cmd, ctx, async (c, g) => {
        // One deadline for the whole exchange, as etcdctl shares one command context across the retries.
        const deadline = Date.now() + g.commandTimeoutMs;
        const left = (): number => Math.max(1, deadline - Date.now());
        for (;;) {
          try {
            await authUnary<AuthEnableResponse>(c, left(), (a, md, o, cb) => a.authEnable({}, md, o, cb));
            return;
          } catch (err) {
            // etcdctl gives the root user the root role it needs, creating the role, and tries again.
            if (!(err instanceof CtlError) || err.message !== ROOT_ROLE_MISSING) throw err;
          }
          await authUnary<AuthRoleAddResponse>(c, left(), (a, md, o, cb) => a.roleAdd({ name: 'root' }, md, o, cb));
          await authUnary<AuthUserGrantRoleResponse>(c, left(), (a, md, o, cb) =>
            a.userGrantRole({ user: 'root', role: 'root' }, md, o, cb),
          );
        }
      });
      ctx.output.out('Authentication Enabled\n');
    });

  auth
    .command('disable')
    .description('Disables authentication')
    .argument('[args...]')
    .action(async (args: string[], _flags, cmd: Command) => {
      if (args.length !== 0) throw badArgs('auth disable command does not accept any arguments');
      await withConnection(cmd, ctx, (c, g) =>
        authUnary<AuthDisableResponse>(c, g.commandTimeoutMs, (a, md, o, cb) => a.authDisable({}, md, o, cb)),
      );
      ctx.output.out('Authentication Disabled\n');
    });
}
