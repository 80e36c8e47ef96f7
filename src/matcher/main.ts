import { loadMatcherConfig } from '../shared/config/matcher.js';
import { startGrpcServer } from '../shared/grpc/server.js';
import { onShutdown, runMain } from '../shared/lifecycle.js';
import { announceListening, createLogger } from '../shared/logger.js';
import { createMetricsRegistry, startMetricsServer } from '../shared/metrics/metrics-server.js';
import { countPrimaryChanges, countRedisErrors, replicaAckMetrics, replicationGauges } from '../shared/metrics/redis-metrics.js';
import { awaitRedisAtStart, closeRedis, createRedis } from '../shared/redis/client.js';
import { ReplicaAcks } from '../shared/redis/replica-ack.js';
import { describeRedis } from '../shared/config/redis.js';
import { Keys } from '../shared/redis/keys.js';
import { deriveRoomKeys } from '../shared/secrets.js';
import { startTracing } from '../shared/telemetry/tracing.js';
import { AssignmentSigner } from './assignment-view.js';
import { FailoverLoop } from './failover-loop.js';
import { FailoverMetrics } from './failover-metrics.js';
import { FailoverStore } from './failover-store.js';
import { MatchLoop } from './match-loop.js';
import { MatchStore } from './match-store.js';
import { MatcherMetrics } from './matcher-metrics.js';
import { matcherService } from './matcher-service.js';
import { registryService } from './registry-service.js';
import { RoomServerStore } from './room-server-store.js';
import { regionGaugeSources } from './region-gauges.js';
import { defineMatcherScripts } from './scripts.js';
import { sessionService } from './session-service.js';
import { SessionStore } from './session-store.js';
import { TicketStore } from './ticket-store.js';
import { WatchHub } from './watch-hub.js';

/** How long an ended room's info is kept, for ops to look up. */
const endedRoomInfoTtlSec = 3600;

const protoFiles = ['mini/matcher/v1/matcher.proto', 'mini/session/v1/session.proto', 'mini/room/v1/registry.proto'];

runMain(async () => {
  const config = loadMatcherConfig(process.argv, process.env);
  const tracing = startTracing({ service: 'matcher', enabled: config.telemetry.tracingEnabled });
  const log = createLogger('matcher', config.logLevel);
  const registry = createMetricsRegistry();
  if (config.roomSecretIsDevDefault) log.warn('MINI_DEV_MODE=1 and no ROOM_SECRET: using the public development secret; anyone can register a room server');
  const now = (): number => Date.now();
  const redisOptions = { ...config.redis, maxReconnectDelayMs: 1000 };
  const redis = createRedis({ ...redisOptions, connectionName: 'matcher' }, log);
  const subscriber = createRedis({ ...redisOptions, connectionName: 'matcher-events' }, log);
  defineMatcherScripts(redis);
  countRedisErrors(redis, 'matcher', registry);
  countRedisErrors(subscriber, 'matcher-events', registry);
  countPrimaryChanges(redis, 'matcher', registry);
  replicationGauges(redis, registry, config.redis.minReplicasAck);
  const acks = new ReplicaAcks(redis, config.redis.minReplicasAck, config.redis.replicaAckTimeoutMs, replicaAckMetrics(registry));

  const keys = new Keys(config.redis.keyPrefix);
  const roomKeys = deriveRoomKeys(config.roomSecret);
  const sessions = new SessionStore(redis, keys, acks, {
    sessionTtlSec: config.sessionTtlSec,
    deviceTtlSec: config.deviceTtlSec,
    maxSessionsPerPlayer: config.maxSessionsPerPlayer,
  });
  const tickets = new TicketStore(redis, keys, acks, config.outcomeTtlSec);
  const matches = new MatchStore(
    redis,
    keys,
    { roomMapSec: config.roomMapTtlSec, outcomeSec: config.outcomeTtlSec },
    config.telemetry.tracingEnabled,
  );
  const roomTtls = { roomMapSec: config.roomMapTtlSec, outcomeSec: config.outcomeTtlSec, endedRoomSec: endedRoomInfoTtlSec };
  const roomServers = new RoomServerStore(redis, keys, acks, { leaseMs: config.roomServerLeaseTtlMs, ...roomTtls });
  const failoverStore = new FailoverStore(redis, keys, { ...roomTtls, maxWaitMs: config.failover.maxWaitMs, roomsPerCall: 100 });
  const failover = new FailoverLoop(
    failoverStore,
    {
      intervalMs: config.failover.intervalMs,
      leaseTtlMs: config.roomServerLeaseTtlMs,
      lateAfterMs: config.failover.lateAfterMs,
      reportTtlMs: config.roomServerLeaseTtlMs * 3,
    },
    now,
    new FailoverMetrics(registry),
    log,
  );
  const hub = new WatchHub(subscriber, keys.ticketEvents(), log, config.maxWatchesPerPlayer);
  const metrics = new MatcherMetrics(registry, regionGaugeSources(matches, roomServers));
  let starved = false;
  const loop = new MatchLoop(matches, config.match, now, log, (report) => {
    metrics.recordPass(report);
    for (const room of report.claimed) log.debug({ room_id: room.roomId, addr: room.addr }, 'match made');
    if (report.timedOut > 0) log.info({ timed_out: report.timedOut }, 'players timed out of the queue');
    // Logged on the change only, not on every pass (a failed pass says nothing about capacity).
    if (report.completed && report.unplaced > 0 !== starved) {
      starved = report.unplaced > 0;
      if (starved) log.warn({ unplaced_pairs: report.unplaced }, 'no live room server has capacity: pairs stay queued');
      else log.info('room servers have capacity again');
    }
  });

  const hosted = await startGrpcServer(
    [
      sessionService(sessions, now, log),
      matcherService({
        sessions,
        tickets,
        hub,
        signer: new AssignmentSigner(roomKeys.connectTokenKey, config.connectTokenTtlSec),
        failover,
        onEnqueued: () => loop.requestPass(),
        now,
        log,
      }),
      registryService({
        store: roomServers,
        failover,
        minCheckpointTtlMs: config.failover.minCheckpointTtlMs,
        registryBearer: roomKeys.registryBearer,
        heartbeatIntervalMs: config.roomServerHeartbeatIntervalMs,
        leaseTtlMs: config.roomServerLeaseTtlMs,
        now,
        log,
      }),
    ],
    protoFiles,
    config.host,
    config.port,
    registry,
    config.maxStreamsPerConnection,
  );
  const metricsServer = await startMetricsServer(registry, config.host, config.telemetry.metricsPort);
  // Health follows Redis: without it every call would answer UNAVAILABLE anyway.
  hosted.setServing(redis.status === 'ready');
  redis.on('ready', () => hosted.setServing(true));
  redis.on('close', () => hosted.setServing(false));
  if (!(await awaitRedisAtStart(redis, 3000))) log.warn('redis not reachable yet: answering UNAVAILABLE until it is');
  hub.start();
  loop.start();
  failover.start();
  announceListening(log, 'matcher', config.host, hosted.port, { redis: describeRedis(config.redis), replicas_ack: config.redis.minReplicasAck, metrics_port: metricsServer.port });

  onShutdown(log, config.shutdownDeadlineMs, async (timeLeft) => {
    hosted.setServing(false);
    await Promise.all([loop.stop(), failover.stop()]);
    await hub.close();
    await hosted.shutdown(Math.max(100, timeLeft() - 1000));
    await closeRedis(redis);
    await metricsServer.close();
    await tracing.shutdown(timeLeft);
  });
});
