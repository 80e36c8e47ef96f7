import { cpus } from 'node:os';
import { status, type ServiceError } from '@grpc/grpc-js';
import type { Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import { bearer, connect, type Clients } from '../../test/support/grpc-clients.js';
import { RedisServer } from '../../test/support/redis-server.js';
import { startMatcher, startService, type ServiceProcess } from '../../test/support/service-process.js';
import { eventually } from '../../test/support/wait.js';
import { deviceIdOf } from '../../test/support/device-id.js';

/** Redis, a Matcher and one room server, all pinned to one core, with gRPC clients for the Matcher. */
export class RoomStack {
  private constructor(
    readonly redis: RedisServer,
    readonly matcher: ServiceProcess,
    public room: ServiceProcess,
    readonly clients: Clients,
    private readonly roomArgs: { env: Record<string, string>; maxRooms: number; cpu: number; nodeArgs: string[] },
  ) {}

  /**
   * Starts everything on core `cpu`. Redis runs with the deploy config's durability (AOF, fsync every
   * second); the room server with `roomEnv` over the defaults, `maxRooms` capacity, and `nodeArgs` for
   * node itself (e.g. --cpu-prof).
   */
  static async start(options: {
    cpu: number;
    maxRooms: number;
    roomEnv?: Record<string, string>;
    matcherEnv?: Record<string, string>;
    nodeArgs?: string[];
  }): Promise<RoomStack> {
    const redis = await RedisServer.start({ cpu: options.cpu });
    let matcher: ServiceProcess | undefined;
    try {
      const admin = redis.client();
      await admin.config('SET', 'appendfsync', 'everysec').finally(() => admin.disconnect());
      matcher = await startMatcher(redis.url, { LOG_LEVEL: 'warn', ...options.matcherEnv }, options.cpu);
      const roomArgs = { env: { REDIS_URL: redis.url, ...options.roomEnv }, maxRooms: options.maxRooms, cpu: options.cpu, nodeArgs: options.nodeArgs ?? [] };
      const room = await startRoom(matcher.address, roomArgs, 0);
      return new RoomStack(redis, matcher, room, connect(matcher.address), roomArgs);
    } catch (err) {
      await matcher?.stop();
      await redis.stop();
      throw err;
    }
  }

  get roomAddr(): string {
    return this.room.address;
  }

  /** SIGKILLs the room server (a crash) and starts a new one on the same port; resolves once it registered. */
  async crashAndRestartRoom(): Promise<void> {
    await this.room.kill();
    this.room = await startRoom(this.matcher.address, this.roomArgs, this.room.port);
  }

  /** Logs `count` new players in and matches them in pairs (one shared MMR); returns each one's assignment. */
  async matchPlayers(count: number, label: string, mmr = 1500): Promise<Assignment[]> {
    const players = await inBatches(count, 64, async (i) => {
      const session = await this.clients.authenticateDevice({ deviceId: deviceIdOf(`${label}-${i}`) });
      return bearer(session.token);
    });
    await inBatches(count, 64, (i) => this.clients.enqueue({ mmr }, players[i]!));
    return inBatches(count, 64, (i) =>
      eventually(
        'an assignment',
        async () => {
          try {
            return (await this.clients.getAssignment({}, players[i]!)).assignment;
          } catch (err) {
            if ((err as ServiceError).code === status.NOT_FOUND) return undefined;
            throw err;
          }
        },
        30_000,
        100,
      ),
    );
  }

  async stop(): Promise<void> {
    this.clients.close();
    await this.room.stop();
    await this.matcher.stop();
    await this.redis.stop();
  }
}

async function startRoom(
  matcherTarget: string,
  args: { env: Record<string, string>; maxRooms: number; cpu: number; nodeArgs: string[] },
  port: number,
): Promise<ServiceProcess> {
  const flags = ['--port', String(port), '--host', '127.0.0.1', '--matcher', matcherTarget, '--max-rooms', String(args.maxRooms)];
  const room = await startService('src/room/main.ts', flags, args.env, { cpu: args.cpu, nodeArgs: args.nodeArgs });
  try {
    await eventually('the room server to register', () => room.output.some((line) => line.includes('registered with the matcher')), 15_000);
  } catch (err) {
    await room.kill();
    throw err;
  }
  return room;
}

/** Runs op(0..count-1) with at most `width` in flight; results in order. */
export async function inBatches<T>(count: number, width: number, op: (i: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array<T>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    for (let i = next++; i < count; i = next++) results[i] = await op(i);
  };
  await Promise.all(Array.from({ length: Math.min(width, count) }, worker));
  return results;
}

/** One line about the machine: cores and CPU model. */
export function machine(): string {
  return `${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}`;
}

/** The fields of a `room server stats` log line that the benchmarks read. */
export interface StatsLine {
  timeMs: number;
  active_rooms: number;
  players: number;
  tick_rate: number;
  tick_duration_p99_ms: number;
  ticks_dropped_total: number;
  checkpoints_written_total: number;
  checkpoints_skipped_total: number;
  checkpoint_restores_total: number;
  games_ended_total: number;
  drops: Record<string, number>;
}

/** The room server's stats lines from output line `from` on. */
export function statsLines(room: ServiceProcess, from = 0): StatsLine[] {
  const lines: StatsLine[] = [];
  for (let i = from; i < room.output.length; i++) {
    const line = room.output[i]!;
    if (!line.includes('"room server stats"')) continue;
    const parsed = JSON.parse(line) as StatsLine & { time: string };
    lines.push({ ...parsed, timeMs: Date.parse(parsed.time) });
  }
  return lines;
}

/**
 * Stop functions run in reverse order at the end, also on Ctrl-C / SIGTERM, so a failed or
 * interrupted benchmark leaves no process behind.
 */
export class Cleanup {
  private readonly steps: (() => Promise<unknown> | unknown)[] = [];
  private readonly onSignal = (): void => {
    void this.run().finally(() => process.exit(130));
  };

  constructor() {
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  add(step: () => Promise<unknown> | unknown): void {
    this.steps.push(step);
  }

  async run(): Promise<void> {
    while (this.steps.length > 0) {
      const step = this.steps.pop()!;
      try {
        await step();
      } catch (err) {
        console.error(`cleanup step failed: ${(err as Error).message}`);
      }
    }
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
  }
}
