import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { peerKey, type Peer } from './peer.js';

/** How long a cookie's time bucket lasts; a cookie is good for one to two buckets. */
const bucketMs = 10_000;

/**
 * Stateless challenge cookies: HMAC over the source address, the token and a time bucket, under a
 * key that lives only in this process. The server keeps nothing per ConnectRequest, and a
 * ConnectResponse that carries a valid cookie proves the client receives at its source address.
 */
export class ChallengeCookies {
  private readonly key = randomBytes(32);

  /** The cookie for a peer and token now. */
  issue(peer: Peer, token: string, nowMs: number): Buffer {
    return this.mac(peer, token, Math.floor(nowMs / bucketMs));
  }

  /** True when the cookie was issued to this peer for this token in this or the previous bucket. */
  verify(peer: Peer, token: string, cookie: Uint8Array, nowMs: number): boolean {
    const bucket = Math.floor(nowMs / bucketMs);
    return [bucket, bucket - 1].some((b) => {
      const expected = this.mac(peer, token, b);
      return cookie.length === expected.length && timingSafeEqual(cookie, expected);
    });
  }

  private mac(peer: Peer, token: string, bucket: number): Buffer {
    return createHmac('sha256', this.key).update(`${bucket}|${peerKey(peer)}|`).update(token).digest();
  }
}
