import { randomUUID } from 'node:crypto';
import type { RedisConnection } from '../shared/redis/client.js';
import { AppError } from '../shared/errors.js';
import type { Keys, RegionKeys } from '../shared/redis/keys.js';
import type { ReplicaAcks } from '../shared/redis/replica-ack.js';
import { runScript } from '../shared/redis/scripts.js';
import { endRoomReply, replyName, serverStatus, type EndRoomReply } from '../shared/redis/contract.js';
import { isRegionName } from '../shared/region.js';

export interface LoadReport {
  activeRooms: number;
  players: number;
  tickRate: number;
  tickDurationP99Ms: number;
}

export interface RoomEnd {
  reason: string;
  winnerId: string;
  scores: Record<string, number>;
  ticks: number;
}

/**
 * A server id names its region (`<region>.<uuid>`), because every key of a room server is in its
 * region's slot: a heartbeat or a result finds the lease from the id alone.
 */
function newServerId(region: string): string {
  return `${region}.${randomUUID()}`;
}

/** The region a server id names; undefined for an id this Matcher never issued. */
function regionOfServerId(serverId: string): string | undefined {
  const region = serverId.slice(0, serverId.indexOf('.'));
  return isRegionName(region) ? region : undefined;
}

/** Room servers' leases, load and rooms in Redis, in their region's slot; each operation is one Lua script. */
export class RoomServerStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
    /** Registrations, drains and results are on replicas before the room server hears of them. */
    private readonly acks: ReplicaAcks,
    private readonly ttl: { leaseMs: number; roomMapSec: number; outcomeSec: number; endedRoomSec: number },
  ) {}

  /**
   * Starts a new lease for the address in the region; returns its id and the rooms already assigned
   * there. An address that was in another region ends its lease there (that region's failover sweep
   * moves the rooms it had there).
   */
  async register(addr: string, capacity: number, region: string, nowMs: number): Promise<{ serverId: string; assignedRooms: number }> {
    const k = this.keys;
    const r = k.region(region);
    const serverId = newServerId(region);
    // Each step in its own slot, in an order a failure between them leaves harmless: the region is
    // listed (for the sweep) before it has a server, an old region's lease ends before the new one starts.
    await this.redis.sadd(k.servedRegions(), region);
    const previous = await this.redis.hget(k.roomServerRegions(), addr);
    if (previous !== null && previous !== region) {
      const old = k.region(previous);
      await runScript(this.redis, 'retire-server', [old.roomServer(addr), old.roomServerLoad()], [old.prefix, addr]);
    }
    await this.redis.hset(k.roomServerRegions(), addr, region);
    const assigned = Number(
      await runScript(
        this.redis,
        'register-server',
        [r.roomServer(addr), r.roomServerLease(serverId), r.roomServerLoad(), r.roomServerRooms(addr), r.roomServersSeen()],
        [r.prefix, addr, serverId, capacity, nowMs, this.ttl.leaseMs, region],
      ),
    );
    await this.acks.confirm(k.servedRegions(), k.roomServerRegions(), r.roomServer(addr));
    return { serverId, assignedRooms: assigned };
  }

  /** Renews the lease and records load; returns the rooms assigned to the server. */
  async heartbeat(serverId: string, load: LoadReport, nowMs: number): Promise<number> {
    const r = this.leaseRegion(serverId);
    const assigned = Number(
      await runScript(
        this.redis,
        'heartbeat-server',
        [r.roomServerLease(serverId), r.roomServerLoad(), r.roomServersSeen()],
        [r.prefix, serverId, load.activeRooms, load.players, load.tickRate, load.tickDurationP99Ms, nowMs, this.ttl.leaseMs, this.ttl.roomMapSec],
      ),
    );
    if (assigned < 0) throw unknownLease();
    return assigned;
  }

  /**
   * Room servers with a running lease in each region's live set, for the given regions (the sets drop
   * lapsed ones only at the next claim).
   */
  async countLive(regions: readonly string[]): Promise<number[]> {
    return Promise.all(
      regions.map(async (region) => {
        const r = this.keys.region(region);
        const addrs = await this.redis.zrange(r.roomServerLoad(), 0, -1);
        const statuses = await Promise.all(addrs.map((addr) => this.redis.hget(r.roomServer(addr), 'status')));
        return statuses.filter((status) => status === serverStatus.live).length;
      }),
    );
  }

  /** Every region a room server ever registered in (room_servers:regions). */
  async servedRegions(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.servedRegions())).sort();
  }

  /** Takes the server out of the live set (its lease stays until it stops heartbeating); returns its address and region. */
  async deregister(serverId: string): Promise<{ addr: string; region: string }> {
    const region = regionOfServerId(serverId);
    if (region === undefined) throw unknownLease();
    const r = this.keys.region(region);
    const drained = await runScript(this.redis, 'deregister-server', [r.roomServerLease(serverId), r.roomServerLoad()], [r.prefix, serverId]);
    await this.acks.confirm(r.roomServerLoad());
    if (typeof drained !== 'string') throw unknownLease();
    return { addr: drained, region };
  }

  /** Records a finished game and frees its room; says whether it ended now, had already, or is unknown. */
  async endRoom(serverId: string, roomId: string, end: RoomEnd, nowMs: number): Promise<Exclude<EndRoomReply, 'unknown_lease' | 'other_server'>> {
    // A room is in its server's region and never changes region.
    const r = this.leaseRegion(serverId);
    const reply = replyName(
      endRoomReply,
      await runScript(
        this.redis,
        'end-room',
        [r.roomInfo(roomId), r.roomServerLease(serverId), r.roomServerLoad(), r.roomResults()],
        [
          r.prefix,
          roomId,
          nowMs,
          this.ttl.outcomeSec,
          this.keys.ticketEvents(),
          end.reason,
          end.winnerId,
          JSON.stringify(end.scores),
          end.ticks,
          this.ttl.endedRoomSec,
        ],
      ),
      'unknown_lease',
    );
    await this.acks.confirm(r.roomInfo(roomId));
    if (reply === 'unknown_lease') throw unknownLease();
    if (reply === 'other_server') throw new AppError('permission_denied', 'room belongs to another server');
    // Unknown is not an error: a retried report may arrive after the ended room's record expired.
    return reply;
  }

  /** The keys of the region a lease is in; NOT_FOUND for an id this Matcher never issued. */
  private leaseRegion(serverId: string): RegionKeys {
    const region = regionOfServerId(serverId);
    if (region === undefined) throw unknownLease();
    return this.keys.region(region);
  }
}

function unknownLease(): AppError {
  return new AppError('not_found', 'unknown or expired server lease: register again');
}
