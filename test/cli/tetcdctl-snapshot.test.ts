// snapshot save → status → restore → start a member on the restored data dir → same data, new cluster identity.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { freePort, spawnTetcd, tempDir, type SpawnedMember } from '../helpers/tetcd';
import { ctl } from './ctl-helpers';

describe('tetcdctl snapshot', () => {
  let member: SpawnedMember;
  let restored: SpawnedMember | undefined;
  const dir = tempDir('tetcdctl-snapshot-');
  const file = path.join(dir, 'backup.db');

  before(async () => {
    member = await spawnTetcd();
    await member.waitHealthy();
    for (let i = 0; i < 5; i++) assert.equal((await ctl(['--endpoints', member.clientUrl, 'put', `snap/${i}`, `v${i}`])).code, 0);
  });

  after(async () => {
    await restored?.stop();
    await member?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('saves a file whose status reports the revision', async () => {
    const saved = await ctl(['--endpoints', member.clientUrl, 'snapshot', 'save', file]);
    assert.deepEqual(saved, { code: 0, stdout: `Snapshot saved at ${file}\n`, stderr: '' });
    assert.equal(fs.existsSync(`${file}.part`), false);
    const status = await ctl(['snapshot', 'status', file, '-w', 'json']);
    assert.equal(status.code, 0, status.stderr);
    const parsed = JSON.parse(status.stdout) as { hash: number; revision: number; totalKey: number; totalSize: number };
    assert.equal(parsed.revision, 6);
    assert.equal(parsed.totalSize, fs.statSync(file).size);
    assert.ok(parsed.totalKey >= 5);
    const table = await ctl(['snapshot', 'status', file, '-w', 'table']);
    assert.match(table.stdout, /\| +HASH +\| REVISION \| TOTAL KEYS \| TOTAL SIZE \|/);
    assert.match(table.stdout, new RegExp(`\\| +${parsed.hash.toString(16)} \\| +6 \\|`));
  });

  it('rejects a damaged file', async () => {
    const bad = path.join(dir, 'bad.db');
    const data = fs.readFileSync(file);
    data[20] ^= 0xff;
    fs.writeFileSync(bad, data);
    const status = await ctl(['snapshot', 'status', bad]);
    assert.equal(status.code, 1);
    assert.match(status.stderr, /^Error: expected sha256 [0-9a-f]{64}, got [0-9a-f]{64}\n$/);
    const restore = await ctl(['snapshot', 'restore', bad, '--data-dir', path.join(dir, 'never')]);
    assert.equal(restore.code, 1);
    assert.equal(fs.existsSync(path.join(dir, 'never')), false);
  });

  it('restores into a data dir that starts a new single-member cluster with the data', async () => {
    const dataDir = path.join(dir, 'restored');
    const peerPort = await freePort();
    const peerUrl = `http://127.0.0.1:${peerPort}`;
    const res = await ctl([
      'snapshot', 'restore', file,
      '--data-dir', dataDir,
      '--name', 'copy',
      '--initial-cluster', `copy=${peerUrl}`,
      '--initial-advertise-peer-urls', peerUrl,
      '--initial-cluster-token', 'restored-token',
    ]);
    assert.deepEqual(res, { code: 0, stdout: '', stderr: '' });
    const again = await ctl(['snapshot', 'restore', file, '--data-dir', dataDir]);
    assert.deepEqual(again, { code: 1, stdout: '', stderr: `Error: data-dir "${dataDir}" exists\n` });

    // The member's identity is read from the restored data dir (the generated flags only repeat it).
    restored = await spawnTetcd({ name: 'copy', dataDir, peerPort });
    await restored.waitHealthy();
    const got = await ctl(['--endpoints', restored.clientUrl, 'get', 'snap/', '--prefix']);
    assert.equal(got.stdout, 'snap/0\nv0\nsnap/1\nv1\nsnap/2\nv2\nsnap/3\nv3\nsnap/4\nv4\n');
    const members = await ctl(['--endpoints', restored.clientUrl, 'member', 'list']);
    assert.match(members.stdout, new RegExp(`^[0-9a-f]+, started, copy, ${peerUrl}, ${restored.clientUrl}, false\n$`));
    const original = await ctl(['--endpoints', member.clientUrl, 'member', 'list', '-w', 'json']);
    const copy = await ctl(['--endpoints', restored.clientUrl, 'member', 'list', '-w', 'json']);
    assert.notEqual(JSON.parse(copy.stdout).header.cluster_id, JSON.parse(original.stdout).header.cluster_id);
    // It takes writes, continuing from the snapshot's revision.
    const put = await ctl(['--endpoints', restored.clientUrl, 'put', 'after', 'restore', '-w', 'json']);
    assert.equal(JSON.parse(put.stdout).header.revision, 7);
  });
});
