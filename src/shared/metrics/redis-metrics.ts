import type { Command } from 'ioredis';
import type { RedisConnection } from '../redis/client.js';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ReplicaAckResult } from '../redis/replica-ack.js';
import { sharedRead } from './scrape-read.js';

/** Counts a connection's errors: connection-level ('connection') and failed or timed-out commands ('command'). */
export function countRedisErrors(redis: RedisConnection, connection: string, registry: Registry): void {
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
  // (A Cluster's sendCommand takes other trailing arguments than a Redis's: passed on as they come.)
  const target = redis as unknown as { sendCommand: (command: Command, ...rest: unknown[]) => unknown };
  const send = target.sendCommand.bind(target);
  target.sendCommand = (command, ...rest) => {
    command.promise.catch(() => errors.inc({ connection, kind: 'command' }));
    return send(command, ...rest);
  };
}

/** Times each replica confirmation (WAIT) by how it ended; the result feeds ReplicaAcks' onResult. */
export function replicaAckMetrics(registry: Registry): (result: ReplicaAckResult, seconds: number) => void {
  const duration = new Histogram({
    name: 'redis_replica_ack_duration_seconds',
    help: 'Waits for replicas to confirm acknowledged writes (WAIT), by result: ok, or timeout (the call answered UNAVAILABLE)',
    labelNames: ['result'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  for (const result of ['ok', 'timeout'] as const) duration.zero({ result });
  return (result, seconds) => duration.observe({ result }, seconds);
}

/**
 * Counts how often a connection comes up on a different server than before: under Sentinel, each
 * count is this process following a failover to a new primary.
 */
export function countPrimaryChanges(redis: RedisConnection, connection: string, registry: Registry): void {
  const changes =
    (registry.getSingleMetric('redis_primary_changes_total') as Counter | undefined) ??
    new Counter({
      name: 'redis_primary_changes_total',
      help: 'Times a Redis connection came back up on a different server (a Sentinel failover), by connection name',
      labelNames: ['connection'] as const,
      registers: [registry],
    });
  changes.inc({ connection }, 0);
  let server: string | undefined;
  redis.on('ready', () => {
    const stream = (redis as unknown as { stream?: { remoteAddress?: string; remotePort?: number } }).stream;
    const now = `${stream?.remoteAddress}:${stream?.remotePort}`;
    if (server !== undefined && now !== server) changes.inc({ connection });
    server = now;
  });
}

/**
 * The primary's replication state, read from INFO replication at scrape time: replicas connected and
 * the largest replica lag in seconds since its last acknowledgement (NaN when Redis does not answer);
 * and how many replicas acknowledged writes wait for (REDIS_MIN_REPLICAS_ACK), to compare with.
 */
export function replicationGauges(redis: RedisConnection, registry: Registry, replicasAckRequired: number): void {
  new Gauge({
    name: 'redis_replica_acks_required',
    help: 'Replicas that must confirm an acknowledged write (REDIS_MIN_REPLICAS_ACK); fewer connected: those writes answer UNAVAILABLE',
    registers: [registry],
  }).set(replicasAckRequired);
  // Both gauges come from one INFO per scrape.
  const read = sharedRead(async (): Promise<{ replicas: number; lagSec: number }> => {
    const info = await redis.info('replication');
    const replicas = Number(/^connected_slaves:(\d+)/m.exec(info)?.[1] ?? 0);
    const lags = [...info.matchAll(/^slave\d+:.*\blag=(\d+)/gm)].map((m) => Number(m[1]));
    return { replicas, lagSec: lags.length > 0 ? Math.max(...lags) : 0 };
  });
  new Gauge({
    name: 'redis_connected_replicas',
    help: 'Replicas connected to the Redis primary this process writes to',
    registers: [registry],
    async collect() {
      this.set(await read().then((r) => r.replicas, () => Number.NaN));
    },
  });
  new Gauge({
    name: 'redis_replica_lag_seconds',
    help: 'Seconds since the most lagging replica last acknowledged the replication stream (0: none connected)',
    registers: [registry],
    async collect() {
      this.set(await read().then((r) => r.lagSec, () => Number.NaN));
    },
  });
}
