// One gRPC connection to an etcd-compatible member with every v3 service client on it, plus deadline handling and
// the translation of gRPC failures into the messages etcdctl prints.
import fs from 'node:fs';
import { credentials, Metadata, status, type CallOptions, type ChannelCredentials, type Client, type ServiceError } from '@grpc/grpc-js';
import {
  AuthClient,
  ClusterClient,
  KVClient,
  LeaseClient,
  MaintenanceClient,
  WatchClient,
} from '../../gen/etcdserverpb/rpc';
import { ElectionClient } from '../../gen/v3electionpb/v3election';
import { LockClient } from '../../gen/v3lockpb/v3lock';
import { CtlError, ExitCode } from './errors';
import type { GlobalOptions } from './global-options';

export const DEADLINE_EXCEEDED = 'context deadline exceeded';
const AUTH_NOT_ENABLED = 'etcdserver: authentication is not enabled';

/**
 * How an endpoint is dialled, as clientv3 decides it from the scheme: http:// is always plaintext, https:// and
 * unixs:// always TLS, and a bare host:port or unix:// uses TLS exactly when the TLS flags ask for it.
 */
export type Transport = 'plaintext' | 'tls' | 'as-configured';

/** "http://host:port", "https://host:port", "unix://path" or "host:port" → gRPC target and transport. */
export function parseEndpoint(endpoint: string): { target: string; transport: Transport } {
  const m = /^(https?|unix|unixs):\/\/(.*)$/.exec(endpoint);
  if (!m) return { target: endpoint, transport: 'as-configured' };
  const rest = m[2].replace(/\/+$/, '');
  if (m[1] === 'unix' || m[1] === 'unixs') return { target: `unix:${rest}`, transport: m[1] === 'unixs' ? 'tls' : 'as-configured' };
  return { target: rest, transport: m[1] === 'https' ? 'tls' : 'plaintext' };
}

function channelCredentials(opts: GlobalOptions, transport: Transport): ChannelCredentials {
  // --insecure-transport=false asks for TLS even without certificate flags, as etcdctl does.
  const configured = opts.cacert !== '' || opts.cert !== '' || opts.insecureSkipTlsVerify || !opts.insecureTransport;
  const wantsTls = transport === 'tls' || (transport === 'as-configured' && configured);
  if (!wantsTls) return credentials.createInsecure();
  const read = (file: string): Buffer | null => {
    if (file === '') return null;
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new CtlError(ExitCode.badArgs, `open ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (err as Error).message}`);
    }
  };
  return credentials.createSsl(
    read(opts.cacert),
    read(opts.key),
    read(opts.cert),
    opts.insecureSkipTlsVerify ? { rejectUnauthorized: false, checkServerIdentity: () => undefined } : {},
  );
}

/** grpc-go, under etcdctl, raises keepalive ping intervals below this floor to it. */
const MIN_KEEPALIVE_TIME_MS = 10_000;

/** --keepalive-time and --keepalive-timeout as gRPC channel options (pings also while no call is open). */
function keepaliveOptions(opts: GlobalOptions): Record<string, number> {
  return {
    'grpc.keepalive_time_ms': Math.max(opts.keepaliveTimeMs, MIN_KEEPALIVE_TIME_MS),
    'grpc.keepalive_timeout_ms': opts.keepaliveTimeoutMs,
    'grpc.keepalive_permit_without_calls': 1,
  };
}

/** Turns a failed call into the error etcdctl would show. */
export function describeGrpcError(err: unknown): string {
  const e = err as Partial<ServiceError>;
  if (e.code === status.DEADLINE_EXCEEDED || e.code === status.UNAVAILABLE) return DEADLINE_EXCEEDED;
  if (e.code === status.CANCELLED) return 'context canceled';
  if (typeof e.details === 'string' && e.details !== '') return e.details;
  return (err as Error).message;
}

/** No endpoint could be reached within the dial timeout. */
export class DialError extends CtlError {
  constructor() {
    super(ExitCode.error, DEADLINE_EXCEEDED);
  }
}

/** A failed call (or dial) as the CtlError to report; `wrap` adds the command's own context to the message. */
export function grpcError(err: unknown, code: number = ExitCode.error, wrap?: (msg: string) => string): CtlError {
  if (err instanceof DialError) return wrap ? new CtlError(code, wrap(err.message)) : err;
  if (err instanceof CtlError) return err;
  const msg = describeGrpcError(err);
  return new CtlError(code, wrap ? wrap(msg) : msg);
}

