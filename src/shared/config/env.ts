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

/** Variables every service reads. */
export const commonEnv = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_.-]+:)?$/, "must be empty or letters, digits, '_', '.', '-' ending in ':'")
    .default(''),
  REDIS_COMMAND_TIMEOUT_MS: intVar(1000, 50, 60000),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROOM_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
};

/** Development fallback for ROOM_SECRET; a service that uses it warns at start. */
export const devRoomSecret = 'mini-dev-room-secret-change-me';
