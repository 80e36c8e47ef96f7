import type { Redis } from 'ioredis';
import { RedisServer } from '../../test/support/redis-server.js';
import { startMatcher, startService, type ServiceProcess } from '../../test/support/service-process.js';
import { eventually } from '../../test/support/wait.js';
import type { Cleanup } from './room-stack.js';

/** How a fleet is started: everything on core `cpu`, the services' environments over their defaults. */
export interface FleetOptions {
  cpu: number;
  roomServers: number;
  maxRooms: number;
  matcherEnv: Record<string, string>;
  roomEnv: Record<string, string>;
}

/**
 * Redis (AOF, fsync every second, as deployed), one Matcher and several room servers, all real
 * processes pinned to one core. Every piece is handed to `cleanup` as soon as it runs, so a start
 * that fails half-way, or Ctrl-C, leaves nothing behind; a room server that was SIGSTOPped is
 * continued before it is stopped.
 */
export class FleetStack {
  private constructor(
    readonly redis: RedisServer,
    readonly admin: Redis,
    readonly matcher: ServiceProcess,
    readonly rooms: ServiceProcess[],
  ) {}

  static async start(options: FleetOptions, cleanup: Cleanup): Promise<FleetStack> {
    const redis = await RedisServer.start({ cpu: options.cpu });
    cleanup.add(() => redis.stop());
    const admin = redis.client();
    cleanup.add(() => admin.disconnect());
    await admin.config('SET', 'appendfsync', 'everysec');
    const matcher = await startMatcher(redis.url, { LOG_LEVEL: 'warn', ...options.matcherEnv }, options.cpu);
    cleanup.add(() => matcher.stop());
    const flags = ['--port', '0', '--host', '127.0.0.1', '--matcher', matcher.address, '--max-rooms', String(options.maxRooms)];
    const rooms = await Promise.all(
      Array.from({ length: options.roomServers }, async () => {
        const room = await startService('src/room/main.ts', flags, { REDIS_URL: redis.url, ...options.roomEnv }, { cpu: options.cpu });
        cleanup.add(() => {
          resume(room);
          return room.stop();
        });
        return room;
      }),
    );
    for (const room of rooms) {
      await eventually(`room server ${room.address} to register`, () => room.output.some((line) => line.includes('registered with the matcher')), 15_000);
    }
    return new FleetStack(redis, admin, matcher, rooms);
  }
}

/** Sends SIGCONT to a room server that may have been SIGSTOPped (harmless to a running one). */
export function resume(room: ServiceProcess): void {
  if (room.child.exitCode === null && room.child.signalCode === null) room.child.kill('SIGCONT');
}

/** Whether the process is still there (not exited, not killed). */
export function running(room: ServiceProcess): boolean {
  return room.child.exitCode === null && room.child.signalCode === null;
}

/** Parsed JSON log lines of a service from output line `from` on whose message is `msg`. */
export function logLines<T extends object>(service: ServiceProcess, msg: string, from = 0): (T & { timeMs: number })[] {
  const found: (T & { timeMs: number })[] = [];
  for (const line of service.output.slice(from)) {
    if (!line.includes(`"msg":"${msg}"`)) continue;
    const parsed = JSON.parse(line) as T & { time: string };
    found.push({ ...parsed, timeMs: Date.parse(parsed.time) });
  }
  return found;
}