type Callback<T> = (err: ServiceError | null, res: T) => void;

export class Connection {
  readonly kv: InstanceType<typeof KVClient>;
  readonly watch: InstanceType<typeof WatchClient>;
  readonly lease: InstanceType<typeof LeaseClient>;
  readonly cluster: InstanceType<typeof ClusterClient>;
  readonly maintenance: InstanceType<typeof MaintenanceClient>;
  readonly auth: InstanceType<typeof AuthClient>;
  readonly lock: InstanceType<typeof LockClient>;
  readonly election: InstanceType<typeof ElectionClient>;
  private metadata = new Metadata();

  private constructor(
    readonly endpoint: string,
    readonly opts: GlobalOptions,
  ) {
    const { target, transport } = parseEndpoint(endpoint);
    const creds = channelCredentials(opts, transport);
    // All clients share one channel, so one connection serves every service.
    // Snapshots and big ranges can exceed gRPC's default 4 MiB message limit.
    const channelOptions: Record<string, number | string> = {
      'grpc.max_receive_message_length': -1,
      ...keepaliveOptions(opts),
    };
    // Servers found through secure SRV discovery are verified as the domain, as etcdctl sets its TLS server name.
    if (opts.discoverySrv !== '' && !opts.insecureDiscovery) channelOptions['grpc.ssl_target_name_override'] = opts.discoverySrv;
    this.kv = new KVClient(target, creds, channelOptions);
    const shared = { ...channelOptions, channelOverride: this.kv.getChannel() };
    this.watch = new WatchClient(target, creds, shared);
    this.lease = new LeaseClient(target, creds, shared);
    this.cluster = new ClusterClient(target, creds, shared);
    this.maintenance = new MaintenanceClient(target, creds, shared);
    this.auth = new AuthClient(target, creds, shared);
    this.lock = new LockClient(target, creds, shared);
    this.election = new ElectionClient(target, creds, shared);
  }

  /** Connects to the first endpoint that answers within the dial timeout; authenticates when a user is given. */
  static async open(opts: GlobalOptions, endpoints: string[] = opts.endpoints): Promise<Connection> {
    const deadline = Date.now() + opts.dialTimeoutMs;
    for (const ep of endpoints) {
      const conn = new Connection(ep, opts);
      if (await conn.ready(deadline)) {
        try {
          await conn.authenticate();
        } catch (err) {
          conn.close();
          // etcdctl authenticates while creating its client, and a client it cannot create is a bad connection.
          throw grpcError(err, ExitCode.badConnection);
        }
        return conn;
      }
      conn.close();
    }
    throw new DialError();
  }

  private ready(deadline: number): Promise<boolean> {
    return new Promise((resolve) => (this.kv as Client).waitForReady(deadline, (err) => resolve(!err)));
  }

  private async authenticate(): Promise<void> {
    if (this.opts.user === '') return;
    let name = this.opts.user;
    let password = this.opts.password;
    const colon = name.indexOf(':');
    if (password === '' && colon >= 0) {
      password = name.slice(colon + 1);
      name = name.slice(0, colon);
    } else if (password !== '' && colon >= 0) {
      throw new CtlError(ExitCode.badArgs, 'username contains ":" is not allowed if --password is set');
    }
    let res: { token: string };
    try {
      res = await this.unary<{ token: string }>((md, o, cb) => this.auth.authenticate({ name, password }, md, o, cb));
    } catch (err) {
      // Like clientv3: with auth off, credentials are not an error, the calls just go without a token.
      if (describeGrpcError(err) === AUTH_NOT_ENABLED) return;
      throw err;
    }
    this.metadata = new Metadata();
    this.metadata.set('token', res.token);
  }

  /** Metadata for streaming calls (carries the auth token). */
  callMetadata(): Metadata {
    return this.metadata.clone();
  }

  /** One unary call under the command timeout (or `timeoutMs`). Rejects with the raw gRPC error. */
  unary<T>(
    call: (md: Metadata, options: Partial<CallOptions>, cb: Callback<T>) => unknown,
    timeoutMs: number = this.opts.commandTimeoutMs,
  ): Promise<T> {
    return new Promise((resolve, reject) => {
      const options: Partial<CallOptions> = timeoutMs > 0 ? { deadline: Date.now() + timeoutMs } : {};
      call(this.metadata.clone(), options, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  close(): void {
    for (const c of [this.watch, this.lease, this.cluster, this.maintenance, this.auth, this.lock, this.election, this.kv]) {
      (c as Client).close();
    }
  }
}
