// Everything that ends `tetcd` before it starts serving: bad flags (exit 2, as Go's flag package does),
// invalid settings (exit 1, as etcd does), and --help/--version (exit 0, text meant for stdout).

export class ConfigError extends Error {
  readonly exitCode: number;
  /** True for --help and --version: the message is the requested output, not a failure. */
  readonly informational: boolean;

  constructor(message: string, exitCode: number, informational = false) {
    super(message);
    this.name = 'ConfigError';
    this.exitCode = exitCode;
    this.informational = informational;
  }
}

export const EXIT_FLAG_ERROR = 2;
export const EXIT_INVALID_CONFIG = 1;
