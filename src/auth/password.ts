// bcrypt hashing of user passwords. It is deliberately slow, so it runs before proposing (hash) or on the member that
// received the request (compare), never inside the apply loop.
import bcrypt from 'bcryptjs';

/** Go's bcrypt limits; etcd falls back to the default cost for anything outside them. */
const MIN_COST = 4;
const MAX_COST = 31;
const DEFAULT_BCRYPT_COST = 10;

function effectiveCost(cost: number): number {
  return Number.isInteger(cost) && cost >= MIN_COST && cost <= MAX_COST ? cost : DEFAULT_BCRYPT_COST;
}

export function hashPassword(password: string, cost: number): Promise<string> {
  return bcrypt.hash(password, effectiveCost(cost));
}

export function passwordMatches(password: string, hash: Buffer): Promise<boolean> {
  return bcrypt.compare(password, hash.toString('latin1'));
}
