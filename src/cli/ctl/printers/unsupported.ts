// Base for printers that handle only some results: the rest fail the way etcdctl fails for that format.
import { CtlError, ExitCode } from '../errors';
import type { Printer } from './types';

export function unsupportedPrinter(format: string): Printer {
  const fail = (): never => {
    throw new CtlError(ExitCode.badFeature, `${format} not supported as output format`);
  };
  return {
    del: fail,
    get: fail,
    put: fail,
    txn: fail,
    watch: fail,
    grant: fail,
    revoke: fail,
    keepAlive: fail,
    timeToLive: fail,
    leases: fail,
    memberAdd: fail,
    memberRemove: fail,
    memberUpdate: fail,
    memberPromote: fail,
    memberList: fail,
    endpointHealth: fail,
    endpointStatus: fail,
    endpointHashKV: fail,
    moveLeader: fail,
    alarm: fail,
    snapshotStatus: fail,
  };
}
