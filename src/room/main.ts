import { randomInt, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Packet } from '../gen/mini/room/v1/packets.js';
import { loadRoomServerConfig } from '../shared/config/room.js';
import { onShutdown, runMain } from '../shared/lifecycle.js';
import { announceListening, createLogger } from '../shared/logger.js';
import { createMetricsRegistry, startMetricsServer } from '../shared/metrics/metrics-server.js';
import { describeRedis } from '../shared/config/redis.js';
import { countPrimaryChanges, countRedisErrors } from '../shared/metrics/redis-metrics.js';
import { awaitRedisAtStart, closeRedis, createRedis } from '../shared/redis/client.js';
import { Keys } from '../shared/redis/keys.js';
import { deriveRoomKeys } from '../shared/secrets.js';
import { startTracing } from '../shared/telemetry/tracing.js';
import { sweepAssignedRooms } from './abandon-sweep.js';
import { CheckpointWriter } from './checkpoint-writer.js';
import { DatagramHandler } from './datagram-handler.js';
import { EndReporter } from './end-reporter.js';
import { ChallengeCookies } from './net/challenge.js';
import { encodePacket } from './net/codec.js';
import { ConnectGate } from './net/connect-gate.js';
import type { Peer } from './net/peer.js';
import { ReplayGuard } from './net/replay-guard.js';
import { UdpEndpoint } from './net/udp-endpoint.js';
import { connectRegistry, RegistryLink } from './registry-link.js';
import { RoomHost } from './room-host.js';
import { roomRules } from './room-rules.js';
import { RoomStore } from './room-store.js';
import { defineRoomScripts } from './scripts.js';
import { randomConnectionId } from './seats.js';
import { TICK_MS } from './sim/config.js';
import { RoomServerStats } from './stats.js';
import { TickStats } from './tick-stats.js';
import { FixedStepTicker } from './ticker.js';

