export { PeerTransport, type PeerTransportOptions, type PeerAddress, type TransportStats, type LinkFilter } from './transport';
export { PeerClient, type PeerClientOptions, type RemoteMemberInfo } from './peer-client';
export type { MemberInfo } from './inbound';
export type { PeerTls, PeerTlsSource } from './endpoints';
export { formatId } from './identity';
