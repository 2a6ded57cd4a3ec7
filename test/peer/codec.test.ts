import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RaftMessage } from '../../src/gen/tetcdpb/raft';
import { messageFromProto, messageToProto } from '../../src/peer/codec';
import { EntryType, MessageType, type Message } from '../../src/raft/types';

/** Through the real protobuf encoding, as on the wire. */
function roundTrip(m: Message, snapshotData?: Uint8Array): Message {
  const bytes = RaftMessage.encode(messageToProto(m)).finish();
  return messageFromProto(RaftMessage.decode(bytes), snapshotData);
}

function base(type: MessageType): Message {
  return { type, to: 0n, from: 0n, term: 0, logTerm: 0, index: 0, entries: [], commit: 0, reject: false, rejectHint: 0 };
}

describe('peer codec', () => {
  it('round-trips every field of an App message, with uint64 member IDs', () => {
    const m: Message = {
      type: MessageType.App,
      to: 0xffff_ffff_ffff_fffen,
      from: 0x8e9e_05c5_2164_694dn,
      term: 2 ** 40,
      logTerm: 7,
      index: Number.MAX_SAFE_INTEGER - 1,
      entries: [
        { term: 7, index: 11, type: EntryType.Normal, data: Buffer.from('put foo bar') },
        { term: 8, index: 12, type: EntryType.ConfChange, data: Buffer.from([0, 1, 2, 255]) },
        { term: 8, index: 13, type: EntryType.Normal, data: Buffer.alloc(0) },
      ],
      commit: 10,
      reject: true,
      rejectHint: 9,
    };
    assert.deepEqual(roundTrip(m), m);
  });

  it('keeps a context apart from an absent one', () => {
    const empty = { ...base(MessageType.ReadIndex), context: Buffer.alloc(0) };
    assert.deepEqual(roundTrip(empty).context, Buffer.alloc(0));
    const withCtx = { ...base(MessageType.Vote), context: Buffer.from('CampaignTransfer') };
    assert.deepEqual(roundTrip(withCtx).context, Buffer.from('CampaignTransfer'));
    assert.equal('context' in roundTrip(base(MessageType.Heartbeat)), false);
  });

  it('carries snapshot metadata but leaves the data to the snapshot stream', () => {
    const m: Message = {
      ...base(MessageType.Snap),
      to: 2n,
      from: 1n,
      term: 3,
      snapshot: {
        metadata: { index: 100, term: 3, confState: { voters: [1n, 2n, 0xffff_ffff_ffff_ffffn], learners: [4n] } },
        data: Buffer.from('state'),
      },
    };
    const bytes = RaftMessage.encode(messageToProto(m)).finish();
    assert.equal(Buffer.from(bytes).includes(Buffer.from('state')), false);
    assert.deepEqual(roundTrip(m, Buffer.from('state')), m);
    assert.equal(roundTrip(m).snapshot?.data.length, 0);
    assert.equal(roundTrip(base(MessageType.App)).snapshot, undefined);
  });
});