runMain(async () => {
  const config = loadRoomServerConfig(process.argv, process.env);
  const tracing = startTracing({ service: 'room', enabled: config.telemetry.tracingEnabled });
  const log = createLogger('room', config.logLevel);
  if (config.roomSecretIsDevDefault) log.warn('MINI_DEV_MODE=1 and no ROOM_SECRET: using the public development secret; anyone can register a room server');
  const owner = randomUUID();
  const registry = createMetricsRegistry();
  const stats = new RoomServerStats(registry);
  const tickStats = new TickStats();
  const rules = roomRules(config);
  const roomKeys = deriveRoomKeys(config.roomSecret);
  // Every key of this server's rooms is in its region's slot.
  const keys = new Keys(config.redis.keyPrefix).region(config.region);

  // Datagrams that arrive before the handler exists are dropped like any unknown packet.
  let onDatagram: (bytes: Buffer, peer: Peer) => void = () => {};
  const endpoint = await UdpEndpoint.bind(config.host, config.port, config.udpRecvBufferBytes, (bytes, peer) => onDatagram(bytes, peer), log);
  if (endpoint.recvBufferBytes < config.udpRecvBufferBytes) {
    const fields = { requested_bytes: config.udpRecvBufferBytes, granted_bytes: endpoint.recvBufferBytes };
    log.warn(fields, 'the kernel capped the UDP receive buffer (raise net.core.rmem_max): bursts may be dropped');
  }
  const publicAddr = config.publicAddr ?? `${reachableHost(config.host)}:${endpoint.port}`;
  const metricsServer = await startMetricsServer(registry, config.host, config.telemetry.metricsPort);
  const send = (peer: Peer, packet: Packet): void => endpoint.send(peer, encodePacket(packet));

  const redis = createRedis(
    { ...config.redis, maxReconnectDelayMs: 1000, connectionName: 'room' },
    log,
  );
  defineRoomScripts(redis);
  countRedisErrors(redis, 'room', registry);
  countPrimaryChanges(redis, 'room', registry);
  const host = new RoomHost({ rules, send, stats, log, owner, newConnectionId: randomConnectionId });
  // A room this server ended itself lingers to tell its players; any other refused write means the
  // room is played elsewhere now, or the Matcher ended it: drop it and tell its players to ask.
  const movedAway = (roomId: string): void => {
    if (!host.isOver(roomId) && host.evict(roomId)) stats.roomMovedAway();
  };
  const checkpointOptions = { addr: publicAddr, ttlMs: config.checkpointTtlSec * 1000, onMovedAway: movedAway };
  const writer = new CheckpointWriter(redis, keys, checkpointOptions, stats, log);
  const store = new RoomStore(redis, keys, publicAddr, log);
  const calls = connectRegistry(config.matcherTarget, roomKeys.registryBearer, config.rpcDeadlineMs);
  const load = () => ({ ...host.load(), ...tickStats.read(performance.now()) });
  const refusedRegistration = (message: string): void => {
    log.fatal({ reason: message }, 'the matcher refused the registration: fix the configuration');
    process.stderr.write(`fatal: the matcher refused the registration: ${message}\n`);
    process.exit(2);
  };
  const link = new RegistryLink(
    calls,
    {
      addr: publicAddr,
      capacity: config.maxRooms,
      region: config.region,
      checkpointTtlMs: config.checkpointTtlSec * 1000,
      retryMs: config.registryRetryMs,
      heartbeatIntervalMs: config.heartbeatIntervalMs,
      onRefused: refusedRegistration,
    },
    load,
    log,
  );
  const reporter = new EndReporter(calls, link, config.registryRetryMs, log);
  const gate = new ConnectGate(roomKeys.connectTokenKey, publicAddr, new ChallengeCookies(), new ReplayGuard());
  const sendBytes = (peer: Peer, bytes: Uint8Array): void => endpoint.send(peer, bytes);
  const handler = new DatagramHandler({ host, gate, store, rules, stats, send, sendBytes, newSeed: () => randomInt(2 ** 32), log });

  const ticker = new FixedStepTicker(TICK_MS, config.maxCatchUpTicks, () => {
    const startedMs = performance.now();
    const report = host.tick(startedMs);
    for (const { roomId, error } of report.failed) {
      stats.drop('internal');
      log.error({ room_id: roomId, err: error }, 'room tick failed: room dropped from memory, players reconnect to its checkpoint');
    }
    writer.write(report.checkpoints, report.infos);
    for (const { roomId, result } of report.ended) reporter.enqueue(roomId, result);
    const endedMs = performance.now();
    tickStats.record(endedMs, endedMs - startedMs);
    stats.ticked(endedMs - startedMs);
  });
  stats.watch({ load: () => host.load(), tickRate: () => tickStats.read(performance.now()).tickRate, droppedTicks: () => ticker.droppedTicks });
  const isLoading = (roomId: string): boolean => handler.isLoading(roomId);
  const sweepDeps = { store, host, reporter, isLoading, abandonTimeoutMs: config.abandonTimeoutSec * 1000, log };
  const sweepTimer = setInterval(() => {
    sweepAssignedRooms(sweepDeps, Date.now()).catch((err: unknown) => log.debug({ err: (err as Error).message }, 'room sweep skipped'));
  }, config.sweepIntervalMs);
  // The metrics, read back; the windowed p99 is the heartbeat's (a histogram has no window).
  const statsTimer = setInterval(() => {
    stats.read().then(
      (fields) => log.info({ ...fields, tick_duration_p99_ms: tickStats.read(performance.now()).tickDurationP99Ms }, 'room server stats'),
      (err: unknown) => log.warn({ err }, 'room server stats unreadable'),
    );
  }, config.statsLogIntervalMs);

  if (!(await awaitRedisAtStart(redis, 3000))) log.warn('redis not reachable yet: rooms run, checkpoints wait');
  // Only now: a connect that came before Redis was up would start a room fresh instead of restoring it.
  onDatagram = (bytes, peer) => handler.onDatagram(bytes, peer);
  ticker.start();
  link.start();
  announceListening(log, 'room', config.host, endpoint.port, {
    public_addr: publicAddr,
    owner,
    matcher: config.matcherTarget,
    redis: describeRedis(config.redis),
    capacity: config.maxRooms,
    metrics_port: metricsServer.port,
    udp_recv_buffer_bytes: endpoint.recvBufferBytes,
  });

  onShutdown(log, config.shutdownDeadlineMs, async (timeLeft) => {
    onDatagram = () => {}; // stop accepting: no room may start after the final checkpoints are taken
    ticker.stop();
    clearInterval(sweepTimer);
    clearInterval(statsTimer);
    // Drain: final checkpoints of the frozen rooms (and the ends of finished ones), then hand the
    // rooms over (the Matcher moves them), then tell their players to follow.
    const running = host.liveWorlds();
    writer.write(running, []);
    await Promise.all([writer.drain(), reporter.flush()]);
    // Always hand over: rooms assigned here that nobody joined yet move too.
    const handedOver = await link.deregister(true);
    reporter.stop();
    if (handedOver) for (const { roomId } of running) movedAway(roomId);
    log.info({ ...(await stats.read()), rooms_checkpointed: running.length, handed_over: handedOver !== undefined }, 'final checkpoints written');
    await endpoint.close();
    calls.close();
    await closeRedis(redis);
    await metricsServer.close();
    await tracing.shutdown(timeLeft);
  });
});

/** The address clients can reach for a bind address: a wildcard becomes loopback. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
