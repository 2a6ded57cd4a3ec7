// What the rest of tetcd knows about an authenticated party.

/** A user name and the auth store revision its credentials were checked at (0n: no credentials given). */
export interface AuthInfo {
  user: string;
  revision: bigint;
}

/** The user every permission check lets through, and the role that makes a user one. */
export const ROOT_USER = 'root';
export const ROOT_ROLE = 'root';

/** Turns credentials into tokens and back; one per --auth-token kind. */
export interface TokenProvider {
  enable(): void;
  /** Forgets every token handed out (auth was turned off). */
  disable(): void;
  /** The random part proposed through Raft with an Authenticate, so every member mints the same token. */
  genPrefix(): string;
  /** The token for `user`, minted while applying the Authenticate entry at Raft `index`. */
  assign(user: string, revision: bigint, prefix: string, index: number): string;
  /** Who `token` stands for, checked against the store's current revision; undefined when it is not valid. */
  info(token: string, currentRevision: bigint): AuthInfo | undefined;
  /** The Raft index a member must have applied before it can know `token` (0 when nothing needs applying). */
  appliedIndexNeeded(token: string): number;
  /** Tokens of a deleted user or a changed password stop working. */
  invalidateUser(user: string): void;
}
