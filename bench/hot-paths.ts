// Microbenchmark of the server core's per-request CPU: exact-key index lookups, the read and write Txns the v2
// gateway issues, and the encoding of a write Txn proposed from a JS object. Prints µs per operation.
// Run: npx tsc -p . && node dist/bench/hot-paths.js
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  Compare_CompareResult,
  Compare_CompareTarget,
  type RangeRequest,
  type RequestOp,
  type TxnRequest,
} from '../src/gen/etcdserverpb/rpc';
import { InternalRequest } from '../src/gen/tetcdpb/internal';
import { applyTxn } from '../src/mvcc/kv-ops';
import { KeyIndex } from '../src/mvcc/key-index';
import { MvccStore } from '../src/mvcc/store';
import { encodeMessage } from '../src/server/encode-message';
import { rangeRequest } from '../src/server/prefix-queue';

const KEYS = 10_000;
const key = (i: number): Buffer => Buffer.from(`/1/dir${i % 100}/node-${i}`);

function rangeReq(k: Buffer): RangeRequest {
  return rangeRequest(k, { serializable: true });
}

function readTxn(i: number): TxnRequest {
  const success: RequestOp[] = [];
  for (let j = 0; j < 8; j++) success.push({ requestRange: rangeReq(key((i + j * 997) % KEYS)) });
  return { compare: [], success, failure: [] };
}

// The gateway compares mod revisions for equality; GREATER than 0 costs the same and keeps holding as keys change.
function writeTxn(i: number): TxnRequest {
  const compare = [];
  for (let j = 0; j < 8; j++) {
    compare.push({
      result: Compare_CompareResult.GREATER,
      target: Compare_CompareTarget.MOD,
      key: key((i + j * 997) % KEYS),
      modRevision: 0n,
      rangeEnd: Buffer.alloc(0),
    });
  }
  const success: RequestOp[] = [];
  for (let j = 0; j < 4; j++) {
    success.push({
      requestPut: {
        key: key((i + j * 997) % KEYS),
        value: Buffer.alloc(256, 0x61 + j),
        lease: 0n,
        prevKv: false,
        ignoreValue: false,
        ignoreLease: false,
      },
    });
  }
  return { compare, success, failure: [] };
}

// Times n calls of body; `settle` (if any) runs untimed after every 1000 calls.
async function time(label: string, n: number, body: (i: number) => void, settle?: () => Promise<void>): Promise<void> {
  for (let i = 0; i < Math.min(n, 2000); i++) body(i); // warm up
  let elapsed = 0n;
  for (let done = 0; done < n; done += 1000) {
    const start = process.hrtime.bigint();
    for (let i = done; i < done + 1000; i++) body(i);
    elapsed += process.hrtime.bigint() - start;
    if (settle !== undefined) await settle();
  }
  console.log(`${label.padEnd(40)} ${(Number(elapsed) / 1000 / n).toFixed(2)} µs/op`);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tetcd-hot-'));
  const store = await MvccStore.open(dir);
  try {
    for (let i = 0; i < KEYS; i += 100) {
      const txn = store.write();
      for (let j = i; j < i + 100; j++) txn.put(key(j), Buffer.alloc(256, 0x61));
      txn.end();
    }
    await store.commit(1);
    const noLease = (): boolean => true;

    const index = new KeyIndex();
    for (let i = 0; i < KEYS; i++) index.getOrCreate(key(i));
    const probes = Array.from({ length: 1000 }, (_, i) => key((i * 7919) % KEYS));
    await time('KeyIndex.find (10k keys)', 1_000_000, (i) => index.find(probes[i % 1000]));
    await time('range one key (store.range)', 200_000, (i) => store.range(probes[i % 1000], undefined));
    await time('range of 100 keys (a prefix)', 20_000, (i) => store.range(Buffer.from(`/1/dir${i % 100}/`), Buffer.from(`/1/dir${i % 100}0`)));
    const reads = Array.from({ length: 1000 }, (_, i) => readTxn(i));
    await time('read Txn, 8 single-key ranges', 50_000, (i) => applyTxn(store, reads[i % 1000], noLease));
    const reqs = Array.from({ length: 1000 }, (_, i) => writeTxn(i));
    let commits = 1;
    // Committed every 1000 Txns (untimed) so pending records do not pile up.
    await time('write Txn, 8 compares + 4 puts', 20_000, (i) => applyTxn(store, reqs[i % 1000], noLease), () => store.commit(++commits));
    const internal = reqs.map((txn, i): InternalRequest => ({ id: BigInt(i + 1), txn }) as InternalRequest);
    await time('InternalRequest.encode (generated)', 50_000, (i) => InternalRequest.encode(internal[i % 1000]).finish());
    await time('encodeMessage(InternalRequest)', 50_000, (i) => encodeMessage(InternalRequest, internal[i % 1000]));
  } finally {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

void main();
