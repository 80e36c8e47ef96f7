import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { AppError } from '../shared/errors.js';
import type { Keys } from '../shared/redis/keys.js';
import type { ReplicaAcks } from '../shared/redis/replica-ack.js';
import { runScript } from '../shared/redis/scripts.js';

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

  /** Starts a new lease for the address; returns its id and the rooms already assigned there. */
  async register(addr: string, capacity: number, nowMs: number): Promise<{ serverId: string; assignedRooms: number }> {
    const k = this.keys;
    const serverId = randomUUID();
    const assigned = await runScript(
      this.redis,
      'register-server',
      [k.roomServer(addr), k.roomServerLease(serverId), k.roomServerLoad(), k.roomServerRooms(addr), k.roomServersSeen()],
      [k.prefix, addr, serverId, capacity, nowMs, this.ttl.leaseMs],
    );
    await this.acks.confirm();
    return { serverId, assignedRooms: Number(assigned) };
  }

  /** Renews the lease and records load; returns the rooms assigned to the server. */
  async heartbeat(serverId: string, load: LoadReport, nowMs: number): Promise<number> {
    const k = this.keys;
    const assigned = Number(
      await runScript(
        this.redis,
        'heartbeat-server',
        [k.roomServerLease(serverId), k.roomServerLoad(), k.roomServersSeen()],
        [k.prefix, serverId, load.activeRooms, load.players, load.tickRate, load.tickDurationP99Ms, nowMs, this.ttl.leaseMs, this.ttl.roomMapSec],
      ),
    );
    if (assigned < 0) throw new AppError('not_found', 'unknown or expired server lease: register again');
    return assigned;
  }

  /** Room servers in the live set whose lease still runs (the set drops lapsed ones only at the next claim). */
  async countLive(): Promise<number> {
    const addrs = await this.redis.zrange(this.keys.roomServerLoad(), 0, -1);
    if (addrs.length === 0) return 0;
    const statuses = await Promise.all(addrs.map((addr) => this.redis.hget(this.keys.roomServer(addr), 'status')));
    return statuses.filter((status) => status === 'live').length;
  }

  /** Takes the server out of the live set (its lease stays until it stops heartbeating); returns its address. */
  async deregister(serverId: string): Promise<string> {
    const k = this.keys;
    const drained = await runScript(this.redis, 'deregister-server', [k.roomServerLease(serverId), k.roomServerLoad()], [k.prefix, serverId]);
    await this.acks.confirm();
    if (typeof drained !== 'string') throw new AppError('not_found', 'unknown or expired server lease');
    return drained;
  }

  /** Records a finished game and frees its room; says whether it ended now, had already, or is unknown. */
  async endRoom(serverId: string, roomId: string, end: RoomEnd, nowMs: number): Promise<'ended' | 'already_ended' | 'unknown_room'> {
    const k = this.keys;
    const code = Number(
      await runScript(
        this.redis,
        'end-room',
        [k.roomInfo(roomId), k.roomServerLease(serverId), k.roomServerLoad(), k.roomResults()],
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
