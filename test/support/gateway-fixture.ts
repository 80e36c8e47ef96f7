import { connect, registryAuth, type Clients } from './grpc-clients.js';
import { RedisServer } from './redis-server.js';
import { startMatcher, startService, type ServiceProcess } from './service-process.js';
import { SseClient } from './sse-client.js';
import { deviceIdOf } from './device-id.js';

/** What a REST call answered: status, headers and the parsed JSON body (undefined when empty). */
export interface HttpResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | undefined;
}

export interface CallOptions {
  token?: string;
  /** Sent as JSON with Content-Type: application/json. */
  json?: unknown;
  /** Sent as is (with Content-Type: application/json unless headers say otherwise). */
  rawBody?: string;
  headers?: Record<string, string>;
}

// Room server leases that outlive the tests, so no heartbeats are needed.
const matcherEnv = { ROOM_SERVER_LEASE_TTL_MS: '600000' };

/** Starts a gateway process in front of the Matcher at the given address. */
export function startGateway(matcherTargetess: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startService('src/gateway/main.ts', ['--port', '0', '--host', '127.0.0.1', '--matcher', matcherTargetess], env);
}

/** A real Redis, a real Matcher and a real gateway in front of it, with a REST helper; one per describe block. */
export class GatewayFixture {
  private constructor(
    readonly redis: RedisServer,
    readonly matcher: ServiceProcess,
    readonly gateway: ServiceProcess,
    readonly grpc: Clients,
  ) {}

  static async start(gatewayEnv: Record<string, string> = {}): Promise<GatewayFixture> {
    const redis = await RedisServer.start();
    let matcher: ServiceProcess | undefined;
    try {
      matcher = await startMatcher(redis.url, matcherEnv);
      const gateway = await startGateway(matcher.address, gatewayEnv);
      return new GatewayFixture(redis, matcher, gateway, connect(matcher.address));
    } catch (err) {
      await matcher?.stop();
      await redis.stop();
      throw err;
    }
  }

  url(path: string, gateway = this.gateway): string {
    return `http://${gateway.address}${path}`;
  }

  /** One REST call to the gateway. */
  async call(method: string, path: string, options: CallOptions = {}, gateway = this.gateway): Promise<HttpResult> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    const body = options.json !== undefined ? JSON.stringify(options.json) : options.rawBody;
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(this.url(path, gateway), { method, headers, body });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
  }

  /** Logs a new device in through POST /session. */
  async player(label = `device-${Math.random().toString(36).slice(2)}`): Promise<{ id: string; token: string }> {
    const res = await this.call('POST', '/session', { json: { device_id: deviceIdOf(label) } });
    if (res.status !== 200 || !res.body) throw new Error(`POST /session answered ${res.status}`);
    return { id: String(res.body.player_id), token: String(res.body.token) };
  }

  /** Registers a room server through the gRPC registry. */
  async roomServer(addr: string, capacity: number): Promise<string> {
    const { serverId } = await this.grpc.register({ addr, capacity, checkpointTtlMs: 0 }, registryAuth());
    return serverId;
  }

  watch(token?: string, gateway = this.gateway): Promise<SseClient> {
    return SseClient.open(this.url('/match/watch', gateway), token);
  }

  async stop(): Promise<void> {
    this.grpc.close();
    await this.gateway.stop();
    await this.matcher.stop();
    await this.redis.stop();
  }
}
