// etcd's --peer-cert-allowed-cn, --peer-cert-allowed-hostname and --client-cert-allowed-hostname: after the handshake
// has verified a certificate's chain, these narrow which verified certificates are let in.
import tls from 'node:tls';

export interface AllowedCertRules {
  /** The certificate must carry exactly this CN. */
  allowedCn?: string;
  /** The certificate must be valid for this host name or IP address (by its SANs). */
  allowedHostname?: string;
}

/** Why `cert` (the `whose` side's) breaks `rules`, or undefined when it may pass. */
export function allowedCertProblem(rules: AllowedCertRules, cert: tls.PeerCertificate, whose: 'peer' | 'client'): string | undefined {
  if (rules.allowedCn !== undefined && rules.allowedCn !== '') {
    const cn = cert.subject?.CN ?? '';
    if (cn !== rules.allowedCn) return `${whose} certificate CN ${JSON.stringify(cn)} is not the allowed ${JSON.stringify(rules.allowedCn)}`;
  }
  if (rules.allowedHostname !== undefined && rules.allowedHostname !== '') {
    // Go's VerifyHostname, which etcd uses, reads only the SANs; Node's check would fall back to the CN without them.
    const sansOnly = { ...cert, subject: undefined } as unknown as tls.PeerCertificate;
    if (tls.checkServerIdentity(rules.allowedHostname, sansOnly) !== undefined) {
      return `${whose} certificate is not valid for the allowed host name ${JSON.stringify(rules.allowedHostname)}`;
    }
  }
  return undefined;
}
