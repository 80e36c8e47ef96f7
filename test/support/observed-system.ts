import { distinctFreePorts } from './ports.js';
import { RedisServer } from './redis-server.js';
import { startMatcher, startService, type ServiceProcess } from './service-process.js';
import { eventually } from './wait.js';

/** Fast heartbeats and a short lease, so that a restarted room server shows in the registry quickly. */
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: '5000' };
/** Short games, quick registry retries. */
const roomEnv = { ROOM_SCORE_LIMIT: '2', ROOM_REGISTRY_RETRY_MS: '100' };

/**
 * The `npm start` layout on free ports — Redis, a Matcher, a gateway and three room servers, each
 * serving /metrics — for a Prometheus to scrape. Room servers get fixed metrics ports, so that one
 * restarted after a crash is the same scrape target.
 */
export class ObservedSystem {
  private constructor(
    readonly redis: RedisServer,
    readonly matcher: ServiceProcess,
    readonly gateway: ServiceProcess,
    readonly rooms: ServiceProcess[],
    private readonly roomMetricsPorts: number[],
  ) {}

  static async start(roomCount = 3): Promise<ObservedSystem> {
    const redis = await RedisServer.start();
    const started: ServiceProcess[] = [];
    try {
      const matcher = await startMatcher(redis.url, matcherEnv);
      started.push(matcher);
      const gateway = startService('src/gateway/main.ts', ['--port', '0', '--host', '127.0.0.1', '--matcher', matcher.address]);
      const metricsPorts = await distinctFreePorts(roomCount);
      const rooms = metricsPorts.map((metricsPort) => startRoom(redis.url, matcher.address, 0, metricsPort));
      const settled = await Promise.allSettled([gateway, ...rooms]);
      const up = settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
      started.push(...up);
      const failed = settled.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      const [gatewayProcess, ...roomProcesses] = up;
      return new ObservedSystem(redis, matcher, gatewayProcess!, roomProcesses, metricsPorts);
    } catch (err) {
      for (const service of started.reverse()) await service.stop();
      await redis.stop();
      throw err;
    }
  }

  /** host:port of each job's /metrics, as the processes announced them. */
  metricsTargets(): Record<'matcher' | 'gateway' | 'room', string[]> {
    const target = (service: ServiceProcess): string => `127.0.0.1:${service.metricsPort}`;
    return { matcher: [target(this.matcher)], gateway: [target(this.gateway)], room: this.rooms.map(target) };
  }

  /** SIGKILLs a room server (a crash) and starts it again on the same UDP and metrics ports. */
  async crashAndRestartRoom(index: number): Promise<void> {
    const room = this.rooms[index]!;
    await room.kill();
    this.rooms[index] = await startRoom(this.redis.url, this.matcher.address, room.port, this.roomMetricsPorts[index]!);
  }

  async stop(): Promise<void> {
    for (const service of [...this.rooms, this.gateway, this.matcher]) await service.stop();
    await this.redis.stop();
  }
}

async function startRoom(redisUrl: string, matcherTarget: string, port: number, metricsPort: number): Promise<ServiceProcess> {
  const args = ['--port', String(port), '--host', '127.0.0.1', '--matcher', matcherTarget, '--metrics-port', String(metricsPort)];
  const room = await startService('src/room/main.ts', args, { REDIS_URL: redisUrl, ...roomEnv });
  await eventually('the room server to register', () => room.output.some((line) => line.includes('registered with the matcher')));
  return room;
}

