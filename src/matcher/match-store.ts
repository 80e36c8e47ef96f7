import type { Redis } from 'ioredis';
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
  addr: string;
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

/** The queue as a whole: read it, claim pairs from it, time out the players who waited too long. */
export class MatchStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ttl: { roomMapSec: number; outcomeSec: number },
    /** Whether claims return each player's enqueue traceparent (when this process traces). */
    private readonly readEnqueueTraces = false,
  ) {}

  /** Every queued player, sorted by MMR, with enqueue times, read in one MULTI. */
  async readQueue(): Promise<QueuedPlayer[]> {
    const replies = await this.redis
      .multi()
      .zrange(this.keys.queue(), 0, -1, 'WITHSCORES')
      .zrange(this.keys.waiting(), 0, -1, 'WITHSCORES')
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

  /** Number of players in the queue. */
  async size(): Promise<number> {
    return this.redis.zcard(this.keys.queue());
  }

  /** Claims the proposed rooms in one atomic script call. */
  async claim(rooms: readonly ProposedRoom[], nowMs: number): Promise<ClaimOutcome> {
    const k = this.keys;
    const args: (string | number)[] = [k.prefix, nowMs, this.ttl.roomMapSec, k.ticketEvents(), this.readEnqueueTraces ? '1' : '0'];
    for (const { roomId, left, right } of rooms) {
      args.push(roomId, left.playerId, right.playerId, left.enqueuedAtMs, right.enqueuedAtMs);
    }
    const reply = (await runScript(this.redis, 'claim-pairs', [k.queue(), k.waiting(), k.roomServerLoad()], args)) as (
      | string
      | number
    )[];
    const proposedById = new Map(rooms.map((room) => [room.roomId, room]));
    const claimed: ClaimedRoom[] = [];
    for (let i = 2; i + 3 < reply.length; i += 4) {
      const proposed = proposedById.get(String(reply[i]));
      if (proposed) claimed.push({ ...proposed, addr: String(reply[i + 1]), enqueueTraces: [String(reply[i + 2]), String(reply[i + 3])] });
    }
    return { claimed, skipped: Number(reply[0]), unplaced: Number(reply[1]) };
  }

  /** Times out up to `limit` players enqueued at or before the cut-off; returns how many. */
  async expireWaiting(cutoffMs: number, nowMs: number, limit: number): Promise<number> {
    const k = this.keys;
    const expired = await runScript(
      this.redis,
      'expire-waiting',
      [k.queue(), k.waiting()],
      [k.prefix, cutoffMs, nowMs, this.ttl.outcomeSec, k.ticketEvents(), limit],
    );
    return Number(expired);
  }
}
