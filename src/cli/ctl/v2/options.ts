// etcdctl v2's global flags and their ETCDCTL_* variables.
import { parseGoDuration, ValueError } from '../../../config/go-values';
import { badArgs } from '../errors';

export type V2Output = 'simple' | 'extended' | 'json';

export interface V2Options {
  endpoints: string[];
  output: V2Output;
  timeoutMs: number;
  totalTimeoutMs: number;
  certFile: string;
  keyFile: string;
  caFile: string;
  username: string;
}

export interface RawV2Flags {
  endpoints?: string;
  peers?: string;
  output?: string;
  timeout?: string;
  totalTimeout?: string;
  certFile?: string;
  keyFile?: string;
  caFile?: string;
  username?: string;
}

export function resolveV2Options(f: RawV2Flags, env: NodeJS.ProcessEnv): V2Options {
  const endpoints =
    f.endpoints ?? f.peers ?? env.ETCDCTL_ENDPOINTS ?? env.ETCDCTL_ENDPOINT ?? env.ETCDCTL_PEERS ?? 'http://127.0.0.1:2379,http://127.0.0.1:4001';
  const output = f.output ?? 'simple';
  if (output !== 'simple' && output !== 'extended' && output !== 'json') throw badArgs(`Unsupported output format: ${output}`);
  const duration = (text: string, flag: string): number => {
    try {
      return parseGoDuration(text);
    } catch (err) {
      if (err instanceof ValueError) throw badArgs(`invalid value "${text}" for flag -${flag}: parse error`);
      throw err;
    }
  };
  return {
    endpoints: endpoints.split(',').map((e) => e.trim()).filter((e) => e !== ''),
    output,
    timeoutMs: duration(f.timeout ?? env.ETCDCTL_DIAL_TIMEOUT ?? '2s', 'timeout'),
    totalTimeoutMs: duration(f.totalTimeout ?? '5s', 'total-timeout'),
    certFile: f.certFile ?? env.ETCDCTL_CERT_FILE ?? '',
    keyFile: f.keyFile ?? env.ETCDCTL_KEY_FILE ?? '',
    caFile: f.caFile ?? env.ETCDCTL_CA_FILE ?? '',
    username: f.username ?? env.ETCDCTL_USERNAME ?? '',
  };
}
