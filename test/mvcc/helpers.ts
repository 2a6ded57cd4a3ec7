import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Compare,
  DeleteRangeRequest,
  PutRequest,
  RangeRequest,
  RequestOp,
  TxnRequest,
} from '../../src/gen/etcdserverpb/rpc';
import type { KeyValue } from '../../src/gen/mvccpb/kv';
import { MvccStore } from '../../src/mvcc/store';

export const b = (s: string): Buffer => Buffer.from(s);

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-mvcc-'));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

// Opens a store in a fresh temp dir; `done()` closes it and removes the dir.
export async function openTempStore(): Promise<{ store: MvccStore; dir: string; done: () => Promise<void> }> {
  const dir = tempDir();
  const store = await MvccStore.open(dir);
  return {
    store,
    dir,
    done: async () => {
      await store.close();
      removeDir(dir);
    },
  };
}

// Decoding an empty message yields a message with every default filled in.
const empty = new Uint8Array();

export function rangeReq(key: string, fields: Partial<RangeRequest> = {}): RangeRequest {
  return { ...RangeRequest.decode(empty), key: b(key), ...fields };
}

export function putReq(key: string, value: string, fields: Partial<PutRequest> = {}): PutRequest {
  return { ...PutRequest.decode(empty), key: b(key), value: b(value), ...fields };
}

export function deleteReq(key: string, fields: Partial<DeleteRangeRequest> = {}): DeleteRangeRequest {
  return { ...DeleteRangeRequest.decode(empty), key: b(key), ...fields };
}

export function txnReq(fields: Partial<TxnRequest>): TxnRequest {
  return { ...TxnRequest.decode(empty), ...fields };
}

export function compare(key: string, fields: Partial<Compare>): Compare {
  return { ...Compare.decode(empty), key: b(key), ...fields };
}

export const op = {
  range: (req: RangeRequest): RequestOp => ({ requestRange: req }),
  put: (req: PutRequest): RequestOp => ({ requestPut: req }),
  del: (req: DeleteRangeRequest): RequestOp => ({ requestDeleteRange: req }),
  txn: (req: TxnRequest): RequestOp => ({ requestTxn: req }),
};

export function put(store: MvccStore, key: string, value: string, lease = 0n): number {
  const txn = store.write();
  txn.put(b(key), b(value), lease);
  return txn.end().revision;
}

export function del(store: MvccStore, key: string, end?: string): number {
  const txn = store.write();
  txn.deleteRange(b(key), end === undefined ? undefined : b(end));
  return txn.end().revision;
}

export function keys(kvs: KeyValue[]): string[] {
  return kvs.map((kv) => kv.key.toString());
}

export function values(kvs: KeyValue[]): string[] {
  return kvs.map((kv) => kv.value.toString());
}
