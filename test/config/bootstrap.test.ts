import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, parseConfig, verifyBootstrap } from '../../src/config';

function verify(argv: string[]): void {
  verifyBootstrap(parseConfig(argv, {}));
}

function fails(argv: string[], message: RegExp): void {
  assert.throws(() => verify(argv), (err: unknown) => err instanceof ConfigError && err.exitCode === 1 && message.test(err.message));
}

const peer = (n: number) => `http://127.0.0.1:${2380 + n}`;

describe('initial cluster checks for a fresh data directory', () => {
  it('accepts the default single-member cluster and a consistent multi-member one', () => {
    verify([]);
    verify(['--name=b', `--initial-advertise-peer-urls=${peer(2)}`, `--initial-cluster=a=${peer(1)},b=${peer(2)},c=${peer(3)}`]);
  });

  it('requires this member in --initial-cluster', () => {
    fails(['--name=a', `--initial-cluster=b=${peer(2)}`], /^couldn't find local name "a" in the initial cluster configuration$/);
  });

  it('requires matching advertise peer URLs when the cluster is new', () => {
    fails(
      ['--name=a', `--initial-advertise-peer-urls=${peer(1)}`, `--initial-cluster=a=${peer(9)}`],
      /^--initial-cluster has a=http:\/\/127.0.0.1:2389 but missing from --initial-advertise-peer-urls=http:\/\/127.0.0.1:2381$/,
    );
    fails(
      ['--name=a', `--initial-advertise-peer-urls=${peer(1)},${peer(2)}`, `--initial-cluster=a=${peer(1)}`],
      /^--initial-advertise-peer-urls has http:\/\/127.0.0.1:2382 but missing from --initial-cluster=/,
    );
  });

  it('skips the advertise match when joining an existing cluster', () => {
    verify(['--name=a', '--initial-cluster-state=existing', `--initial-advertise-peer-urls=${peer(1)}`, `--initial-cluster=a=${peer(9)}`]);
  });

  it('rejects a URL used by two members', () => {
    fails(['--name=a', `--initial-advertise-peer-urls=${peer(1)}`, `--initial-cluster=a=${peer(1)},b=${peer(1)}`], /has duplicate url$/);
  });
});
