import type { RedisConnection } from '../shared/redis/client.js';
import { roomStatus, wasPlaying } from '../shared/redis/contract.js';
import type { Logger } from 'pino';
import { RoomPhase } from '../gen/mini/room/v1/world.js';
import type { RegionKeys } from '../shared/redis/keys.js';
import { decodeWorld } from './sim/checkpoint.js';
import type { World } from './sim/world.js';

/** What Redis says about a room a player wants to enter that is not in memory. */
export type RoomLookup =
  /** Host it: from its checkpoint, or fresh; placementEpoch is the room's placement on this server. */
  | { kind: 'restore'; world: World; placementEpoch: number }
  | { kind: 'fresh'; redisDown: boolean; placementEpoch: number }
  /** Not assigned to this server (unknown, or on another address). */
  | { kind: 'wrong_room' }
  /** The token is for an earlier placement: the room has moved since; the player must ask again. */
  | { kind: 'moved' }
  /** Redis unreachable and the room has a history elsewhere (it moved here): its state cannot be read yet. */
  | { kind: 'unavailable' }
  /** Over: ended by the Matcher, its last checkpoint is the final one, or it ran and its checkpoint expired. */
  | { kind: 'room_gone' };

/** What the abandonment sweep needs to know of an assigned room. */
export interface AssignedRoom {
  roomId: string;
  status: string | null;
  createdAtMs: number;
  /** The room's checkpoint, when one is stored and readable. */
  checkpoint: World | undefined;
}

/** The room server's reads of Redis: checkpoints and the Matcher's room records. */
export class RoomStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RegionKeys,
    private readonly addr: string,
    private readonly log: Logger,
  ) {}

  /**
   * Looks a room up before hosting it, for a token issued for placement `tokenEpoch`. With Redis
   * unreachable the token (verified offline) is proof enough and the room starts fresh: players get a
   * game rather than nothing.
   */
  async lookup(roomId: string, tokenEpoch: number): Promise<RoomLookup> {
    let info: (string | null)[];
    let bytes: Buffer | null;
    try {
      [info, bytes] = await Promise.all([
        this.redis.hmget(this.keys.roomInfo(roomId), 'addr', 'status', 'epoch'),
        this.redis.getBuffer(this.keys.roomCheckpoint(roomId)),
      ]);
    } catch (err) {
      // A room that moved here has a checkpoint to restore: starting it afresh would lose its score.
      if (tokenEpoch > 0) return { kind: 'unavailable' };
      this.log.warn({ room_id: roomId, err: (err as Error).message }, 'redis unavailable: starting the room without its records');
      return { kind: 'fresh', redisDown: true, placementEpoch: tokenEpoch };
    }
    const [addr, status] = info;
    const placementEpoch = Number(info[2] ?? 0);
    if (info[1] === roomStatus.ended) return { kind: 'room_gone' };
    if (addr !== null && placementEpoch > tokenEpoch) return { kind: 'moved' };
    if (addr !== this.addr || placementEpoch !== tokenEpoch) return { kind: 'wrong_room' };
    const world = this.decode(roomId, bytes);
    // A room that was running but whose checkpoint expired has lost its state: it is over (the sweep ends it).
    if (!world) return wasPlaying(status) ? { kind: 'room_gone' } : { kind: 'fresh', redisDown: false, placementEpoch };
    return world.phase === RoomPhase.ROOM_PHASE_ENDED ? { kind: 'room_gone' } : { kind: 'restore', world, placementEpoch };
  }

  /** Ids of the rooms the Matcher assigned to this server. */
  async assignedRoomIds(): Promise<string[]> {
    return this.redis.smembers(this.keys.roomServerRooms(this.addr));
  }

  /** The Matcher's record and the checkpoint of an assigned room. */
  async assignedRoom(roomId: string): Promise<AssignedRoom> {
    const [[status, createdAt], bytes] = await Promise.all([
      this.redis.hmget(this.keys.roomInfo(roomId), 'status', 'created_at'),
      this.redis.getBuffer(this.keys.roomCheckpoint(roomId)),
    ]);
    return { roomId, status: status ?? null, createdAtMs: Number(createdAt ?? 0), checkpoint: this.decode(roomId, bytes) };
  }

  private decode(roomId: string, bytes: Buffer | null): World | undefined {
    if (!bytes) return undefined;
    try {
      return decodeWorld(bytes);
    } catch (err) {
      this.log.error({ room_id: roomId, err: (err as Error).message }, 'unreadable checkpoint ignored');
      return undefined;
    }
  }
}
