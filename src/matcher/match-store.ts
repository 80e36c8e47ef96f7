import type { RedisConnection } from '../shared/redis/client.js';
import type { Keys } from '../shared/redis/keys.js';
import { runScript } from '../shared/redis/scripts.js';
import type { QueuedPlayer } from './matching.js';

/** A pair the pairing proposes, with the room id it would get. */
export interface ProposedRoom {
  roomId: string;
  left: QueuedPlayer;
  right: QueuedPlayer;
}

/** A pair that is now a room. */
export interface ClaimedRoom extends ProposedRoom {
  region: string;
  addr: string;
  /** When the pair was claimed: the players' assignment time. */
  claimedAtMs: number;
  /** traceparent of each player's enqueue ('' when it was not traced). */
  enqueueTraces: [left: string, right: string];
}

export interface ClaimOutcome {
  claimed: ClaimedRoom[];
  /** Pairs dropped because a player had left the queue (another matcher got there first, or Dequeue). */
  skipped: number;
  /** Pairs left queued because no live server had room. */
  unplaced: number;
}

/** A region the match loop runs passes for. */
export interface ActiveRegion {
  region: string;
  /** When a player last enqueued in it (ms). */
  lastEnqueueMs: number;
}

/**
 * The regions' queues: which regions have players, and per region: read the queue, claim pairs from
 * it, time out the players who waited too long. Every script call touches one region's keys.
 */
export class MatchStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
    private readonly ttl: { roomMapSec: number; outcomeSec: number },
    /** Whether claims return each player's enqueue traceparent (when this process traces). */
    private readonly readEnqueueTraces = false,
  ) {}

  /** The regions that may have queued players (match:regions). */
  async activeRegions(): Promise<ActiveRegion[]> {
    const flat = await this.redis.zrange(this.keys.activeRegions(), 0, -1, 'WITHSCORES');
    const regions: ActiveRegion[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) regions.push({ region: flat[i]!, lastEnqueueMs: Number(flat[i + 1]) });
    return regions;
  }

  /** Drops a region whose queue was found empty, unless a player enqueued in it after the cut-off. */
  async forgetRegion(region: string, cutoffMs: number): Promise<boolean> {
    return Number(await runScript(this.redis, 'forget-region', [this.keys.activeRegions()], [region, cutoffMs])) === 1;
  }

  /** Every player queued in the region, sorted by MMR, with enqueue times, read in one MULTI. */
  async readQueue(region: string): Promise<QueuedPlayer[]> {
    const replies = await this.redis
      .multi()
      .zrange(this.keys.region(region).queue(), 0, -1, 'WITHSCORES')
      .zrange(this.keys.region(region).waiting(), 0, -1, 'WITHSCORES')
      .exec();
    const byMmr = (replies?.[0]?.[1] ?? []) as string[];
    const byTime = (replies?.[1]?.[1] ?? []) as string[];
    const enqueuedAt = new Map<string, number>();
    for (let i = 0; i + 1 < byTime.length; i += 2) enqueuedAt.set(byTime[i]!, Number(byTime[i + 1]));
    const players: QueuedPlayer[] = [];
    for (let i = 0; i + 1 < byMmr.length; i += 2) {
      const playerId = byMmr[i]!;
      players.push({ playerId, mmr: Number(byMmr[i + 1]), enqueuedAtMs: enqueuedAt.get(playerId) ?? 0 });
    }
    return players;
  }

  /** Number of players in each region's queue (each region's in its own slot: one command each, auto-pipelined). */
  async sizes(regions: readonly string[]): Promise<number[]> {
    return Promise.all(regions.map((region) => this.redis.zcard(this.keys.region(region).queue())));
  }

  /** Claims proposed rooms of one region, on that region's servers, in one atomic script call. */
  async claim(region: string, rooms: readonly ProposedRoom[], nowMs: number): Promise<ClaimOutcome> {
    const r = this.keys.region(region);
    const args: (string | number)[] = [r.prefix, nowMs, this.ttl.roomMapSec, this.keys.ticketEvents(), this.readEnqueueTraces ? '1' : '0', region];
    for (const { roomId, left, right } of rooms) {
      args.push(roomId, left.playerId, right.playerId, left.enqueuedAtMs, right.enqueuedAtMs);
    }
    const reply = (await runScript(this.redis, 'claim-pairs', [r.queue(), r.waiting(), r.roomServerLoad()], args)) as (
      | string
      | number
    )[];
    const proposedById = new Map(rooms.map((room) => [room.roomId, room]));
    const claimed: ClaimedRoom[] = [];
    for (let i = 2; i + 3 < reply.length; i += 4) {
      const proposed = proposedById.get(String(reply[i]));
      if (proposed) claimed.push({ ...proposed, region, claimedAtMs: nowMs, addr: String(reply[i + 1]), enqueueTraces: [String(reply[i + 2]), String(reply[i + 3])] });
    }
    return { claimed, skipped: Number(reply[0]), unplaced: Number(reply[1]) };
  }

  /** Times out up to `limit` players of the region enqueued at or before the cut-off; returns how many. */
  async expireWaiting(region: string, cutoffMs: number, nowMs: number, limit: number): Promise<number> {
    const r = this.keys.region(region);
    const expired = await runScript(
      this.redis,
      'expire-waiting',
      [r.queue(), r.waiting()],
      [r.prefix, cutoffMs, nowMs, this.ttl.outcomeSec, this.keys.ticketEvents(), limit],
    );
    return Number(expired);
  }
}
