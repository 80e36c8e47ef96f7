import type { Redis } from 'ioredis';
import type { Keys } from '../shared/redis/keys.js';
import type { ReplicaAcks } from '../shared/redis/replica-ack.js';
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

  /** Queues the player unless already queued or assigned; `created` says whether anything changed. */
  async enqueue(
    playerId: string,
    mmr: number,
    nowMs: number,
    traceParent = '',
  ): Promise<{ state: 'queued' | 'assigned'; created: boolean }> {
    const k = this.keys;
    const [state, created] = (await runScript(
      this.redis,
      'enqueue',
      [k.queue(), k.waiting(), k.outcome(playerId), k.roomMap(playerId), k.enqueueTrace(playerId)],
      [playerId, mmr, nowMs, k.ticketEvents(), traceParent, this.outcomeTtlSec],
    )) as ['queued' | 'assigned', number];
    await this.acks.confirm();
    return { state, created: created === 1 };
  }

  /** Takes the player out of the queue; false when the player was not queued. */
  async dequeue(playerId: string, nowMs: number): Promise<boolean> {
    const k = this.keys;
    const removed = await runScript(
      this.redis,
      'dequeue',
      [k.queue(), k.waiting(), k.outcome(playerId)],
      [playerId, nowMs, this.outcomeTtlSec, k.ticketEvents()],
    );
    await this.acks.confirm();
    return removed === 1;
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
    const [mapFields, enqueuedAt, outcomeFields] = (await runScript(this.redis, 'read-ticket', [k.roomMap(playerId), k.waiting(), k.outcome(playerId)], [playerId])) as [
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
