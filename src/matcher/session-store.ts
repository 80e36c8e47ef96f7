import { randomBytes, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../shared/errors.js';
import type { Keys } from '../shared/redis/keys.js';

/** 32 random bytes, base64url: what every session token looks like. */
const tokenPattern = /^[A-Za-z0-9_-]{43}$/;
const deviceIdPattern = /^[\x21-\x7e]{1,128}$/;

export interface IssuedSession {
  playerId: string;
  token: string;
  expiresAtMs: number;
}

/**
 * Session tokens in Redis (`session:<token>`, a hash with player_id and expires, TTL = session
 * lifetime) and the device → player mapping for guest logins. `issue` is the seam an identity
 * provider uses: anything that has verified a player id can call it.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttlSec: number,
  ) {}

  /** Logs a device in: the same device id always maps to the same player id. */
  async authenticateDevice(deviceId: string, nowMs: number): Promise<IssuedSession & { created: boolean }> {
    if (!deviceIdPattern.test(deviceId)) {
      throw new AppError('invalid_argument', 'device_id must be 1 to 128 printable ASCII characters without spaces');
    }
    const candidate = randomUUID();
    // SET NX GET: one round trip that either claims the device for a new player or returns its player.
    const existing = (await this.redis.call('SET', this.keys.device(deviceId), candidate, 'NX', 'GET')) as string | null;
    const playerId = existing ?? candidate;
    return { ...(await this.issue(playerId, nowMs)), created: existing === null };
  }

  /** Issues a new session token for a player whose identity is already established. */
  async issue(playerId: string, nowMs: number): Promise<IssuedSession> {
    const token = randomBytes(32).toString('base64url');
    const expiresAtMs = nowMs + this.ttlSec * 1000;
    const key = this.keys.session(token);
    await this.redis.multi().hset(key, 'player_id', playerId, 'expires', expiresAtMs).expire(key, this.ttlSec).exec();
    return { playerId, token, expiresAtMs };
  }

  /** The player a token belongs to; UNAUTHENTICATED when missing, malformed, unknown or expired. */
  async authenticate(token: string | undefined, nowMs: number): Promise<string> {
    if (token === undefined) throw new AppError('unauthenticated', 'missing authorization: Bearer <session token>');
    if (!tokenPattern.test(token)) throw new AppError('unauthenticated', 'invalid session token');
    const [playerId, expires] = await this.redis.hmget(this.keys.session(token), 'player_id', 'expires');
    if (!playerId) throw new AppError('unauthenticated', 'unknown or expired session token');
    if (Number(expires) <= nowMs) throw new AppError('unauthenticated', 'session token expired');
    return playerId;
  }

  /** Ends a session; later calls with the token are refused. */
  async revoke(token: string): Promise<void> {
    await this.redis.del(this.keys.session(token));
  }
}
