import type { RedisConnection } from '../shared/redis/client.js';
import { EndReason, endReasonToJSON } from '../gen/mini/room/v1/registry.js';
import type { Keys } from '../shared/redis/keys.js';
import { runScript } from '../shared/redis/scripts.js';
import { unreachableVerdicts, type UnreachableVerdictKind } from '../shared/redis/contract.js';

/** What one move-rooms call did for a server. */
export interface MoveReport {
  /** False when the server turned out to be alive (or not the draining lease named): nothing changed. */
  gone: boolean;
  moved: { roomId: string; addr: string }[];
  /** Rooms ended as END_REASON_SERVER_LOST (no checkpoint left, or no capacity for too long). */
  ended: number;
  /** Rooms waiting for a server with free capacity. */
  waiting: number;
  /** Rooms still listed for the server (waiting, or past this call's limit). */
  remaining: number;
}

/** What a player's unreachable report led to (report-unreachable.lua). */
export interface UnreachableVerdict {
  kind: UnreachableVerdictKind;
  /** The room's server ('' when not_current). */
  addr: string;
  /** With server_on_time and revoked: how long ago the server's last heartbeat was (ms). */
  sinceHeartbeatMs: number;
}


/** TTLs and limits of moving rooms. */
export interface FailoverLimits {
  roomMapSec: number;
  outcomeSec: number;
  endedRoomSec: number;
  /** Longest a room waits for a server with free capacity before it is ended. */
  maxWaitMs: number;
  /** Most rooms one script call handles, so that one call never holds Redis for long. */
  roomsPerCall: number;
}

/** Finding lost room servers and moving their rooms, each step one Lua script. */
export class FailoverStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
    private readonly limits: FailoverLimits,
  ) {}

  /** Every region a room server ever registered in: where the sweep looks. */
  async servedRegions(): Promise<string[]> {
    return this.redis.smembers(this.keys.servedRegions());
  }

  /**
   * The region's servers whose last heartbeat is older than the cut-off (their lease may have lapsed),
   * with that heartbeat.
   */
  async silentSince(region: string, cutoffMs: number): Promise<{ addr: string; lastHeartbeatMs: number }[]> {
    const flat = await this.redis.zrangebyscore(this.keys.region(region).roomServersSeen(), '-inf', cutoffMs, 'WITHSCORES');
    const silent: { addr: string; lastHeartbeatMs: number }[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) silent.push({ addr: flat[i]!, lastHeartbeatMs: Number(flat[i + 1]) });
    return silent;
  }

  /**
   * Moves (up to a call's limit) the rooms of a server whose lease is gone, or of a draining server
   * handing over (`handOverServerId`); see move-rooms.lua.
   */
  async moveRooms(region: string, addr: string, nowMs: number, handOverServerId = ''): Promise<MoveReport> {
    const r = this.keys.region(region);
    const { limits } = this;
    // Rooms move only within the server's region.
    const reply = (await runScript(
      this.redis,
      'move-rooms',
      [r.roomServerRooms(addr), r.roomServerLoad(), r.roomServersSeen(), r.roomResults(), r.roomServer(addr)],
      [
        r.prefix,
        addr,
        handOverServerId,
        nowMs,
        limits.roomMapSec,
        limits.outcomeSec,
        this.keys.ticketEvents(),
        limits.endedRoomSec,
        limits.maxWaitMs,
        limits.roomsPerCall,
        endReasonToJSON(EndReason.END_REASON_SERVER_LOST),
      ],
    )) as (number | string)[];
    const moved: MoveReport['moved'] = [];
    for (let i = 5; i + 1 < reply.length; i += 2) moved.push({ roomId: String(reply[i]), addr: String(reply[i + 1]) });
    const [gone, , ended, waiting, remaining] = reply.slice(0, 5).map(Number);
    return { gone: gone === 1, moved, ended: ended ?? 0, waiting: waiting ?? 0, remaining: remaining ?? 0 };
  }

  /**
   * Records a player's report that their room's server is unreachable, in the player's region (a
   * room is in the region its players queued in); see report-unreachable.lua.
   */
  async reportUnreachable(
    playerId: string,
    region: string,
    roomId: string,
    nowMs: number,
    limits: { lateAfterMs: number; reportTtlMs: number; leaseTtlMs: number },
  ): Promise<UnreachableVerdict> {
    const r = this.keys.region(region);
    const [code, addr, sinceHeartbeatMs] = (await runScript(
      this.redis,
      'report-unreachable',
      [r.roomMap(playerId), r.roomInfo(roomId), r.roomUnreachable(roomId), r.roomServerLoad()],
      [r.prefix, playerId, roomId, nowMs, limits.lateAfterMs, limits.reportTtlMs, limits.leaseTtlMs],
    )) as [number, string, number];
    return { kind: unreachableVerdicts[code] ?? 'not_current', addr, sinceHeartbeatMs: Number(sinceHeartbeatMs) };
  }
}
