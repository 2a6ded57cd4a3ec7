// A ServiceApi for the v3 gateway tests: every call is recorded, and answers with whatever the test queued for
// that method (a response object, or an error to throw).
import type { ServiceApi, WatchStreamApi } from '../../src/server/api';
import type { ResponseHeader, WatchCreateRequest, WatchResponse } from '../../src/gen/etcdserverpb/rpc';
import type { KeyValue } from '../../src/gen/mvccpb/kv';
import { EtcdError } from '../../src/server/errors';

export const CLUSTER_ID = 15118495548433857066n;
export const MEMBER_ID = 13668033151171901709n;

/** The header real etcd sent in the captured fixtures (revision omitted when undefined, as etcd's member calls do). */
export function header(revision?: bigint): ResponseHeader {
  return { clusterId: CLUSTER_ID, memberId: MEMBER_ID, revision: revision ?? 0n, raftTerm: 2n };
}

export function kv(key: string, value: string, create: bigint, mod: bigint, version: bigint, lease = 0n): KeyValue {
  return { key: Buffer.from(key), value: Buffer.from(value), createRevision: create, modRevision: mod, version, lease };
}

export interface RecordedCall {
  method: string;
  args: unknown[];
}

/** What the fake did on one watch stream, and how to answer on it. */
export interface FakeWatchStream {
  send: (resp: WatchResponse) => void;
  creates: WatchCreateRequest[];
  cancels: bigint[];
  progressRequests: number;
  closed: boolean;
}

export type WatchEvent = { create: WatchCreateRequest } | { cancel: bigint } | { progress: true };

export class FakeV3Service implements ServiceApi {
  readonly memberId = MEMBER_ID;
  readonly clusterId = CLUSTER_ID;
  readonly name = 'default';
  readonly calls: RecordedCall[] = [];

  readonly watchStreams: FakeWatchStream[] = [];
  /** Called on each create/cancel/progress request so a test can answer like etcd's watch server. */
  onWatchRequest?: (stream: FakeWatchStream, request: WatchEvent) => void;
  /** TTL per lease for leaseRenew; a missing lease throws etcd's lease-not-found. */
  leaseTTLs = new Map<bigint, bigint>();
  snapshotData: Buffer[] = [];
  private readonly answers = new Map<string, Array<{ result: unknown }>>();

  /** Queues the result of the next call to `method`; an Error is thrown instead of returned. */
  answer(method: string, result: unknown): this {
    const queue = this.answers.get(method) ?? [];
    queue.push({ result });
    this.answers.set(method, queue);
    return this;
  }

  /** The arguments of the only call made to `method`. */
  onlyCall(method: string): unknown[] {
    const calls = this.calls.filter((c) => c.method === method);
    if (calls.length !== 1) throw new Error(`${method} was called ${calls.length} times`);
    return calls[0].args;
  }

  private async reply<T>(method: string, ...args: unknown[]): Promise<T> {
    this.calls.push({ method, args });
    const queued = this.answers.get(method)?.shift();
    if (!queued) throw new Error(`no answer queued for ${method}`);
    if (queued.result instanceof Error) throw queued.result;
    return queued.result as T;
  }

  range = (req: unknown) => this.reply<never>('range', req);
  put = (req: unknown) => this.reply<never>('put', req);
  deleteRange = (req: unknown) => this.reply<never>('deleteRange', req);
  txn = (req: unknown) => this.reply<never>('txn', req);
  compact = (req: unknown) => this.reply<never>('compact', req);
  leaseGrant = (req: unknown) => this.reply<never>('leaseGrant', req);
  leaseRevoke = (req: unknown) => this.reply<never>('leaseRevoke', req);
  leaseTimeToLive = (req: unknown) => this.reply<never>('leaseTimeToLive', req);
  leaseLeases = () => this.reply<never>('leaseLeases');
  memberList = (linearizable?: boolean) => this.reply<never>('memberList', linearizable);
  memberAdd = (req: unknown) => this.reply<never>('memberAdd', req);
  memberRemove = (id: bigint) => this.reply<never>('memberRemove', id);
  memberUpdate = (req: unknown) => this.reply<never>('memberUpdate', req);
  memberPromote = (id: bigint) => this.reply<never>('memberPromote', id);
  status = () => this.reply<never>('status');
  alarm = (req: unknown) => this.reply<never>('alarm', req);
  hash = () => this.reply<never>('hash');
  hashKV = (revision: bigint) => this.reply<never>('hashKV', revision);
  defragment = () => this.reply<void>('defragment');
  moveLeader = (targetId: bigint) => this.reply<void>('moveLeader', targetId);

  async leaseRenew(id: bigint): Promise<bigint> {
    this.calls.push({ method: 'leaseRenew', args: [id] });
    const ttl = this.leaseTTLs.get(id);
    if (ttl === undefined) throw new EtcdError('leaseNotFound');
    return ttl;
  }

  async snapshot(): Promise<{ size: number; chunks: AsyncIterable<Buffer> }> {
    this.calls.push({ method: 'snapshot', args: [] });
    const data = this.snapshotData;
    async function* chunks(): AsyncGenerator<Buffer> {
      yield* data;
    }
    return { size: data.reduce((n, b) => n + b.length, 0), chunks: chunks() };
  }

  openWatchStream(send: (resp: WatchResponse) => void): WatchStreamApi {
    const stream: FakeWatchStream = { send, creates: [], cancels: [], progressRequests: 0, closed: false };
    this.watchStreams.push(stream);
    return {
      create: (req) => {
        stream.creates.push(req);
        this.onWatchRequest?.(stream, { create: req });
      },
      cancel: (id) => {
        stream.cancels.push(id);
        this.onWatchRequest?.(stream, { cancel: id });
      },
      requestProgress: () => {
        stream.progressRequests++;
        this.onWatchRequest?.(stream, { progress: true });
      },
      close: () => {
        stream.closed = true;
      },
    };
  }

  header(): ResponseHeader {
    return header(8n);
  }
  leader(): bigint {
    return MEMBER_ID;
  }
  raftIndex(): number {
    return 17;
  }
  raftTerm(): number {
    return 2;
  }
  appliedIndex(): number {
    return 17;
  }
  async health(): Promise<{ ok: boolean; reason?: string }> {
    return { ok: true };
  }
}
