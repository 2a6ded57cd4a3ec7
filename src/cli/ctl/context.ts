// What a command needs from its surroundings: its flags, the output streams, stdin, and a connection. Commands get
// it as a parameter so tests can run them in-process with captured output.
import type { Command } from 'commander';
import type { Readable } from 'node:stream';
import { Connection } from './connection';
import { badArgs } from './errors';
import { resolveGlobalOptions, type GlobalOptions, type RawGlobalFlags } from './global-options';
import { makePrinter, type Output, type Printer } from './printers';

export interface CtlContext {
  env: NodeJS.ProcessEnv;
  output: Output;
  stdin: Readable;
  /** Arguments after a `--` that ends a watch command line (the command to run on each event). */
  execArgs: string[];
  /** Resolves when the user interrupts (SIGINT/SIGTERM); long-running commands stop on it. */
  interrupted: Promise<void>;
  /** Endpoints found through --discovery-srv before the command ran; they replace --endpoints. */
  discovered?: string[];
}

export function globalsOf(cmd: Command, ctx: CtlContext): GlobalOptions {
  const g = resolveGlobalOptions(cmd.optsWithGlobals() as RawGlobalFlags, ctx.env);
  return ctx.discovered === undefined ? g : { ...g, endpoints: ctx.discovered };
}

export function printerOf(cmd: Command, ctx: CtlContext, opts: { valueOnly?: boolean } = {}): Printer {
  const g = globalsOf(cmd, ctx);
  return makePrinter(g.writeOut, ctx.output, { hex: g.hex, valueOnly: opts.valueOnly });
}

/** Opens a connection for the command, runs `fn`, and always closes it. */
export async function withConnection<T>(
  cmd: Command,
  ctx: CtlContext,
  fn: (conn: Connection, g: GlobalOptions) => Promise<T>,
  endpoints?: string[],
): Promise<T> {
  const g = globalsOf(cmd, ctx);
  const conn = await Connection.open(g, endpoints);
  try {
    return await fn(conn, g);
  } finally {
    conn.close();
  }
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(c as string));
  return Buffer.concat(chunks);
}

/** A Go-style integer flag value (strconv.ParseInt), or a bad-args error naming the flag. */
export function intFlag(value: string | undefined, flag: string, dflt = 0n): bigint {
  if (value === undefined) return dflt;
  if (!/^[+-]?\d+$/.test(value)) {
    throw badArgs(`invalid argument "${value}" for "--${flag}" flag: strconv.ParseInt: parsing "${value}": invalid syntax`);
  }
  return BigInt(value);
}
