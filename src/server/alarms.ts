// Raised alarms (NOSPACE, CORRUPT), replicated through Raft and stored with the data, as etcd keeps them.
import { AlarmType, type AlarmMember } from '../gen/etcdserverpb/rpc';
import type { MvccStore } from '../mvcc/store';

const BUCKET = 'alarm';

function keyOf(memberId: bigint, alarm: AlarmType): Buffer {
  const k = Buffer.alloc(12);
  k.writeBigUInt64BE(memberId, 0);
  k.writeUInt32BE(alarm, 8);
  return k;
}

export class Alarms {
  private readonly raised = new Map<string, AlarmMember>();

  constructor(private readonly mvcc: MvccStore) {
    this.reload();
  }

  /** Reads the raised alarms from the store (at start, and after it was restored from a snapshot). */
  reload(): void {
    this.raised.clear();
    for (const [k] of this.mvcc.iterateMeta(BUCKET)) {
      const a = { memberID: k.readBigUInt64BE(0), alarm: k.readUInt32BE(8) as AlarmType };
      this.raised.set(k.toString('hex'), a);
    }
  }

  /** All raised alarms, or those of one type (NONE means all, as in etcd). */
  list(type: AlarmType = AlarmType.NONE): AlarmMember[] {
    const all = [...this.raised.values()];
    return type === AlarmType.NONE ? all : all.filter((a) => a.alarm === type);
  }

  hasNoSpace(): boolean {
    return this.raised.size > 0 && this.list(AlarmType.NOSPACE).length > 0;
  }

  /** Applied from Raft; returns the alarm when it was newly raised. */
  activate(memberId: bigint, alarm: AlarmType): AlarmMember | undefined {
    const k = keyOf(memberId, alarm);
    if (this.raised.has(k.toString('hex'))) return undefined;
    const a = { memberID: memberId, alarm };
    this.raised.set(k.toString('hex'), a);
    this.mvcc.putMeta(BUCKET, k, Buffer.alloc(0));
    return a;
  }

  /** Applied from Raft; returns the alarm when it was raised before. */
  deactivate(memberId: bigint, alarm: AlarmType): AlarmMember | undefined {
    const k = keyOf(memberId, alarm);
    const a = this.raised.get(k.toString('hex'));
    if (!a) return undefined;
    this.raised.delete(k.toString('hex'));
    this.mvcc.deleteMeta(BUCKET, k);
    return a;
  }
}
