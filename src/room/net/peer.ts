/** Where a datagram came from, as node:dgram reports it. */
export interface Peer {
  address: string;
  port: number;
}

/** A map key for a peer; the brackets keep IPv6 addresses unambiguous. */
export function peerKey(peer: Peer): string {
  return `[${peer.address}]:${peer.port}`;
}

/** Two peers are the same address and port. */
export function samePeer(a: Peer, b: Peer): boolean {
  return a.port === b.port && a.address === b.address;
}
