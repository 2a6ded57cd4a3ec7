// version: the client's version and the API it speaks.
import type { Command } from 'commander';
import type { CtlContext } from '../context';

export const CTL_VERSION = '3.4.23';
export const API_VERSION = '3.4';

export function registerVersion(program: Command, ctx: CtlContext): void {
  program
    .command('version')
    .description('Prints the version of etcdctl')
    .action(() => ctx.output.out(`etcdctl version: ${CTL_VERSION}\nAPI version: ${API_VERSION}\n`));
}
