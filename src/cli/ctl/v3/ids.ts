// Member IDs on the command line are unsigned 64-bit hex, as in etcdctl.
import { badArgs } from '../errors';

export function memberIdArg(arg: string): bigint {
  if (!/^[0-9a-fA-F]{1,16}$/.test(arg)) {
    const why = /^[0-9a-fA-F]+$/.test(arg) ? 'value out of range' : 'invalid syntax';
    throw badArgs(`bad member ID arg (strconv.ParseUint: parsing "${arg}": ${why}), expecting ID in Hex`);
  }
  return BigInt('0x' + arg);
}
