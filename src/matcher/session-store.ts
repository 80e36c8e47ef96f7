import { randomBytes, randomUUID } from 'node:crypto';
import type { RedisConnection } from '../shared/redis/client.js';
import { AppError } from '../shared/errors.js';
import type { Keys } from '../shared/redis/keys.js';
import type { ReplicaAcks } from '../shared/redis/replica-ack.js';
import { runScript } from '../shared/redis/scripts.js';

/**
 * A session token: the player id, '.', then 32 random bytes (base64url). The player id names the slot
 * the player's sessions live in (`player_sessions:{<player>}`), so no token → player lookup exists
 * that would live in another slot; the random part is the secret.
 */
const tokenPattern = /^(.{1,128})\.([A-Za-z0-9_-]{43})$/;
/** A device id is a bearer secret: long, URL-safe, and not a run of one or two characters. */
const deviceIdPattern = /^[A-Za-z0-9._~-]{16,128}$/;
const minDistinctDeviceIdChars = 8;

export interface IssuedSession {
  playerId: string;
  token: string;
  expiresAtMs: number;
}

/** How long sessions and device logins last, and how many sessions a player holds at once. */
export interface SessionLimits {
  sessionTtlSec: number;
  /** A device id unused (no login) this long is forgotten: the next login from it is a new player. */
  deviceTtlSec: number;
  maxSessionsPerPlayer: number;
}

/**
 * Session tokens in Redis (`player_sessions:{<player>}`: the player's tokens, score = expiry, one key
 * per player so that issuing, checking and revoking each touch one key) and the device → player
 * mapping for guest logins. `issue` is the seam an identity provider uses: anything that has verified
 * a player id can call it.
 */
export class SessionStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
    /** Sessions issued and revoked are on replicas before the caller hears of them. */
    private readonly acks: ReplicaAcks,
    private readonly limits: SessionLimits,
  ) {}

  /** Logs a device in: the same device id maps to the same player for as long as it is used. */
  async authenticateDevice(deviceId: string, nowMs: number): Promise<IssuedSession & { created: boolean }> {
    checkDeviceId(deviceId);
    // Two steps in two slots: a failure between them leaves a device mapped and no session issued,
    // and the client's retry logs in as the same player.
    const device = this.keys.device(deviceId);
    const [playerId, created] = (await runScript(this.redis, 'login-device', [device], [randomUUID(), this.limits.deviceTtlSec])) as [string, number];
    const session = await this.store(playerId, nowMs);
    await this.acks.confirm(device, this.keys.playerSessions(playerId));
    return { ...session, created: created === 1 };
  }

  /** Issues a new session token for a player whose identity is already established. */
  async issue(playerId: string, nowMs: number): Promise<IssuedSession> {
    const session = await this.store(playerId, nowMs);
    await this.acks.confirm(this.keys.playerSessions(playerId));
    return session;
  }

  /** The player a token belongs to; UNAUTHENTICATED when missing, malformed, unknown or expired. */
  async authenticate(token: string | undefined, nowMs: number): Promise<string> {
    if (token === undefined) throw new AppError('unauthenticated', 'missing authorization: Bearer <session token>');
    const playerId = tokenPattern.exec(token)?.[1];
    if (playerId === undefined) throw new AppError('unauthenticated', 'invalid session token');
    const expires = await this.redis.zscore(this.keys.playerSessions(playerId), token);
    if (expires === null) throw new AppError('unauthenticated', 'unknown or expired session token');
    if (Number(expires) <= nowMs) throw new AppError('unauthenticated', 'session token expired');
    return playerId;
  }

  /** Ends one session of the player (or, with no token, all of them); returns how many ended. */
  async revoke(playerId: string, nowMs: number, token?: string): Promise<number> {
    const k = this.keys;
    const ended = await runScript(this.redis, 'revoke-sessions', [k.playerSessions(playerId)], [playerId, token ?? '', k.ticketEvents(), nowMs]);
    await this.acks.confirm(k.playerSessions(playerId));
    return Number(ended);
  }

  /** Stores a new session of the player (not yet confirmed by replicas). */
  private async store(playerId: string, nowMs: number): Promise<IssuedSession> {
    const token = newToken(playerId);
    const { sessionTtlSec, maxSessionsPerPlayer } = this.limits;
    const expiresAtMs = await runScript(this.redis, 'issue-session', [this.keys.playerSessions(playerId)], [token, nowMs, sessionTtlSec, maxSessionsPerPlayer]);
    return { playerId, token, expiresAtMs: Number(expiresAtMs) };
  }
}

function newToken(playerId: string): string {
  return `${playerId}.${randomBytes(32).toString('base64url')}`;
}

function checkDeviceId(deviceId: string): void {
  if (!deviceIdPattern.test(deviceId) || new Set(deviceId).size < minDistinctDeviceIdChars) {
    throw new AppError(
      'invalid_argument',
      'device_id must be a random secret: 16 to 128 characters of A-Z a-z 0-9 . _ ~ -, at least 8 of them different',
    );
  }
}
