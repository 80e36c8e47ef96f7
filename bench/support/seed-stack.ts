import type { Redis } from 'ioredis';
import { Keys } from '../../src/shared/redis/keys.js';
import { defaultRegion } from '../../src/shared/region.js';
import { RedisServer } from '../../test/support/redis-server.js';
import { startMatcher, startService, type ServiceProcess } from '../../test/support/service-process.js';
import { eventually } from '../../test/support/wait.js';
import { statsLines, type StatsLine } from './room-stack.js';

/** Room servers log their counters (with tick_rate) this often, so the check sees every second. */
const statsIntervalMs = 1000;
/** Heartbeats (which carry tick_rate into Redis) every second instead of every 3 s. */
const heartbeatIntervalMs = 1000;

/** One reading of `room_server:<addr>`: the tick rate the Matcher stored from the server's heartbeat at heartbeatAtMs. */
export interface StoredTickRate {
  heartbeatAtMs: number;
  addr: string;
  tickRate: number;
}

/**
 * The seed's load-test stack, all on one core: redis-server (AOF, fsync every second as in
 * deploy/redis/redis.conf), one Matcher and `roomServers` room server processes.
 */
export class SeedStack {
  private readonly admin: Redis;
  private readonly keys = new Keys('');

  private constructor(
    readonly redis: RedisServer,
    readonly matcher: ServiceProcess,
    readonly rooms: ServiceProcess[],
  ) {
    this.admin = redis.client();
  }

  /** Starts everything pinned to `cpu`; `stop` must be called also when this throws part-way (use Cleanup). */
  static async start(cpu: number, roomServers: number, onStarted: (stop: () => Promise<unknown> | void) => void): Promise<SeedStack> {
    const redis = await RedisServer.start({ cpu });
    onStarted(() => redis.stop());
    const admin = redis.client();
    await admin.config('SET', 'appendfsync', 'everysec').finally(() => admin.disconnect());
    const matcher = await startMatcher(redis.url, { LOG_LEVEL: 'warn', ROOM_SERVER_HEARTBEAT_INTERVAL_MS: String(heartbeatIntervalMs) }, cpu);
    onStarted(() => matcher.stop());
    const rooms: ServiceProcess[] = [];
    for (let i = 0; i < roomServers; i++) {
      const args = ['--port', '0', '--host', '127.0.0.1', '--matcher', matcher.address, '--max-rooms', '100'];
      const room = await startService('src/room/main.ts', args, { REDIS_URL: redis.url, ROOM_STATS_LOG_INTERVAL_MS: String(statsIntervalMs) }, { cpu });
      onStarted(() => room.stop());
      rooms.push(room);
    }
    for (const room of rooms) {
      await eventually(`room server ${room.address} to register`, () => room.output.some((line) => line.includes('registered with the matcher')), 15_000);
    }
    const stack = new SeedStack(redis, matcher, rooms);
    onStarted(() => stack.admin.disconnect());
    return stack;
  }

  /** Redis' own CPU time so far (INFO cpu: used_cpu_sys + used_cpu_user), in seconds. */
  async redisCpuSec(): Promise<number> {
    const info = await this.admin.info('cpu');
    const field = (name: string): number => Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? Number.NaN);
    return field('used_cpu_sys') + field('used_cpu_user');
  }

  /** Each room server's tick rate as the Matcher stored it in Redis (`room_server:<addr>`), once it has heartbeated. */
  async storedTickRates(): Promise<StoredTickRate[]> {
    const readings = await Promise.all(
      this.rooms.map(async (room) => {
        const [tickRate, heartbeatAt] = await this.admin.hmget(this.keys.region(defaultRegion).roomServer(room.address), 'tick_rate', 'heartbeat_at');
        return { addr: room.address, tickRate: Number(tickRate), heartbeatAtMs: Number(heartbeatAt), stored: tickRate !== null && heartbeatAt !== null };
      }),
    );
    return readings.filter((r) => r.stored).map(({ addr, tickRate, heartbeatAtMs }) => ({ addr, tickRate, heartbeatAtMs }));
  }

  /** Each room server's `room server stats` lines logged between two wall times. */
  statsBetween(fromMs: number, toMs: number): { addr: string; lines: StatsLine[] }[] {
    return this.rooms.map((room) => ({ addr: room.address, lines: statsLines(room).filter((l) => l.timeMs >= fromMs && l.timeMs <= toMs) }));
  }
}
