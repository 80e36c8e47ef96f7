import { ServiceProcess } from '../../scripts/lib/service-process.js';

export { ServiceProcess };

/** The room secret tests share between the Matcher and room servers. */
export const testRoomSecret = 'test-room-secret-0123456789';

/** Starts one of the services the way tests run it: info logs, the test room secret; `wrap` as in ServiceProcess.start. */
export function startService(
  entry: string,
  args: string[],
  env: Record<string, string> = {},
  options: { cpu?: number; nodeArgs?: string[]; wrap?: string[] } = {},
): Promise<ServiceProcess> {
  return ServiceProcess.start(entry, args, { LOG_LEVEL: 'info', ROOM_SECRET: testRoomSecret, ...env }, options);
}

/** Which Redis a service uses: a URL, or the variables of a Sentinel layout (RedisHa.env). */
export type RedisTarget = string | Record<string, string>;

export function redisEnvOf(redis: RedisTarget): Record<string, string> {
  return typeof redis === 'string' ? { REDIS_URL: redis } : redis;
}

/** Starts a Matcher on a free port against the given Redis; `nodeArgs` are node's own flags (profiling). */
export function startMatcher(redis: RedisTarget, env: Record<string, string> = {}, cpu?: number, nodeArgs: string[] = []): Promise<ServiceProcess> {
  return startService('src/matcher/main.ts', ['--port', '0', '--host', '127.0.0.1'], { ...redisEnvOf(redis), ...env }, { cpu, nodeArgs });
}
