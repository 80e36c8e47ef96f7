import { z } from 'zod';

/**
 * Reads the variables named by a schema from an environment and fails with a message that names
 * every bad variable. The only place that looks at the environment.
 */
export function parseEnv<S extends z.ZodRawShape>(shape: S, env: NodeJS.ProcessEnv): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid environment: ${problems.join('; ')}`);
}

/** A bad setting; the service prints it and exits with status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** An integer-valued variable with bounds and a default. */
export function intVar(fallback: number, min: number, max: number) {
  return z.coerce.number().int().min(min).max(max).default(fallback);
}

/** A number-valued variable with bounds and a default. */
export function numberVar(fallback: number, min: number, max: number) {
  return z.coerce.number().min(min).max(max).default(fallback);
}

/** Variables every service reads (the Redis ones are in redis.ts). */
export const commonEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROOM_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  MINI_DEV_MODE: z.enum(['0', '1'], "must be '1' (a development machine) or '0'").default('0'),
};

/** Public development fallback for ROOM_SECRET, taken only in development mode (with a warning at start). */
const devRoomSecret = 'mini-dev-room-secret-change-me';

/**
 * The secret the Matcher and the room servers share (connect tokens, registry key). Without
 * ROOM_SECRET a service refuses to start, unless MINI_DEV_MODE=1 says this is a development machine:
 * then it takes the public development secret, which lets anyone register a room server.
 */
export function roomSecretOf(e: { ROOM_SECRET?: string | undefined; MINI_DEV_MODE: '0' | '1' }): { roomSecret: string; roomSecretIsDevDefault: boolean } {
  if (e.ROOM_SECRET !== undefined) return { roomSecret: e.ROOM_SECRET, roomSecretIsDevDefault: false };
  if (e.MINI_DEV_MODE === '1') return { roomSecret: devRoomSecret, roomSecretIsDevDefault: true };
  throw new ConfigError(
    'invalid environment: ROOM_SECRET is not set: set it (16+ characters) to the secret the Matcher and the room servers share, ' +
      'or MINI_DEV_MODE=1 on a development machine to use the public development secret',
  );
}
