import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisHa } from '../../scripts/lib/redis-ha.js';
import { distinctFreePorts } from './ports.js';

/**
 * The shipped Sentinel layout on free ports in a temporary folder: a primary, two replicas (so a
 * failover leaves a replica to confirm writes) and three Sentinels that call the primary down after
 * `downAfterMs`; `password` protects the data nodes, `sentinelPassword` the Sentinels. stop() kills
 * them all and removes the folder.
 */
export async function startRedisHa(
  options: { password?: string; sentinelPassword?: string; downAfterMs?: number; cpu?: number } = {},
): Promise<RedisHa & { stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mini-redis-ha-'));
  const [p, r1, r2, s1, s2, s3] = await distinctFreePorts(6);
  const ha = await RedisHa.start({
    dir,
    dataPorts: [p!, r1!, r2!],
    sentinelPorts: [s1!, s2!, s3!],
    masterName: 'mini-test',
    downAfterMs: options.downAfterMs ?? 1000,
    ...(options.password ? { password: options.password } : {}),
    ...(options.sentinelPassword ? { sentinelPassword: options.sentinelPassword } : {}),
    ...(options.cpu !== undefined ? { cpu: options.cpu } : {}),
  });
  const stop = ha.stop.bind(ha);
  return Object.assign(ha, {
    stop: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
