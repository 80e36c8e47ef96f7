import type { Redis } from 'ioredis';
import type { Keys } from '../shared/redis/keys.js';
import { runScript } from '../shared/redis/scripts.js';

export type TicketState = 'not_queued' | 'queued' | 'assigned' | 'timed_out' | 'dequeued' | 'ended';

/** A player's room as stored in room_map:<player>. */
export interface AssignmentRecord {
  roomId: string;
  addr: string;
  opponentId: string;
  slot: 'left' | 'right';
  assignedAtMs: number;
}

/** Where a player stands, read from Redis in one atomic step. */
export interface TicketView {
  state: TicketState;
  changedAtMs: number;
  assignment?: AssignmentRecord;
}

const storedStates: ReadonlySet<string> = new Set(['queued', 'assigned', 'timed_out', 'dequeued', 'ended']);

/** The queue entry and ticket of one player: enqueue, dequeue and read, each one atomic Redis step. */
export class TicketStore {
  constructor(
    private readonly redis: Redis,
    private readonly keys: Keys,
    private readonly ticketTtlSec: number,
  ) {}

  /** Queues the player unless already queued or assigned; `created` says whether anything changed. */
  async enqueue(playerId: string, mmr: number, nowMs: number): Promise<{ state: 'queued' | 'assigned'; created: boolean }> {
    const k = this.keys;
    const [state, created] = (await runScript(
      this.redis,
      'enqueue',
      [k.queue(), k.waiting(), k.ticket(playerId), k.roomMap(playerId)],
      [playerId, mmr, nowMs, this.ticketTtlSec, k.ticketEvents()],
    )) as ['queued' | 'assigned', number];
    return { state, created: created === 1 };
  }

  /** Takes the player out of the queue; false when the player was not queued. */
  async dequeue(playerId: string, nowMs: number): Promise<boolean> {
    const k = this.keys;
    const removed = await runScript(
      this.redis,
      'dequeue',
      [k.queue(), k.waiting(), k.ticket(playerId)],
      [playerId, nowMs, this.ticketTtlSec, k.ticketEvents()],
    );
    return removed === 1;
  }

  /** Reads the ticket and the assignment together (MULTI), so the two never disagree. */
  async read(playerId: string): Promise<TicketView> {
    const replies = await this.redis
      .multi()
      .hgetall(this.keys.ticket(playerId))
      .hgetall(this.keys.roomMap(playerId))
      .exec();
    const ticket = (replies?.[0]?.[1] ?? {}) as Record<string, string>;
    const roomMap = (replies?.[1]?.[1] ?? {}) as Record<string, string>;
    const changedAtMs = Number(ticket.changed_at ?? 0);
    if (roomMap.room_id !== undefined) {
      return { state: 'assigned', changedAtMs, assignment: toAssignment(roomMap) };
    }
    const stored = ticket.status;
    if (stored === undefined || !storedStates.has(stored) || stored === 'assigned') {
      // An assignment whose room_map has expired is over as far as the player can tell.
      return { state: stored === 'assigned' ? 'ended' : 'not_queued', changedAtMs };
    }
    return { state: stored as TicketState, changedAtMs };
  }
}

function toAssignment(map: Record<string, string>): AssignmentRecord {
  return {
    roomId: map.room_id ?? '',
    addr: map.addr ?? '',
    opponentId: map.opponent_id ?? '',
    slot: map.slot === 'right' ? 'right' : 'left',
    assignedAtMs: Number(map.assigned_at ?? 0),
  };
}
