// On-disk form of one lease in the 'lease' meta bucket: key = 8-byte big-endian id (so records sort by id),
// value = id, granted TTL and last checkpointed remaining TTL as three big-endian int64s.

export interface LeaseRecord {
  id: bigint;
  ttl: number;
  remainingTtl: number;
}

export const LEASE_BUCKET = 'lease';

export function leaseRecordKey(id: bigint): Buffer {
  const key = Buffer.alloc(8);
  key.writeBigInt64BE(id);
  return key;
}

export function encodeLeaseRecord(record: LeaseRecord): Buffer {
  const value = Buffer.alloc(24);
  value.writeBigInt64BE(record.id, 0);
  value.writeBigInt64BE(BigInt(record.ttl), 8);
  value.writeBigInt64BE(BigInt(record.remainingTtl), 16);
  return value;
}

export function decodeLeaseRecord(value: Buffer): LeaseRecord {
  if (value.length !== 24) throw new Error(`lease record must be 24 bytes, got ${value.length}`);
  return {
    id: value.readBigInt64BE(0),
    ttl: Number(value.readBigInt64BE(8)),
    remainingTtl: Number(value.readBigInt64BE(16)),
  };
}
