import { pino } from 'pino';
import { defineMatcherScripts } from '../../src/matcher/scripts.js';
import { createRedis, waitForRedis } from '../../src/shared/redis/client.js';
import type { Redis } from 'ioredis';

/**
 * `count` connections to the Redis at `url` as `count` Matcher replicas would hold them (the product's
 * createRedis, every Matcher script defined), each ready.
 */
export async function replicaConnections(url: string, count = 3): Promise<Redis[]> {
  const connections = Array.from({ length: count }, (_, i) =>
    createRedis({ url, commandTimeoutMs: 2000, maxReconnectDelayMs: 100, connectionName: `replica-${i + 1}` }, pino({ level: 'silent' })),
  );
  for (const connection of connections) defineMatcherScripts(connection);
  await Promise.all(connections.map((c) => waitForRedis(c, 3000)));
  return connections;
}
