import type { Metadata } from '@grpc/grpc-js';
import { Slot, type Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import { WorldState } from '../../src/gen/mini/room/v1/world.js';
import { bearer, connect, type Clients } from './grpc-clients.js';
import { RedisServer } from './redis-server.js';
import { redisEnvOf, startMatcher, startService, type RedisTarget, type ServiceProcess } from './service-process.js';
import { UdpPlayer, type Policy } from './udp-player.js';
import { eventually } from './wait.js';
import { deviceIdOf } from './device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

/** A logged-in player and the metadata that acts as them. */
export interface TestPlayer {
  id: string;
  auth: Metadata;
}

/** Fast heartbeats so load changes show within a fraction of a second. */
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: '5000' };

/** Room server settings for tests: counters logged every 100 ms, quick sweeps and retries. */
const baseRoomEnv = { ROOM_STATS_LOG_INTERVAL_MS: '100', ROOM_SWEEP_INTERVAL_MS: '200', ROOM_REGISTRY_RETRY_MS: '100' };

let nextMmr = 1000;

/** Real Redis, a real Matcher and a real room server process on loopback; one per describe block. */
export class RoomFixture {
  private constructor(
    readonly redis: RedisServer,
    readonly matcher: ServiceProcess,
    public room: ServiceProcess,
    readonly clients: Clients,
    private readonly roomEnv: Record<string, string>,
  ) {}

  static async start(roomEnv: Record<string, string> = {}): Promise<RoomFixture> {
    const redis = await RedisServer.start();
    const matcher = await startMatcher(redis.url, matcherEnv);
    const env = { ...baseRoomEnv, ...roomEnv };
    const room = await startRoomServer(redis.url, matcher.address, env, 0);
    return new RoomFixture(redis, matcher, room, connect(matcher.address), env);
  }

  /** The room server's UDP address, as registered and put in tokens. */
  get roomAddr(): string {
    return this.room.address;
  }

  /** SIGKILLs the room server and starts a new one on the same port. */
  async restartRoom(): Promise<void> {
    await this.room.kill();
    this.room = await startRoomServer(this.redis.url, this.matcher.address, this.roomEnv, this.room.port);
  }

  async player(): Promise<TestPlayer> {
    const session = await this.clients.authenticateDevice({ deviceId: deviceIdOf(`device-${Math.random().toString(36).slice(2)}`) });
    return { id: session.playerId, auth: bearer(session.token) };
  }

  /** Two new players matched through the Matcher (AuthenticateDevice, Enqueue), with their assignments. */
  async matchPair(): Promise<{ left: TestPlayer; right: TestPlayer; roomId: string }> {
    const mmr = (nextMmr += 1000);
    const a = await this.player();
    const b = await this.player();
    await this.clients.enqueue({ mmr }, a.auth);
    await this.clients.enqueue({ mmr }, b.auth);
    const assignment = await this.assignment(a);
    const [left, right] = assignment.slot === Slot.SLOT_LEFT ? [a, b] : [b, a];
    return { left, right, roomId: assignment.roomId };
  }

  /** The player's current assignment with a fresh connect token (GetAssignment), once there is one. */
  assignment(player: TestPlayer): Promise<Assignment> {
    return eventually('an assignment', async () => (await this.clients.getAssignment({}, player.auth).catch(() => undefined))?.assignment);
  }

  /** Connects a player to its room with a fresh token, on a new socket. */
  async connect(player: TestPlayer, policy?: Policy): Promise<UdpPlayer> {
    const { connectToken, roomAddr } = await this.assignment(player);
    return UdpPlayer.connect(roomAddr, connectToken, policy);
  }

  /** The counters of the room server's newest stats log line. */
  stats(): RoomStatsLine | undefined {
    return latestStats(this.room);
  }

  /** Waits for a stats line that satisfies the predicate (lines come every 100 ms). */
  waitStats(what: string, predicate: (stats: RoomStatsLine) => boolean): Promise<RoomStatsLine> {
    return eventually(what, () => {
      const stats = this.stats();
      return stats && predicate(stats) ? stats : undefined;
    });
  }

  /** The room's checkpoint in Redis, decoded. */
  async checkpoint(roomId: string): Promise<WorldState | undefined> {
    const redis = this.redis.client();
    try {
      const bytes = await redis.getBuffer(dk.roomCheckpoint(roomId));
      return bytes ? WorldState.decode(bytes) : undefined;
    } finally {
      redis.disconnect();
    }
  }

  async stop(): Promise<void> {
    this.clients.close();
    await this.room.stop();
    await this.matcher.stop();
    await this.redis.stop();
  }
}

/** The fields of a `room server stats` log line that tests look at. */
export interface RoomStatsLine {
  drops: Record<string, number>;
  reconnect_success_total: number;
  reconnect_failed_total: number;
  checkpoints_written_total: number;
  checkpoints_skipped_total: number;
  checkpoint_restores_total: number;
  active_rooms: number;
  players: number;
  tick_rate: number;
}

/** The counters of a room server's newest stats log line (ROOM_STATS_LOG_INTERVAL_MS sets how often they come). */
export function latestStats(room: ServiceProcess): RoomStatsLine | undefined {
  for (let i = room.output.length - 1; i >= 0; i--) {
    const line = room.output[i]!;
    if (line.includes('"room server stats"')) return JSON.parse(line) as RoomStatsLine;
  }
  return undefined;
}

/** Starts a room server process and waits until it has registered with the Matcher; `extraArgs` e.g. `--max-rooms 2`. */
export async function startRoomServer(
  redis: RedisTarget,
  matcherTarget: string,
  env: Record<string, string>,
  port: number,
  extraArgs: string[] = [],
): Promise<ServiceProcess> {
  const args = ['--port', String(port), '--host', '127.0.0.1', '--matcher', matcherTarget, ...extraArgs];
  const room = await startService('src/room/main.ts', args, { ...redisEnvOf(redis), ...env });
  await eventually('the room server to register', () => room.output.some((line) => line.includes('registered with the matcher')));
  return room;
}
