// Exit codes and the error type every command throws; main() turns it into etcdctl's "Error: ..." line.

/** etcdctl's exit codes (ctlv3/command/error.go). */
export const ExitCode = {
  success: 0,
  error: 1,
  badConnection: 2,
  invalidInput: 3,
  badFeature: 4,
  interrupted: 5,
  io: 6,
  badArgs: 128,
} as const;

export class CtlError extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

export function badArgs(message: string): CtlError {
  return new CtlError(ExitCode.badArgs, message);
}
