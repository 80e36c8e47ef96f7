import type { Redis } from 'ioredis';
import { RoomPhase, WorldState } from '../../src/gen/mini/room/v1/world.js';
import { bearer, connect, type Clients } from './grpc-clients.js';
import { LibraryPlayer } from './library-player.js';
import { sampleValue, scrapeMetrics } from './prom-text.js';
import { RedisServer } from './redis-server.js';
import { startRoomServer } from './room-fixture.js';
import { startMatcher, type ServiceProcess } from './service-process.js';
import { Stack } from './stack.js';
import { eventually } from './wait.js';
import { deviceIdOf } from './device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

/** A short lease and fast heartbeats, so that a lost server's rooms move within seconds. */
export const failoverLeaseMs = 2000;
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: String(failoverLeaseMs) };
/** Games that do not end by themselves during a test; counters logged often; quick retries. */
const roomEnv = { ROOM_SCORE_LIMIT: '1000', ROOM_REGISTRY_RETRY_MS: '100', ROOM_STATS_LOG_INTERVAL_MS: '200', ROOM_SWEEP_INTERVAL_MS: '200' };

/** Two library players matched into one room. */
export interface Game {
  roomId: string;
  players: [LibraryPlayer, LibraryPlayer];
}

let nextMmr = 0;

/** Real Redis, a real Matcher and real room server processes, with library players in this process. */
export class FailoverSystem {
  readonly stack = new Stack();
  readonly rooms: ServiceProcess[] = [];
  readonly redis: RedisServer;
  readonly matcher: ServiceProcess;
  readonly grpc: Clients;
  readonly check: Redis;

  private constructor(redis: RedisServer, matcher: ServiceProcess) {
    this.redis = redis;
    this.matcher = matcher;
    this.grpc = connect(matcher.address);
    this.stack.add({ stop: () => this.grpc.close() });
    this.check = redis.client();
    this.stack.add({ stop: () => this.check.disconnect() });
  }

  static async start(): Promise<FailoverSystem> {
    const stack = new Stack();
    try {
      const redis = stack.add(await RedisServer.start());
      const matcher = stack.add(await startMatcher(redis.url, matcherEnv));
      const system = new FailoverSystem(redis, matcher);
      system.stack.add({ stop: () => stack.stop() });
      return system;
    } catch (err) {
      await stack.stop();
      throw err;
    }
  }

  /** Starts a room server (registered once this resolves) with room for `capacity` games. */
  async startRoom(capacity: number): Promise<ServiceProcess> {
    const room = this.stack.add(await startRoomServer(this.redis.url, this.matcher.address, roomEnv, 0, ['--max-rooms', String(capacity)]));
    this.rooms.push(room);
    return room;
  }

  /** `count` games of two ball-chasing library players each, all playing (both connected, ball in play). */
  async games(count: number): Promise<Game[]> {
    const games = await Promise.all(
      Array.from({ length: count }, async () => {
        const mmr = (nextMmr = (nextMmr + 1000) % 100_000);
        const tag = Math.random().toString(36).slice(2);
        const players = [0, 1].map((i) => new LibraryPlayer(this.matcher.address, { deviceId: deviceIdOf(`failover-${tag}-${i}`), mmr, chase: true }));
        this.stack.add({ stop: () => players.forEach((p) => p.close()) });
        const [a, b] = await Promise.all(players.map((p) => p.play()));
        if (a!.roomId !== b!.roomId) throw new Error('the two players of a pair were matched into different rooms');
        return { roomId: a!.roomId, players: players as [LibraryPlayer, LibraryPlayer] };
      }),
    );
    await eventually('every game in play', () => games.every((g) => g.players.every((p) => p.lastTick?.phase === RoomPhase.ROOM_PHASE_PLAYING)), 20000);
    return games;
  }

  /** The server a room is placed on now (room:<id>:info addr) and its placement epoch. */
  async placement(roomId: string): Promise<{ addr: string | null; epoch: number }> {
    const [addr, epoch] = await this.check.hmget(dk.roomInfo(roomId), 'addr', 'epoch');
    return { addr: addr ?? null, epoch: Number(epoch ?? 0) };
  }

  async checkpoint(roomId: string): Promise<WorldState | undefined> {
    const bytes = await this.check.getBuffer(dk.roomCheckpoint(roomId));
    return bytes ? WorldState.decode(bytes) : undefined;
  }

  /** The gRPC metadata that acts as a library player. */
  auth(player: LibraryPlayer): ReturnType<typeof bearer> {
    return bearer(player.session!.token);
  }

  async stop(): Promise<void> {
    await this.stack.stop();
  }
}

/** A sample of a service's /metrics, scraped now. */
export async function scrapeMetric(service: ServiceProcess, name: string, labels?: Record<string, string>): Promise<number | undefined> {
  return sampleValue(await scrapeMetrics(service.metricsPort), name, labels);
}

/** The process owner id a room server writes into its checkpoints (from its start-up line). */
export function ownerOf(room: ServiceProcess): string {
  const line = room.output.find((l) => l.includes(' listening on '));
  return String((JSON.parse(line!) as { owner?: string }).owner);
}
