import { status, type ServiceError } from '@grpc/grpc-js';
import { expect } from 'chai';
import { bearer, connect, registryAuth, type Clients } from './grpc-clients.js';
import { RedisServer } from './redis-server.js';
import { startMatcher, type ServiceProcess } from './service-process.js';
import { deviceIdOf } from './device-id.js';

/** A real Redis and a real Matcher process, with clients; one per describe block. */
export class MatcherFixture {
  private constructor(
    readonly redis: RedisServer,
    readonly matcher: ServiceProcess,
    readonly clients: Clients,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<MatcherFixture> {
    const redis = await RedisServer.start();
    const matcher = await startMatcher(redis.url, env);
    return new MatcherFixture(redis, matcher, connect(matcher.address));
  }

  /** Logs a new device in and returns its player id and the metadata that acts as that player. */
  async player(label = `device-${Math.random().toString(36).slice(2)}`) {
    const session = await this.clients.authenticateDevice({ deviceId: deviceIdOf(label) });
    return { id: session.playerId, token: session.token, auth: bearer(session.token) };
  }

  /** Registers a room server through the registry and returns its lease id. */
  async roomServer(addr: string, capacity: number, region?: string): Promise<string> {
    const { serverId } = await this.clients.register({ addr, capacity, region, checkpointTtlMs: 0 }, registryAuth());
    return serverId;
  }

  async stop(): Promise<void> {
    this.clients.close();
    await this.matcher.stop();
    await this.redis.stop();
  }
}

/** Asserts that a promise rejects with the given gRPC status and returns the error. */
export async function expectStatus(promise: Promise<unknown>, code: status): Promise<ServiceError> {
  try {
    await promise;
  } catch (err) {
    const serviceError = err as ServiceError;
    expect(status[serviceError.code], serviceError.details).to.equal(status[code]);
    return serviceError;
  }
  expect.fail(`expected ${status[code]}, but the call succeeded`);
}
