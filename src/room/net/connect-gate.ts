import { Slot } from '../../gen/mini/matcher/v1/matcher.js';
import type { ConnectTokenClaims } from '../../gen/mini/room/v1/connect_token.js';
import { RefusedReason, type ConnectRequest, type ConnectResponse } from '../../gen/mini/room/v1/packets.js';
import { verifyConnectToken, type TokenRejection } from '../../shared/connect-token.js';
import type { DropReason } from '../drop-reason.js';
import type { ChallengeCookies } from './challenge.js';
import { encodePacket } from './codec.js';
import type { Peer } from './peer.js';
import type { ReplayGuard } from './replay-guard.js';

/** What to do with a ConnectRequest: answer with these bytes (a Challenge), or drop it. */
export type ChallengeDecision = { reply: Uint8Array } | { drop: DropReason };

/** What to do with a ConnectResponse: seat the claims, or drop it (telling the client when it proved its address). */
export type AdmitDecision = { claims: ConnectTokenClaims } | { drop: DropReason; refuse?: RefusedReason };

const rejectionReason: Record<TokenRejection, DropReason> = {
  malformed: 'token_malformed',
  bad_signature: 'token_bad_signature',
  expired: 'token_expired',
};

/**
 * The checks of a connect that need no room: token signature and expiry (offline, with the key shared
 * with the Matcher), that the token is for this server's public address, the challenge cookie, and
 * replay of a token from another address. Whether the room is on this server is the caller's check.
 */
export class ConnectGate {
  constructor(
    private readonly tokenKey: Buffer,
    private readonly publicAddr: string,
    private readonly cookies: ChallengeCookies,
    private readonly replays: ReplayGuard,
  ) {}

  /** Answers a valid ConnectRequest with a Challenge that is never larger than the request. */
  challenge(request: ConnectRequest, peer: Peer, requestBytes: number, nowMs: number): ChallengeDecision {
    const checked = this.checkToken(request.connectToken, nowMs);
    if ('drop' in checked) return checked;
    const reply = encodePacket({ challenge: { cookie: this.cookies.issue(peer, request.connectToken, nowMs) } });
    // A spoofed source must never get back more bytes than it sent.
    if (reply.length > requestBytes) return { drop: 'unpadded_request' };
    return { reply };
  }

  /** Admits a ConnectResponse whose cookie proves the address and whose token is valid and not replayed. */
  admit(response: ConnectResponse, peer: Peer, nowMs: number): AdmitDecision {
    if (!this.cookies.verify(peer, response.connectToken, response.cookie, nowMs)) return { drop: 'bad_cookie' };
    const checked = this.checkToken(response.connectToken, nowMs);
    if ('drop' in checked) return checked;
    const { claims } = checked;
    if (!this.replays.admit(claims.nonce, peer, claims.expiresAtMs, nowMs)) {
      return { drop: 'replayed_token', refuse: RefusedReason.REFUSED_REASON_SEAT_TAKEN };
    }
    return { claims };
  }

  private checkToken(token: string, nowMs: number): { claims: ConnectTokenClaims } | { drop: DropReason } {
    const check = verifyConnectToken(token, this.tokenKey, nowMs);
    if (!check.ok) return { drop: rejectionReason[check.reason] };
    const { slot, roomId, playerId } = check.claims;
    // Signed by the Matcher, so never expected; but a seat needs all three.
    if ((slot !== Slot.SLOT_LEFT && slot !== Slot.SLOT_RIGHT) || roomId === '' || playerId === '') return { drop: 'token_malformed' };
    if (check.claims.serverAddr !== this.publicAddr) return { drop: 'wrong_server' };
    return { claims: check.claims };
  }
}
