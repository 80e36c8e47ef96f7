import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ConnectTokenClaims } from '../gen/mini/room/v1/connect_token.js';

/** Longest token accepted for verification, so garbage costs no more than a length check. */
const maxTokenLength = 1024;

/**
 * Signs claims into a connect token: base64url(claims proto) "." base64url(HMAC-SHA256).
 * The nonce is filled in here so that every token differs.
 */
export function signConnectToken(
  claims: Omit<ConnectTokenClaims, 'nonce' | 'traceParent' | 'roomEpoch'> & { traceParent?: string; roomEpoch?: number },
  key: Buffer,
): string {
  const body = Buffer.from(ConnectTokenClaims.encode({ traceParent: '', roomEpoch: 0, ...claims, nonce: randomBytes(12) }).finish());
  return `${body.toString('base64url')}.${mac(body, key).toString('base64url')}`;
}

/** Why a token was refused, for counting drops by reason. */
export type TokenRejection = 'malformed' | 'bad_signature' | 'expired';

export type TokenCheck = { ok: true; claims: ConnectTokenClaims } | { ok: false; reason: TokenRejection };

/** Verifies a connect token's signature and expiry offline. Binding to room and address is the caller's check. */
export function verifyConnectToken(token: string, key: Buffer, nowMs: number): TokenCheck {
  if (token.length > maxTokenLength) return { ok: false, reason: 'malformed' };
  const [bodyText, macText, extra] = token.split('.');
  if (bodyText === undefined || macText === undefined || extra !== undefined) return { ok: false, reason: 'malformed' };
  const body = Buffer.from(bodyText, 'base64url');
  const given = Buffer.from(macText, 'base64url');
  const expected = mac(body, key);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad_signature' };
  let claims: ConnectTokenClaims;
  try {
    claims = ConnectTokenClaims.decode(body);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (claims.expiresAtMs <= nowMs) return { ok: false, reason: 'expired' };
  return { ok: true, claims };
}

function mac(body: Buffer, key: Buffer): Buffer {
  return createHmac('sha256', key).update(body).digest();
}
