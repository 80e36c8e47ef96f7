import type { Redis } from 'ioredis';
import type { Keys } from '../shared/redis/keys.js';
import type { ReplicaAcks } from '../shared/redis/replica-ack.js';
import { AppError } from '../shared/errors.js';
import { runScript } from '../shared/redis/scripts.js';

export type TicketState = 'not_queued' | 'queued' | 'assigned' | 'timed_out' | 'dequeued' | 'ended';

/** A player's room as stored in room_map:<player>. */
export interface AssignmentRecord {
  roomId: string;
  addr: string;
  opponentId: string;
  slot: 'left' | 'right';
  assignedAtMs: number;
  /** The room's placement epoch: 0 until it first moves to another server. */
  epoch: number;
}

/** Where a player stands, read from Redis in one atomic step. */
export interface TicketView {
  state: TicketState;
  changedAtMs: number;
  assignment?: AssignmentRecord;
}

/** How a ticket can end, as stored in match:outcome:<player>. */
const outcomeStates: ReadonlySet<string> = new Set(['timed_out', 'dequeued', 'ended']);

/** One player's place in matchmaking: enqueue, dequeue and read, each one atomic Redis step. */
export class TicketStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    /** Enqueue and dequeue are on replicas before the caller hears of them. */
    private readonly acks: ReplicaAcks,
    private readonly outcomeTtlSec: number,
  ) {}

  /**
   * Queues the player in the region unless already queued (in any region) or assigned; `created` says
   * whether anything changed.
   */
  async enqueue(
    playerId: string,
    mmr: number,
    region: string,
    nowMs: number,
    traceParent = '',
  ): Promise<{ state: 'queued' | 'assigned'; created: boolean }> {
    const k = this.keys;
    // The region is listed for the match loop before the player is queued (same connection, sent in
    // order, one round trip): a queued player's region is always in the active set.
    const listed = this.redis.zadd(k.activeRegions(), nowMs, region);
    const enqueued = runScript(
      this.redis,
      'enqueue',
      [k.queue(region), k.waiting(region), k.outcome(playerId), k.roomMap(playerId), k.enqueueTrace(playerId), k.ticket(playerId)],
      [playerId, mmr, nowMs, k.ticketEvents(), traceParent, this.outcomeTtlSec, region],
    );
    const [, reply] = await Promise.all([listed, enqueued]);
    const [state, created] = reply as ['queued' | 'assigned', number];
    await this.acks.confirm();
    return { state, created: created === 1 };
  }

  /** Takes the player out of their region's queue; false when the player was not queued. */
  async dequeue(playerId: string, nowMs: number): Promise<boolean> {
    const k = this.keys;
    // The ticket names the region; the script checks it again (the player may have been matched and
    // queued elsewhere between the two steps: then read it again).
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const region = await this.redis.hget(k.ticket(playerId), 'region');
      if (region === null) return false;
      const removed = Number(
        await runScript(
          this.redis,
          'dequeue',
          [k.queue(region), k.waiting(region), k.outcome(playerId), k.ticket(playerId)],
          [playerId, nowMs, this.outcomeTtlSec, k.ticketEvents(), region],
        ),
      );
      if (removed >= 0) {
        await this.acks.confirm();
        return removed === 1;
      }
    }
    throw new AppError('unavailable', 'the ticket kept changing region: try again');
  }

  /**
   * Resolves once replicas hold everything read so far (another replica's claim, a move): call it
   * before telling a player what a read found, so nothing a player was told vanishes in a failover.
   */
  confirmRead(): Promise<void> {
    return this.acks.confirm();
  }

  /**
   * Where the player stands, read in one atomic step (read-ticket.lua, which Redis runs even while it
   * refuses writes): assigned (room_map), else queued (queue entry), else how the last ticket ended
   * (outcome), else not queued.
   */
  async read(playerId: string): Promise<TicketView> {
    const k = this.keys;
    const [mapFields, enqueuedAt, outcomeFields] = (await runScript(this.redis, 'read-ticket', [k.roomMap(playerId), k.ticket(playerId), k.outcome(playerId)], [])) as [
      string[],
      string | null,
      string[],
    ];
    const roomMap = fieldsOf(mapFields);
    const outcome = fieldsOf(outcomeFields);
    if (roomMap.room_id !== undefined) {
      const assignment = toAssignment(roomMap);
      return { state: 'assigned', changedAtMs: assignment.assignedAtMs, assignment };
    }
    if (enqueuedAt != null) return { state: 'queued', changedAtMs: Number(enqueuedAt) };
    const status = outcome.status;
    if (status === undefined || !outcomeStates.has(status)) return { state: 'not_queued', changedAtMs: 0 };
    return { state: status as TicketState, changedAtMs: Number(outcome.changed_at ?? 0) };
  }
}

/** A hash read by a script (HGETALL's flat field, value list) as an object. */
function fieldsOf(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

function toAssignment(map: Record<string, string>): AssignmentRecord {
  return {
    roomId: map.room_id ?? '',
    addr: map.addr ?? '',
    opponentId: map.opponent_id ?? '',
    slot: map.slot === 'right' ? 'right' : 'left',
    assignedAtMs: Number(map.assigned_at ?? 0),
    epoch: Number(map.epoch ?? 0),
  };
}
