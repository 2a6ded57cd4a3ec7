// The global flags every v3 command shares, merged with their ETCDCTL_* environment variables (a flag given on the
// command line wins, as in etcdctl).
import { parseGoDuration, ValueError } from '../../config/go-values';
import { CtlError, ExitCode } from './errors';
import { goDuration } from './go-format';

export type OutputFormat = 'simple' | 'json' | 'fields' | 'table' | 'protobuf';

export interface GlobalOptions {
  endpoints: string[];
  dialTimeoutMs: number;
  commandTimeoutMs: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  /** False: TLS even without certificate flags (the system's CAs verify the server). */
  insecureTransport: boolean;
  /** Domain whose SRV records list the endpoints (--discovery-srv); they replace --endpoints. */
  discoverySrv: string;
  discoverySrvName: string;
  /** False: keep only https endpoints from SRV records, and verify the servers as the domain. */
  insecureDiscovery: boolean;
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
  keepaliveTime?: string;
  keepaliveTimeout?: string;
  insecureTransport?: boolean | string;
  discoverySrv?: string;
  discoverySrvName?: string;
  insecureDiscovery?: boolean | string;
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
  const pickBool = (flag: boolean | string | undefined, envName: string, dflt = false): boolean => {
    const raw = flag ?? env[`ETCDCTL_${envName}`];
    if (raw === undefined) return dflt;
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
    keepaliveTimeMs: duration(pick(flags.keepaliveTime, 'KEEPALIVE_TIME', '2s'), 'keepalive-time'),
    keepaliveTimeoutMs: duration(pick(flags.keepaliveTimeout, 'KEEPALIVE_TIMEOUT', '6s'), 'keepalive-timeout'),
    insecureTransport: pickBool(flags.insecureTransport, 'INSECURE_TRANSPORT', true),
    discoverySrv: pick(flags.discoverySrv, 'DISCOVERY_SRV', ''),
    discoverySrvName: pick(flags.discoverySrvName, 'DISCOVERY_SRV_NAME', ''),
    insecureDiscovery: pickBool(flags.insecureDiscovery, 'INSECURE_DISCOVERY', true),
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
    // A flag etcdctl's parser refuses ends the command with the general error code, not the bad-arguments one.
    if (err instanceof ValueError) throw new CtlError(ExitCode.error, `invalid argument "${text}" for "--${flag}" flag: time: invalid duration "${text}"`);
    throw err;
  }
}

/**
 * What --debug prints before a command talks to the cluster: every global flag as the ETCDCTL_* variable that would
 * set it, in flag-name order, with the value in effect (etcdctl's dump, passwords included).
 */
export function debugFlagDump(g: GlobalOptions): string {
  const ms = (n: number) => goDuration(BigInt(n) * 1_000_000n);
  const flags: Array<[string, string | number | boolean]> = [
    ['cacert', g.cacert],
    ['cert', g.cert],
    ['command-timeout', ms(g.commandTimeoutMs)],
    ['debug', g.debug],
    ['dial-timeout', ms(g.dialTimeoutMs)],
    ['discovery-srv', g.discoverySrv],
    ['discovery-srv-name', g.discoverySrvName],
    ['endpoints', `[${g.endpoints.join(',')}]`],
    ['hex', g.hex],
    ['insecure-discovery', g.insecureDiscovery],
    ['insecure-skip-tls-verify', g.insecureSkipTlsVerify],
    ['insecure-transport', g.insecureTransport],
    ['keepalive-time', ms(g.keepaliveTimeMs)],
    ['keepalive-timeout', ms(g.keepaliveTimeoutMs)],
    ['key', g.key],
    ['password', g.password],
    ['user', g.user],
    ['write-out', g.writeOut],
  ];
  return flags.map(([name, value]) => `ETCDCTL_${name.toUpperCase().replace(/-/g, '_')}=${value}\n`).join('');
}
