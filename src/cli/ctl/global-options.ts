// The global flags every v3 command shares, merged with their ETCDCTL_* environment variables (a flag given on the
// command line wins, as in etcdctl).
import { parseGoDuration, ValueError } from '../../config/go-values';
import { badArgs, CtlError, ExitCode } from './errors';

export type OutputFormat = 'simple' | 'json' | 'fields' | 'table' | 'protobuf';

export interface GlobalOptions {
  endpoints: string[];
  dialTimeoutMs: number;
  commandTimeoutMs: number;
  cacert: string;
  cert: string;
  key: string;
  insecureSkipTlsVerify: boolean;
  user: string;
  password: string;
  debug: boolean;
  writeOut: OutputFormat;
  hex: boolean;
}

/** Raw values as commander collected them (strings for everything with a value). */
export interface RawGlobalFlags {
  endpoints?: string;
  dialTimeout?: string;
  commandTimeout?: string;
  cacert?: string;
  cert?: string;
  key?: string;
  insecureSkipTlsVerify?: boolean | string;
  user?: string;
  password?: string;
  debug?: boolean | string;
  writeOut?: string;
  hex?: boolean | string;
}

const FORMATS: OutputFormat[] = ['simple', 'json', 'fields', 'table', 'protobuf'];

export function resolveGlobalOptions(flags: RawGlobalFlags, env: NodeJS.ProcessEnv): GlobalOptions {
  const pick = (flag: string | undefined, envName: string, dflt: string): string =>
    flag ?? env[`ETCDCTL_${envName}`] ?? dflt;
  const pickBool = (flag: boolean | string | undefined, envName: string): boolean => {
    const raw = flag ?? env[`ETCDCTL_${envName}`];
    return raw === true || raw === 'true' || raw === '1';
  };
  const writeOut = pick(flags.writeOut, 'WRITE_OUT', 'simple');
  if (!FORMATS.includes(writeOut as OutputFormat)) {
    throw new CtlError(ExitCode.badFeature, 'unsupported output format');
  }
  return {
    endpoints: pick(flags.endpoints, 'ENDPOINTS', '127.0.0.1:2379')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e !== ''),
    dialTimeoutMs: duration(pick(flags.dialTimeout, 'DIAL_TIMEOUT', '2s'), 'dial-timeout'),
    commandTimeoutMs: duration(pick(flags.commandTimeout, 'COMMAND_TIMEOUT', '5s'), 'command-timeout'),
    cacert: pick(flags.cacert, 'CACERT', ''),
    cert: pick(flags.cert, 'CERT', ''),
    key: pick(flags.key, 'KEY', ''),
    insecureSkipTlsVerify: pickBool(flags.insecureSkipTlsVerify, 'INSECURE_SKIP_TLS_VERIFY'),
    user: pick(flags.user, 'USER', ''),
    password: pick(flags.password, 'PASSWORD', ''),
    debug: pickBool(flags.debug, 'DEBUG'),
    writeOut: writeOut as OutputFormat,
    hex: pickBool(flags.hex, 'HEX'),
  };
}

function duration(text: string, flag: string): number {
  try {
    return parseGoDuration(text);
  } catch (err) {
    if (err instanceof ValueError) throw badArgs(`invalid argument "${text}" for "--${flag}" flag: time: invalid duration "${text}"`);
    throw err;
  }
}
