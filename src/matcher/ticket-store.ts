import type { RedisConnection } from '../shared/redis/client.js';
import type { Keys } from '../shared/redis/keys.js';
import type { ReplicaAcks } from '../shared/redis/replica-ack.js';
import { AppError } from '../shared/errors.js';
import { runScript } from '../shared/redis/scripts.js';
import { ticketOutcomes, type EnqueueReply, type RetireRegionReply, type TicketOutcome } from '../shared/redis/contract.js';

export type TicketState = 'not_queued' | 'queued' | 'assigned' | TicketOutcome;

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
  /** The region it was read in (null: the player never queued). */
  region: string | null;
}

/** How a ticket can end, as stored in match:outcome:<player>. */
const outcomeStates: ReadonlySet<string> = new Set(ticketOutcomes);

/**
 * How long a player's region pointer lasts without an enqueue: far longer than a ticket and a game,
 * so that it never lapses while the player is queued or playing (it would lose the region to retire).
 */
const playerRegionTtlSec = 7 * 86_400;
/** Rounds of read pointer → act: each lost round means a concurrent enqueue of the same player. */
const maxRegionRounds = 4;

/** The region a player's latest ticket was put in, and the generation of that choice. */
interface PlayerRegion {
  region: string | null;
  gen: number;
}

/**
 * One player's place in matchmaking: enqueue, dequeue and read. A ticket lives in its region's slot
 * (queue, ticket, assignment and outcome together), and the player's slot holds which region that is
 * (`player:{<p>}:region`, with a generation). A read follows the pointer. An enqueue in another region
 * first retires the old one (retire-region: only when the player is neither queued nor assigned there,
 * and from then on no enqueue of the old generation lands there), then moves the pointer
 * (compare-and-set), then queues with the new generation; an enqueue that meets a fence reads the
 * pointer again. So however enqueues of one player race, the player is queued in one region at most,
 * and a failure between steps leaves nothing half done that matters: a retired region with the pointer
 * unmoved is retired again, a moved pointer with no ticket is a player not queued.
 */
export class TicketStore {
  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: Keys,
    /** Enqueue and dequeue are on replicas before the caller hears of them. */
    private readonly acks: ReplicaAcks,
    private readonly outcomeTtlSec: number,
  ) {}

  /**
   * Queues the player in the region unless already queued or assigned (in this region or the one the
   * player is in: a repeat in another region keeps the first); `created` says whether anything changed.
   */
  async enqueue(
    playerId: string,
    mmr: number,
    region: string,
    nowMs: number,
    traceParent = '',
  ): Promise<{ state: 'queued' | 'assigned'; created: boolean }> {
    const k = this.keys;
    const r = k.region(region);
    for (let round = 0; round < maxRegionRounds; round += 1) {
      const pointer = await this.playerRegion(playerId);
      let gen = pointer.gen;
      if (pointer.region !== region) {
        if (pointer.region !== null) {
          const old = k.region(pointer.region);
          const standing = (await runScript(this.redis, 'retire-region', [old.ticket(playerId), old.roomMap(playerId), old.ticketFence(playerId)], [
            gen,
            this.outcomeTtlSec,
          ])) as RetireRegionReply;
          if (standing !== 'retired') {
            await this.acks.confirm(old.ticket(playerId));
            return { state: standing, created: false };
          }
        }
        gen = Number(await runScript(this.redis, 'set-player-region', [k.playerRegion(playerId)], [gen, region, playerRegionTtlSec]));
        if (gen < 0) continue;
      }
      // The region is listed for the match loop before the player is queued (awaited: on a cluster the
      // two are on different nodes, with no order between them), so a queued player's region is always
      // in the active set. A pointer kept as it was is renewed alongside (one set just now has its TTL).
      await Promise.all([
        this.redis.zadd(k.activeRegions(), nowMs, region),
        ...(pointer.region === region ? [this.redis.expire(k.playerRegion(playerId), playerRegionTtlSec)] : []),
      ]);
      const reply = await runScript(
        this.redis,
        'enqueue',
        [r.queue(), r.waiting(), r.outcome(playerId), r.roomMap(playerId), r.enqueueTrace(playerId), r.ticket(playerId), r.ticketFence(playerId)],
        [playerId, mmr, nowMs, k.ticketEvents(), traceParent, this.outcomeTtlSec, gen],
      );
      const [state, created] = reply as [EnqueueReply, number];
      if (state === 'fenced') continue;
      await this.acks.confirm(k.activeRegions(), k.playerRegion(playerId), r.queue());
      return { state, created: created === 1 };
    }
    throw new AppError('unavailable', 'the player is being queued in another region at the same time: try again');
  }

  /** Takes the player out of their region's queue; false when the player was not queued. */
  async dequeue(playerId: string, nowMs: number): Promise<boolean> {
    const { region } = await this.playerRegion(playerId);
    if (region === null) return false;
    const r = this.keys.region(region);
    const removed = await runScript(
      this.redis,
      'dequeue',
      [r.queue(), r.waiting(), r.outcome(playerId), r.ticket(playerId)],
      [playerId, nowMs, this.outcomeTtlSec, this.keys.ticketEvents()],
    );
    await this.acks.confirm(r.queue());
    return Number(removed) === 1;
  }

  /** The region the player's latest ticket was put in (null: never queued), with its generation. */
  async playerRegion(playerId: string): Promise<PlayerRegion> {
    const [region, gen] = await this.redis.hmget(this.keys.playerRegion(playerId), 'region', 'gen');
    return { region: region ?? null, gen: Number(gen ?? 0) };
  }

  /**
   * Resolves once replicas hold what `read` found for the player (another replica's claim, a move):
   * call it before telling a player what a read found, so nothing a player was told vanishes in a failover.
   */
  confirmRead(playerId: string, view: TicketView): Promise<void> {
    const k = this.keys;
    return this.acks.confirm(k.playerRegion(playerId), ...(view.region === null ? [] : [k.region(view.region).roomMap(playerId)]));
  }

  /**
   * Where the player stands, read in the player's region in one atomic step (read-ticket.lua, which
   * Redis runs even while it refuses writes): assigned (room_map), else queued (ticket), else how the
   * last ticket ended (outcome), else not queued.
   */
  async read(playerId: string): Promise<TicketView> {
    const { region } = await this.playerRegion(playerId);
    if (region === null) return { state: 'not_queued', changedAtMs: 0, region };
    const r = this.keys.region(region);
    const [mapFields, enqueuedAt, outcomeFields] = (await runScript(this.redis, 'read-ticket', [r.roomMap(playerId), r.ticket(playerId), r.outcome(playerId)], [])) as [
      string[],
      string | null,
      string[],
    ];
    const roomMap = fieldsOf(mapFields);
    const outcome = fieldsOf(outcomeFields);
    if (roomMap.room_id !== undefined) {
      const assignment = toAssignment(roomMap);
      return { state: 'assigned', changedAtMs: assignment.assignedAtMs, assignment, region };
    }
    if (enqueuedAt != null) return { state: 'queued', changedAtMs: Number(enqueuedAt), region };
    const status = outcome.status;
    if (status === undefined || !outcomeStates.has(status)) return { state: 'not_queued', changedAtMs: 0, region };
    return { state: status as TicketState, changedAtMs: Number(outcome.changed_at ?? 0), region };
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
