// The lock and election services behind etcd's v3lock/v3election gateway routes. The gateway only registers
// those routes when it is given an implementation of these interfaces (src/server's V3Lock and V3Election fit).
import { status as Status } from '@grpc/grpc-js';
import type {
  CampaignRequest,
  CampaignResponse,
  LeaderRequest,
  LeaderResponse,
  ProclaimRequest,
  ProclaimResponse,
  ResignRequest,
  ResignResponse,
} from '../../src/gen/v3electionpb/v3election';
import type { LockRequest, LockResponse, UnlockRequest, UnlockResponse } from '../../src/gen/v3lockpb/v3lock';
import type { Caller } from '../../src/server/api';
import { statusOf } from '../../src/server/errors';

/** Each call acts for `caller`, the user the request's token names (undefined without one). */
export interface LockApi {
  /** Waits until the lock is held; `signal` aborts when the HTTP client goes away. */
  lock(req: LockRequest, signal: AbortSignal, caller?: Caller): Promise<LockResponse>;
  unlock(req: UnlockRequest, caller?: Caller): Promise<UnlockResponse>;
}

export interface ElectionApi {
  /** Waits until elected; `signal` aborts when the HTTP client goes away. */
  campaign(req: CampaignRequest, signal: AbortSignal, caller?: Caller): Promise<CampaignResponse>;
  proclaim(req: ProclaimRequest, caller?: Caller): Promise<ProclaimResponse>;
  leader(req: LeaderRequest, caller?: Caller): Promise<LeaderResponse>;
  /** Reports the current leader, then every later one, through `send` until `signal` aborts. */
  observe(req: LeaderRequest, send: (resp: LeaderResponse) => void, signal: AbortSignal, caller?: Caller): Promise<void>;
  resign(req: ResignRequest, caller?: Caller): Promise<ResignResponse>;
}

/**
 * etcd serves lock and election through an embedded client that hands every failure back as a plain error, so
 * callers see UNKNOWN with etcd's message (CANCELLED stays CANCELLED).
 */
export function embeddedClientStatus(err: unknown): { code: number; message: string } {
  const { code, message } = statusOf(err);
  return { code: code === Status.CANCELLED ? code : Status.UNKNOWN, message };
}
