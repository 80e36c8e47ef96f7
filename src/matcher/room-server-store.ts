import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../shared/errors.js';
import type { Keys } from '../shared/redis/keys.js';
import type { ReplicaAcks } from '../shared/redis/replica-ack.js';
import { runScript } from '../shared/redis/scripts.js';
import { defaultRegion } from '../shared/region.js';

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

/** Room servers' leases, load and rooms in Redis; each operation is one Lua script. */
export class RoomServerStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** Registrations, drains and results are on replicas before the room server hears of them. */
    private readonly acks: ReplicaAcks,
    private readonly ttl: { leaseMs: number; roomMapSec: number; outcomeSec: number; endedRoomSec: number },
  ) {}

  /**
   * Starts a new lease for the address in the region; returns its id and the rooms already assigned
   * there. An address that was in another region leaves that region's load set.
   */
  async register(addr: string, capacity: number, region: string, nowMs: number): Promise<{ serverId: string; assignedRooms: number }> {
    const k = this.keys;
    const serverId = randomUUID();
    // The script checks the previous region again: a concurrent registration of the address changes it.
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const previous = (await this.redis.hget(k.roomServerRegions(), addr)) ?? '';
      const assigned = Number(
        await runScript(
          this.redis,
          'register-server',
          [
            k.roomServer(addr),
            k.roomServerLease(serverId),
            k.roomServerLoad(region),
            k.roomServerRooms(addr),
            k.roomServersSeen(),
            k.roomServerRegions(),
            k.servedRegions(),
            k.roomServerLoad(previous === '' ? region : previous),
          ],
          [k.prefix, addr, serverId, capacity, nowMs, this.ttl.leaseMs, region, previous],
        ),
      );
      if (assigned >= 0) {
        await this.acks.confirm();
        return { serverId, assignedRooms: assigned };
      }
    }
    throw new AppError('unavailable', 'the address is being registered concurrently: try again');
  }

  /** Renews the lease and records load; returns the rooms assigned to the server. */
  async heartbeat(serverId: string, load: LoadReport, nowMs: number): Promise<number> {
    const k = this.keys;
    const lease = await this.leaseRegion(serverId);
    const assigned = lease
      ? Number(
          await runScript(
            this.redis,
            'heartbeat-server',
            [k.roomServerLease(serverId), k.roomServerLoad(lease.region), k.roomServersSeen(), k.roomServerRegions()],
            [
              k.prefix,
              serverId,
              load.activeRooms,
              load.players,
              load.tickRate,
              load.tickDurationP99Ms,
              nowMs,
              this.ttl.leaseMs,
              this.ttl.roomMapSec,
              lease.region,
            ],
          ),
        )
      : -1;
    if (assigned < 0) throw new AppError('not_found', 'unknown or expired server lease: register again');
    return assigned;
  }

  /**
   * Room servers with a running lease in each region's live set, for the given regions (the sets drop
   * lapsed ones only at the next claim).
   */
  async countLive(regions: readonly string[]): Promise<number[]> {
    return Promise.all(
      regions.map(async (region) => {
        const addrs = await this.redis.zrange(this.keys.roomServerLoad(region), 0, -1);
        const statuses = await Promise.all(addrs.map((addr) => this.redis.hget(this.keys.roomServer(addr), 'status')));
        return statuses.filter((status) => status === 'live').length;
      }),
    );
  }

  /** Every region a room server ever registered in (room_servers:regions). */
  async servedRegions(): Promise<string[]> {
    return (await this.redis.smembers(this.keys.servedRegions())).sort();
  }

  /** Takes the server out of the live set (its lease stays until it stops heartbeating); returns its address. */
  async deregister(serverId: string): Promise<string> {
    const k = this.keys;
    const lease = await this.leaseRegion(serverId);
    const drained = lease
      ? await runScript(
          this.redis,
          'deregister-server',
          [k.roomServerLease(serverId), k.roomServerLoad(lease.region), k.roomServerRegions()],
          [k.prefix, serverId, lease.region],
        )
      : -1;
    await this.acks.confirm();
    if (typeof drained !== 'string') throw new AppError('not_found', 'unknown or expired server lease');
    return drained;
  }

  /** The address and region of a lease; undefined when the lease is unknown. */
  private async leaseRegion(serverId: string): Promise<{ addr: string; region: string } | undefined> {
    const k = this.keys;
    const reply = (await runScript(this.redis, 'lease-region', [k.roomServerLease(serverId), k.roomServerRegions()], [])) as
      | [string, string]
      | null;
    if (!reply) return undefined;
    return { addr: reply[0], region: reply[1] === '' ? defaultRegion : reply[1] };
  }

  /** Records a finished game and frees its room; says whether it ended now, had already, or is unknown. */
  async endRoom(serverId: string, roomId: string, end: RoomEnd, nowMs: number): Promise<'ended' | 'already_ended' | 'unknown_room'> {
    const k = this.keys;
    // A room never changes region (absent: a room from before regions).
    const region = (await this.redis.hget(k.roomInfo(roomId), 'region')) ?? defaultRegion;
    const code = Number(
      await runScript(
        this.redis,
        'end-room',
        [k.roomInfo(roomId), k.roomServerLease(serverId), k.roomServerLoad(region), k.roomResults()],
        [
          k.prefix,
          roomId,
          nowMs,
          this.ttl.outcomeSec,
          k.ticketEvents(),
          end.reason,
          end.winnerId,
          JSON.stringify(end.scores),
          end.ticks,
          this.ttl.endedRoomSec,
        ],
      ),
    );
    await this.acks.confirm();
    if (code === -1) throw new AppError('not_found', 'unknown or expired server lease: register again');
    if (code === -3) throw new AppError('permission_denied', 'room belongs to another server');
    // Unknown is not an error: a retried report may arrive after the ended room's record expired.
    if (code === -2) return 'unknown_room';
    return code === 1 ? 'ended' : 'already_ended';
  }
}
