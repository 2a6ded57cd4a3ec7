// tetcdctl: etcdctl for tetcd (and any etcd 3.4). Picks the API like etcdctl (ETCDCTL_API=2, or "v2" as the first
// argument), runs the command, and turns failures into etcdctl's "Error: ..." line and exit code.
import { CommanderError, type Command } from 'commander';
import type { Readable } from 'node:stream';
import type { CtlContext } from './ctl/context';
import { CtlError, ExitCode } from './ctl/errors';
import type { Output } from './ctl/printers';
import { buildV2Program } from './ctl/v2/program';
import { buildV3Program } from './ctl/v3/program';

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  output: Output;
  stdin: Readable;
  interrupted: Promise<void>;
}

/** Splits off `-- cmd args...` of watch / exec-watch so the parser does not take it for the command's operands. */
function splitExec(argv: string[]): { argv: string[]; execArgs: string[] } {
  const dash = argv.indexOf('--');
  const isWatch = argv.slice(0, dash < 0 ? argv.length : dash).some((a) => a === 'watch' || a === 'exec-watch' || a === 'lock');
  if (dash < 0 || !isWatch) return { argv, execArgs: [] };
  return { argv: argv.slice(0, dash), execArgs: argv.slice(dash + 1) };
}

/** Which API the command line asks for, and the arguments left for that API's parser. */
export function selectApi(argv: string[], env: NodeJS.ProcessEnv): { api: 2 | 3; argv: string[] } {
  if (argv[0] === 'v2') return { api: 2, argv: argv.slice(1) };
  if (argv[0] === 'v3') return { api: 3, argv: argv.slice(1) };
  return { api: env.ETCDCTL_API === '2' ? 2 : 3, argv };
}

/** Runs one command line; resolves with the exit code (never exits the process itself). */
export async function run(argv: string[], opts: RunOptions): Promise<number> {
  const selected = selectApi(argv, opts.env);
  const { argv: args, execArgs } = splitExec(selected.argv);
  const ctx: CtlContext = { env: opts.env, output: opts.output, stdin: opts.stdin, execArgs, interrupted: opts.interrupted };
  const program = selected.api === 2 ? buildV2Program(ctx) : buildV3Program(ctx);
  configure(program, opts.output);
  try {
    await program.parseAsync(spellBooleans(program, args), { from: 'user' });
    return ExitCode.success;
  } catch (err) {
    return report(err, opts.output, selected.api);
  }
}

/** The command the words of `argv` select, with its ancestors (the options any of them may take). */
function commandChain(program: Command, argv: string[]): Command[] {
  const chain = [program];
  for (const arg of argv) {
    if (arg === '--') break;
    const sub = chain[chain.length - 1].commands.find((c) => c.name() === arg);
    if (sub) chain.push(sub);
  }
  return chain;
}

/** The boolean flags' long names of the selected command and its ancestors. */
function booleanFlags(chain: Command[]): Set<string> {
  const flags = new Set<string>();
  for (const cmd of chain) for (const o of cmd.options) if (!o.required && !o.optional && o.long) flags.add(o.long);
  return flags;
}

/**
 * etcdctl (pflag) accepts `--prefix=true` and `--prefix=false`; commander only knows bare `--prefix`. Only the
 * selected command's flags count: a name can be a plain switch in one command and take a value in another.
 */
function spellBooleans(program: Command, argv: string[]): string[] {
  const known = booleanFlags(commandChain(program, argv));
  const out: string[] = [];
  for (const [i, arg] of argv.entries()) {
    if (arg === '--') return [...out, ...argv.slice(i)];
    const m = /^(--[a-z-]+)=(true|false)$/.exec(arg);
    if (m && known.has(m[1])) {
      if (m[2] === 'true') out.push(m[1]);
      continue;
    }
    out.push(arg);
  }
  return out;
}

/** Commander's own errors become etcdctl-style messages; help output goes to stdout. */
function configure(cmd: Command, output: Output): void {
  cmd.exitOverride();
  cmd.configureOutput({
    writeOut: (s) => output.out(s),
    writeErr: (s) => output.out(s),
    outputError: () => undefined,
  });
  cmd.showSuggestionAfterError(false);
  for (const sub of cmd.commands) configure(sub, output);
}

function report(err: unknown, output: Output, api: 2 | 3): number {
  if (err instanceof CommanderError) {
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') {
      return ExitCode.success;
    }
    const unknownCommand = /unknown command '([^']*)'/.exec(err.message);
    if (unknownCommand) {
      output.err(`Error: unknown command "${unknownCommand[1]}" for "tetcdctl"\nRun 'tetcdctl --help' for usage.\n`);
      return ExitCode.error;
    }
    const unknownOption = /unknown option '([^']*)'/.exec(err.message);
    if (unknownOption) {
      output.err(`Error: unknown flag: ${unknownOption[1]}\n`);
      return ExitCode.error;
    }
    output.err(`Error: ${err.message.replace(/^error: /, '')}\n`);
    return ExitCode.error;
  }
  if (err instanceof CtlError) {
    // An empty message: the command already said what went wrong and only the exit status is left.
    if (err.message === '') return err.exitCode;
    output.err(api === 2 ? `Error:  ${err.message}\n` : `Error: ${err.message}\n`);
    return err.exitCode;
  }
  output.err(`Error: ${(err as Error).message ?? String(err)}\n`);
  return ExitCode.error;
}

/** The bin/tetcdctl entry point. */
export function main(argv: string[], env: NodeJS.ProcessEnv): void {
  let interrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const output: Output = {
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    raw: (b) => process.stdout.write(b),
  };
  run(argv, { env, output, stdin: process.stdin, interrupted }).then(
    (code) => {
      // Let buffered stdout drain before exiting with the command's status.
      process.stdout.write('', () => process.exit(code));
    },
    (err) => {
      process.stderr.write(`Error: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(ExitCode.error);
    },
  );
}

// Run directly (e.g. `node --import tsx src/cli/tetcdctl.ts`), not only through bin/tetcdctl.
if (require.main === module) main(process.argv.slice(2), process.env);
