import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { pinnedSpawn } from './pinned-spawn.js';

const installHint = 'redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server)';

/**
 * Runs `use` on a short-lived connection to the Redis (or Sentinel) on a loopback port: no retry, 1 s
 * to connect and per command, closed after. For test and benchmark launchers asking a node something.
 */
export async function withRedisClient<T>(port: number, use: (client: Redis) => Promise<T>, password?: string): Promise<T> {
  const client = new Redis(port, '127.0.0.1', { lazyConnect: true, password, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

/** True when a Redis (or a Sentinel) answers PING at the URL within a second. */
export async function redisAnswers(url: string): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => {});
  try {
    await probe.connect();
    return (await probe.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * Starts `redis-server args` and resolves with its process once `url` answers PING. Rejects when it
 * is not installed (`installAlternative` is added to the hint), exits first, or does not answer within
 * 10 s (then it is killed). `cpu` pins it to a core; `detached` puts it in its own process group.
 */
export async function spawnRedisServer(
  args: string[],
  url: string,
  options: { cpu?: number | undefined; detached?: boolean; installAlternative?: string } = {},
): Promise<ChildProcess> {
  const child = pinnedSpawn(options.cpu, 'redis-server', args, { stdio: 'ignore', detached: options.detached ?? false });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', () => reject(new Error(`${installHint}${options.installAlternative ?? ''}`)));
    child.once('exit', (code) => reject(new Error(`redis-server ${args.join(' ')} exited with ${code}`)));
  });
  failed.catch(() => {});
  const deadline = Date.now() + 10000;
  while (!(await Promise.race([redisAnswers(url), failed]))) {
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server ${args.join(' ')} did not answer within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return child;
}
