import { credentials, status, type ServiceError } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { RoomRegistryClient, type DeregisterResponse } from '../gen/mini/room/v1/registry.js';
import { bearerMetadata, matcherChannelOptions, promiseUnary } from '../shared/grpc/client.js';

/** The RoomRegistry RPCs with the registry key attached, as promises. */
export function connectRegistry(matcherTarget: string, registryBearer: string, deadlineMs: number) {
  const client = new RoomRegistryClient(matcherTarget, credentials.createInsecure(), matcherChannelOptions);
  const auth = (): ReturnType<typeof bearerMetadata> => bearerMetadata(registryBearer);
  const register = promiseUnary(client, client.register, deadlineMs);
  const heartbeat = promiseUnary(client, client.heartbeat, deadlineMs);
  const deregister = promiseUnary(client, client.deregister, deadlineMs);
  const reportRoomEnded = promiseUnary(client, client.reportRoomEnded, deadlineMs);
  return {
    register: (r: Parameters<typeof register>[0]) => register(r, auth()),
    heartbeat: (r: Parameters<typeof heartbeat>[0]) => heartbeat(r, auth()),
    deregister: (r: Parameters<typeof deregister>[0]) => deregister(r, auth()),
    reportRoomEnded: (r: Parameters<typeof reportRoomEnded>[0]) => reportRoomEnded(r, auth()),
    close: () => client.close(),
  };
}

/** The RoomRegistry calls a room server makes. */
export type RegistryCalls = ReturnType<typeof connectRegistry>;

/** Load reported with every heartbeat. */
export interface LoadReport {
  activeRooms: number;
  players: number;
  tickRate: number;
  tickDurationP99Ms: number;
}

/** The gRPC status code of a failed call (UNKNOWN for anything that is not a ServiceError). */
export function statusOf(err: unknown): status {
  return typeof (err as ServiceError)?.code === 'number' ? (err as ServiceError).code : status.UNKNOWN;
}

export interface RegistryLinkOptions {
  addr: string;
  capacity: number;
  /** The region registered: only its players' rooms are placed here. */
  region: string;
  /** Sent at Register, which refuses a TTL too short to outlive a failover. */
  checkpointTtlMs: number;
  retryMs: number;
  heartbeatIntervalMs: number | undefined;
  /** The Matcher refused the registration for good (FAILED_PRECONDITION: a setting must change). */
  onRefused: (message: string) => void;
}

/**
 * Keeps this server in the Matcher's live set: registers (retrying until the Matcher answers),
 * heartbeats with load at the interval the Matcher asks for, and registers again when the Matcher
 * no longer knows the lease (NOT_FOUND). Any other failure (UNAVAILABLE, deadline) changes nothing
 * here: the rooms keep running and the next beat tries again.
 */
export class RegistryLink {
  /** The current lease; undefined while (re-)registering. */
  serverId: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private registering: Promise<void> | undefined;
  private registeredOnce = false;
  private stopped = false;
  private failures = 0;

  constructor(
    private readonly calls: RegistryCalls,
    private readonly options: RegistryLinkOptions,
    private readonly load: () => LoadReport,
    private readonly log: Logger,
  ) {}

  start(): void {
    void this.register();
  }

  /** Drops a lease the Matcher said it does not know, and registers again (once, however many callers say so). */
  invalidate(serverId: string): void {
    if (this.serverId !== serverId) return;
    this.serverId = undefined;
    clearTimeout(this.timer);
    void this.register();
  }

  /**
   * Stops heartbeating and drains: the Matcher sends no new rooms here. With `handOver` it also
   * moves this server's unfinished rooms elsewhere (their final checkpoints must be written first).
   * Resolves with what the Matcher did, or undefined when the call failed (the lease then lapses and
   * the failover moves the rooms).
   */
  async deregister(handOver: boolean): Promise<DeregisterResponse | undefined> {
    this.stop();
    // A Register in flight would leave a live lease behind: wait for it, then drain that lease.
    await this.registering;
    const serverId = this.serverId;
    if (serverId === undefined) return undefined;
    try {
      const response = await this.calls.deregister({ serverId, handOver });
      this.log.info({ server_id: serverId, hand_over: handOver, ...roomCounts(response) }, 'deregistered: draining');
      return response;
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'deregister failed: rooms not handed over here move once the lease lapses');
      return undefined;
    }
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private register(): Promise<void> {
    if (this.registering || this.stopped) return this.registering ?? Promise.resolve();
    this.registering = this.registerOnce().finally(() => (this.registering = undefined));
    return this.registering;
  }

  private async registerOnce(): Promise<void> {
    try {
      const { addr, capacity, region, checkpointTtlMs } = this.options;
      const response = await this.calls.register({ addr, capacity, region, checkpointTtlMs });
      this.serverId = response.serverId;
      this.registeredOnce = true;
      const intervalMs = this.options.heartbeatIntervalMs ?? response.heartbeatIntervalMs;
      this.log.info({ server_id: this.serverId, addr: this.options.addr, region: this.options.region, heartbeat_interval_ms: intervalMs }, 'registered with the matcher');
      this.failures = 0;
      this.schedule(() => this.beat(intervalMs), intervalMs);
    } catch (err) {
      // Refused for good at start-up: the configuration must change. Later (a Matcher replica
      // configured differently mid-deploy), the rooms here keep running and registering is retried.
      if (statusOf(err) === status.FAILED_PRECONDITION && !this.registeredOnce) {
        this.stop();
        return this.options.onRefused((err as ServiceError).details);
      }
      this.failed('register', err);
      this.schedule(() => this.register(), this.options.retryMs);
    }
  }

  private async beat(intervalMs: number): Promise<void> {
    const serverId = this.serverId;
    if (serverId === undefined) return;
    try {
      await this.calls.heartbeat({ serverId, ...this.load() });
      if (this.failures > 0) this.log.info({ server_id: serverId }, 'heartbeats answered again');
      this.failures = 0;
    } catch (err) {
      if (statusOf(err) === status.NOT_FOUND) {
        // Rooms moved away meanwhile are fenced: their next write is refused and they are dropped.
        this.log.warn({ server_id: serverId }, 'lease lost (lapsed or revoked): registering again; rooms moved away will be dropped');
        return this.invalidate(serverId);
      }
      this.failed('heartbeat', err);
    }
    if (this.serverId === serverId) this.schedule(() => this.beat(intervalMs), intervalMs);
  }

  private schedule(run: () => Promise<void>, delayMs: number): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void run(), delayMs);
  }

  /** Logs the first failure of a streak only: an outage is one line, not one a beat. */
  private failed(call: string, err: unknown): void {
    if (this.failures++ > 0) return;
    const fields = { call, code: status[statusOf(err)], err: (err as Error).message };
    this.log.warn(fields, 'room registry unreachable: rooms keep running, retrying');
  }
}

function roomCounts(response: DeregisterResponse): object {
  return { rooms_moved: response.roomsMoved, rooms_ended: response.roomsEnded, rooms_waiting: response.roomsWaiting };
}
