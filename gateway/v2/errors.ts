// The v2 API's error catalogue: numeric codes, the messages clients match on, and the HTTP status of each
// (etcd 3.4's v2error). Any other failure from the service layer is reported as a Raft internal error, as
// etcd does for errors that did not come from its v2 store.
import { goJson } from './node-json';

export const V2_CODES = {
  keyNotFound: 100,
  testFailed: 101,
  notFile: 102,
  notDir: 104,
  nodeExist: 105,
  rootReadOnly: 107,
  dirNotEmpty: 108,
  unauthorized: 110,
  prevValueRequired: 201,
  ttlNaN: 202,
  indexNaN: 203,
  invalidField: 209,
  invalidForm: 210,
  refreshValue: 211,
  refreshTTLRequired: 212,
  raftInternal: 300,
  leaderElect: 301,
  eventIndexCleared: 401,
} as const;

const MESSAGES: Record<number, string> = {
  100: 'Key not found',
  101: 'Compare failed',
  102: 'Not a file',
  104: 'Not a directory',
  105: 'Key already exists',
  107: 'Root is read only',
  108: 'Directory not empty',
  110: 'The request requires user authentication',
  201: 'PrevValue is Required in POST form',
  202: 'The given TTL in POST form is not a number',
  203: 'The given index in POST form is not a number',
  209: 'Invalid field',
  210: 'Invalid POST form',
  211: 'Value provided on refresh',
  212: 'A TTL must be provided on refresh',
  300: 'Raft Internal Error',
  301: 'During Leader Election',
  401: 'The event in requested index is outdated and cleared',
};

// Codes without an entry answer 400, as in etcd.
const HTTP_STATUS: Record<number, number> = {
  100: 404,
  101: 412,
  102: 403,
  105: 412,
  108: 403,
  110: 401,
  300: 500,
  301: 500,
};

export class V2Error extends Error {
  constructor(
    readonly errorCode: number,
    override readonly cause: string,
    /** The store index when the error happened; 0 for requests rejected before reaching the store. */
    readonly index: bigint,
  ) {
    super(`${MESSAGES[errorCode] ?? ''} (${cause})`);
  }

  get status(): number {
    return HTTP_STATUS[this.errorCode] ?? 400;
  }

  /** The body etcd writes, fields in etcd's order; an empty cause is left out like Go's omitempty. */
  toBody(): string {
    const body: Record<string, unknown> = { errorCode: this.errorCode, message: MESSAGES[this.errorCode] ?? '' };
    if (this.cause !== '') body.cause = this.cause;
    return `${goJson(body).slice(0, -1)},"index":${this.index}}\n`;
  }
}

/** A parameter problem found before touching the store (index 0). */
export function requestError(errorCode: number, cause: string): V2Error {
  return new V2Error(errorCode, cause, 0n);
}

/** Failures from the layers below that are not v2 errors become Raft internal errors with their message. */
export function asV2Error(err: unknown): V2Error {
  if (err instanceof V2Error) return err;
  return new V2Error(V2_CODES.raftInternal, err instanceof Error ? err.message : String(err), 0n);
}
