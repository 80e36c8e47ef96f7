import type { Redis } from 'ioredis';
import { Counter, type Registry } from 'prom-client';

/** Counts a connection's errors: connection-level ('connection') and failed or timed-out commands ('command'). */
export function countRedisErrors(redis: Redis, connection: string, registry: Registry): void {
  const errors =
    (registry.getSingleMetric('redis_errors_total') as Counter | undefined) ??
    new Counter({
      name: 'redis_errors_total',
      help: 'Redis errors: connection errors and failed commands, by connection name and kind',
      labelNames: ['connection', 'kind'] as const,
      registers: [registry],
    });
  errors.inc({ connection, kind: 'connection' }, 0);
  errors.inc({ connection, kind: 'command' }, 0);
  redis.on('error', () => errors.inc({ connection, kind: 'connection' }));
  // Every command, pipelined or not, goes through sendCommand: its promise says how it ended.
  const send = redis.sendCommand.bind(redis);
  redis.sendCommand = (command, stream) => {
    command.promise.catch(() => errors.inc({ connection, kind: 'command' }));
    return send(command, stream);
  };
}
