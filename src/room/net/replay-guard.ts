import { peerKey, type Peer } from './peer.js';

/**
 * Remembers which address each connect token (by its nonce) was used from, until the token expires,
 * so a token sniffed off the wire cannot be used from another address. The same address may repeat
 * it: that is a retransmitted ConnectResponse.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, { peer: string; expiresAtMs: number }>();
  private prunedAtMs = 0;

  /** Records the nonce for this peer; false when it was already used from another one. */
  admit(nonce: Uint8Array, peer: Peer, expiresAtMs: number, nowMs: number): boolean {
    this.prune(nowMs);
    const id = Buffer.from(nonce).toString('base64');
    const key = peerKey(peer);
    const entry = this.seen.get(id);
    if (entry && entry.expiresAtMs > nowMs && entry.peer !== key) return false;
    this.seen.set(id, { peer: key, expiresAtMs });
    return true;
  }

  /** Forgets expired tokens, at most once a second. */
  private prune(nowMs: number): void {
    if (nowMs - this.prunedAtMs < 1000) return;
    this.prunedAtMs = nowMs;
    for (const [id, entry] of this.seen) if (entry.expiresAtMs <= nowMs) this.seen.delete(id);
  }
}
