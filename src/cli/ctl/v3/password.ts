// How `user add` and `user passwd` get a password when it is not on the command line.
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { readAll, type CtlContext } from '../context';
import { badArgs } from '../errors';

/** `--interactive=false`: the first whitespace-separated word of stdin (Go's fmt.Scanf("%s")). */
export async function passwordFromStdin(stdin: Readable): Promise<string> {
  const text = (await readAll(stdin)).toString();
  return /^[ \t]*([^\s]*)/.exec(text)?.[1] ?? '';
}

type TtyInput = Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => Readable };

/**
 * The default: prompt twice and compare. On a terminal the typing is not echoed; from a pipe each answer is the next
 * line, as etcdctl's prompt library does when it cannot switch the echo off.
 */
export async function passwordInteractive(ctx: CtlContext, name: string): Promise<string> {
  const input = ctx.stdin as TtyInput;
  const lines = input.isTTY ? null : readline.createInterface({ input, terminal: false })[Symbol.asyncIterator]();
  const ask = async (prompt: string): Promise<string> => {
    ctx.output.out(prompt);
    const answer = lines ? (((await lines.next()).value as string | undefined) ?? '') : await readHidden(input);
    ctx.output.out('\n');
    return answer;
  };
  try {
    const first = await ask(`Password of ${name}: `);
    if (first === '') throw badArgs('empty password');
    const second = await ask(`Type password of ${name} again for confirmation: `);
    if (first !== second) throw badArgs('given passwords are different');
    return first;
  } finally {
    await lines?.return?.();
  }
}

/** One line typed on the terminal, in raw mode so it is not echoed (line editing is then ours: backspace only). */
async function readHidden(input: TtyInput): Promise<string> {
  input.setRawMode?.(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let typed = '';
      const onData = (chunk: Buffer | string): void => {
        for (const ch of chunk.toString()) {
          if (ch === '\r' || ch === '\n' || ch === '\u0003') {
            input.off('data', onData);
            if (ch === '\u0003') reject(badArgs('failed to ask password: interrupted'));
            else resolve(typed);
            return;
          }
          typed = ch === '\u007f' || ch === '\b' ? typed.slice(0, -1) : typed + ch;
        }
      };
      input.on('data', onData);
    });
  } finally {
    input.setRawMode?.(false);
    input.pause();
  }
}
