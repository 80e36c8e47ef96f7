import { Redis } from 'ioredis';
import type { Logger } from 'pino';

export interface RedisClientOptions {
  url: string;
  /** Longest a command may wait for its reply before it fails as unavailable. */
  commandTimeoutMs: number;
  /** Longest wait between reconnect attempts. */
  maxReconnectDelayMs: number;
  /** A name that shows in CLIENT LIST, to tell connections apart. */
  connectionName: string;
}

/**
 * A Redis connection that fails fast instead of queueing: while disconnected, commands reject at
 * once (no offline queue) and every command has a timeout, so callers can answer UNAVAILABLE within
 * a bounded time. It reconnects by itself, forever, with capped backoff.
 */
export function createRedis(options: RedisClientOptions, log: Logger): Redis {
  const redis = new Redis(options.url, {
    connectionName: options.connectionName,
    enableOfflineQueue: false,
    // CLIENT SETINFO, sent on every connect, is unknown before Redis 7.2: its refusal would count as an error.
    disableClientInfo: true,
    enableAutoPipelining: true,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs * 2,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), options.maxReconnectDelayMs),
  });
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message, connection: options.connectionName }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ connection: options.connectionName }, 'redis connection restored');
    down = false;
  });
  return redis;
}

/** Resolves once the connection is ready, or rejects after the timeout. */
export async function waitForRedis(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Closes the connection: QUIT when connected, otherwise just stop reconnecting. */
export async function closeRedis(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
