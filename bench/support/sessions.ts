import { randomBytes } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { Keys } from '../../src/shared/redis/keys.js';

/**
 * Writes sessions for players `${label}-0..count-1` straight to Redis (a benchmark's set-up, not
 * measured), in the layout the Matcher reads (`player_sessions:{<player>}`); returns their tokens.
 * Each player's key is in its own slot, so on a cluster they go out as separate commands.
 */
export async function seedSessions(redis: Redis | Cluster, label: string, count: number, keyPrefix = ''): Promise<string[]> {
  const keys = new Keys(keyPrefix);
  const players = Array.from({ length: count }, (_, i) => `${label}-${i}`);
  const tokens = players.map((playerId) => `${playerId}.${randomBytes(32).toString('base64url')}`);
  const expires = Date.now() + 3_600_000;
  for (let from = 0; from < count; from += 5_000) {
    await Promise.all(players.slice(from, from + 5_000).map((playerId, i) => redis.zadd(keys.playerSessions(playerId), expires, tokens[from + i]!)));
  }
  return tokens;
}
