import type { Logger } from 'pino';
import { Slot, slotToJSON } from '../gen/mini/matcher/v1/matcher.js';
import { RefusedReason, RoomEventKind, type Packet, type Welcome } from '../gen/mini/room/v1/packets.js';
import { endReasonToJSON, type GameResult } from '../gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus } from '../gen/mini/room/v1/world.js';
import { samePeer, type Peer } from './net/peer.js';
import type { RoomRules } from './room-rules.js';
import { eventPacket, gameResultOf, roomInfoOf, snapshotPacket, type RoomInfoView } from './room-views.js';
import type { Seat, Seats } from './seats.js';
import { TICK_RATE_HZ } from './sim/config.js';
import type { StepResult } from './sim/events.js';
import { abandonGame, forfeitSlot, joinSlot, markReconnecting } from './sim/slots.js';
import { step } from './sim/step.js';
import { opponentOf, paddleOf, type PlayerSlot, type World } from './sim/world.js';
import type { RoomServerStats } from './stats.js';

/** What a room needs from its host. */
export interface SessionDeps {
  rules: RoomRules;
  send: (peer: Peer, packet: Packet) => void;
  stats: RoomServerStats;
  seats: Seats;
  log: Logger;
}

/** A player asking for their seat, with what their connect token says. */
export interface SeatRequest {
  slot: PlayerSlot;
  playerId: string;
  opponentId: string;
  peer: Peer;
  /** The token's nonce: a repeat of the same connect gets the same Welcome. */
  nonce: string;
  /** When the Matcher issued the token: an older token than the seat's cannot take it back. */
  issuedAtMs: number;
  nowMs: number;
}

/** The answer to a SeatRequest. */
export type SeatOutcome = { welcome: Welcome } | { refuse: RefusedReason; drop: 'room_gone' | 'seat_taken' };

/** What one tick of a room produced for the host. */
export interface RoomTick {
  /** The world is due for a checkpoint (every interval, and once at the end). */
  checkpoint: boolean;
  /** Set once, on the first tick after the game ended. */
  ended?: GameResult;
  /** The room has ended and lingered; the host forgets it. */
  finished: boolean;
}

const gameEndedRepeatTicks = TICK_RATE_HZ / 2;

/**
 * One room: its world and the rules around the pure sim (silence, takeover, abandonment, linger).
 * Takes connects, inputs and departures, sends packets through `send`, and tells the host what to
 * persist and report. No clock of its own: the host passes the (monotonic) time in.
 */
export class RoomSession {
  private lingerTicks: number;
  private unreported: GameResult | undefined;
  private infoWritten = '';
  /** Who the tokens say sits where: a token must agree with the ones before it. */
  private readonly expected = new Map<PlayerSlot, string>();
  /** Issue time of the token each seat was last taken with. */
  private readonly newestTokenMs = new Map<PlayerSlot, number>();

  constructor(
    public world: World,
    private readonly deps: SessionDeps,
  ) {
    this.lingerTicks = deps.rules.lingerTicks;
    // A restored room starts with nobody connected: hold the game for the players the checkpoint had seated.
    for (const slot of [Slot.SLOT_LEFT, Slot.SLOT_RIGHT] as const) this.apply(markReconnecting(this.world, slot));
  }

  get roomId(): string {
    return this.world.roomId;
  }

  /** Seats a player: a first join, a reconnect, or a takeover of their own seat by a new connection. */
  seat(request: SeatRequest): SeatOutcome {
    const { slot, playerId, peer, nonce, nowMs } = request;
    if (this.world.phase === RoomPhase.ROOM_PHASE_ENDED) return { refuse: RefusedReason.REFUSED_REASON_ROOM_GONE, drop: 'room_gone' };
    const other = opponentOf(slot);
    const holder = this.expected.get(slot) || paddleOf(this.world, slot).playerId;
    const opponent = this.expected.get(other) || paddleOf(this.world, other).playerId;
    if ((holder && holder !== playerId) || (opponent && opponent !== request.opponentId)) {
      return { refuse: RefusedReason.REFUSED_REASON_SEAT_TAKEN, drop: 'seat_taken' };
    }
    const current = this.deps.seats.get(this.roomId, slot);
    if (current && current.nonce === nonce && samePeer(current.peer, peer)) return { welcome: current.welcome };
    // Only a newer token takes a seat over, so a replayed old token cannot snatch it back again and again.
    if (request.issuedAtMs < (this.newestTokenMs.get(slot) ?? 0)) {
      return { refuse: RefusedReason.REFUSED_REASON_SEAT_TAKEN, drop: 'seat_taken' };
    }
    // A new connection for a seat in use: the player is back before the silence timeout noticed.
    if (current) this.deps.seats.release(current);
    this.apply(markReconnecting(this.world, slot));
    const joined = joinSlot(this.world, slot, playerId, this.deps.rules.sim);
    if (!joined.ok) return { refuse: RefusedReason.REFUSED_REASON_ROOM_GONE, drop: 'room_gone' };
    const resumed = joined.events.some((e) => e.kind === 'reconnected');
    this.apply(joined);
    this.expected.set(slot, playerId);
    this.expected.set(other, request.opponentId);
    this.newestTokenMs.set(slot, request.issuedAtMs);
    const { tick } = this.world;
    const lastInputSeq = paddleOf(this.world, slot).lastInputSeq;
    const welcome = { roomId: this.roomId, slot, connectionId: 0, tick, ticksPerSecond: TICK_RATE_HZ, resumed, lastInputSeq };
    const seat = this.deps.seats.bind(this.roomId, slot, peer, nonce, nowMs, welcome);
    const fields = { room_id: this.roomId, player_id: playerId, slot: slotToJSON(slot), resumed, tick };
    this.deps.log.info(fields, resumed ? 'player reconnected' : 'player joined');
    return { welcome: seat.welcome };
  }

  /** A player left for good (Disconnect): the seat is not held, they forfeit. */
  leave(seat: Seat): void {
    this.deps.seats.release(seat);
    this.deps.log.info(this.seatFields(seat), 'player left');
    this.apply(forfeitSlot(this.world, seat.slot));
  }

  /** Advances the room one tick at time nowMs (monotonic). */
  tick(nowMs: number): RoomTick {
    if (this.world.phase === RoomPhase.ROOM_PHASE_ENDED) return this.linger();
    const { rules, seats } = this.deps;
    for (const seat of seats.of(this.roomId)) {
      if (nowMs - seat.lastHeardMs <= rules.silenceTimeoutMs) continue;
      seats.release(seat);
      this.deps.log.info(this.seatFields(seat), 'player went silent');
      this.apply(markReconnecting(this.world, seat.slot));
    }
    if (this.world.phase === RoomPhase.ROOM_PHASE_WAITING_FOR_PLAYERS && this.world.tick >= rules.abandonTicks) {
      this.apply(abandonGame(this.world));
    }
    const away = this.countSlots(SlotStatus.SLOT_STATUS_RECONNECTING);
    const left = seats.get(this.roomId, Slot.SLOT_LEFT)?.inputs.next(this.world.left.lastInputSeq);
    const right = seats.get(this.roomId, Slot.SLOT_RIGHT)?.inputs.next(this.world.right.lastInputSeq);
    this.apply(step(this.world, { left, right }, rules.sim));
    const ended = this.takeUnreported();
    if (ended && away > 0) this.deps.stats.reconnectFailed(Math.min(away, this.countSlots(SlotStatus.SLOT_STATUS_FORFEITED)));
    this.sendSnapshots();
    return { checkpoint: ended !== undefined || this.world.tick % rules.checkpointIntervalTicks === 0, ended, finished: false };
  }

  /** The info view when it changed since the last call, for `room:<id>:info`. */
  takeInfoChange(): RoomInfoView | undefined {
    if (this.world.phase === RoomPhase.ROOM_PHASE_ENDED) return undefined;
    const view = roomInfoOf(this.world, this.deps.seats.of(this.roomId).length);
    const key = `${view.status}/${view.playerCount}`;
    if (key === this.infoWritten) return undefined;
    this.infoWritten = key;
    return view;
  }

  /** Takes a slot change or step: the new world, and tells the players what they must know about it. */
  private apply(result: StepResult): void {
    this.world = result.state;
    for (const event of result.events) {
      if (event.kind === 'disconnected' || event.kind === 'reconnected') {
        const away = event.kind === 'disconnected';
        const kind = away ? RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTING : RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED;
        const opponent = this.deps.seats.get(this.roomId, opponentOf(event.slot));
        if (opponent) this.deps.send(opponent.peer, eventPacket(kind, event.slot, event.tick));
        if (!away) this.deps.stats.reconnected();
      } else if (event.kind === 'ended') {
        const result = (this.unreported = gameResultOf(this.world));
        this.broadcast(eventPacket(RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED, Slot.SLOT_UNSPECIFIED, event.tick, result));
        this.deps.stats.gameEnded();
        this.deps.log.info({ room_id: this.roomId, reason: endReasonToJSON(result.reason), winner_id: result.winnerId, ticks: result.ticks }, 'game ended');
      }
    }
  }

  /** An ended room keeps sending its final state for a while, so the players learn how it ended. */
  private linger(): RoomTick {
    const ended = this.takeUnreported();
    this.lingerTicks -= 1;
    this.sendSnapshots();
    if (this.lingerTicks % gameEndedRepeatTicks === 0) {
      this.broadcast(eventPacket(RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED, Slot.SLOT_UNSPECIFIED, this.world.tick, gameResultOf(this.world)));
    }
    const finished = this.lingerTicks <= 0;
    if (finished) for (const seat of this.deps.seats.of(this.roomId)) this.deps.seats.release(seat);
    return { checkpoint: ended !== undefined, ended, finished };
  }

  private takeUnreported(): GameResult | undefined {
    const ended = this.unreported;
    this.unreported = undefined;
    return ended;
  }

  private seatFields(seat: Seat): object {
    return { room_id: this.roomId, player_id: paddleOf(this.world, seat.slot).playerId, slot: slotToJSON(seat.slot), tick: this.world.tick };
  }

  private countSlots(status: SlotStatus): number {
    return [this.world.left, this.world.right].filter((p) => p.status === status).length;
  }

  private sendSnapshots(): void {
    for (const seat of this.deps.seats.of(this.roomId)) this.deps.send(seat.peer, snapshotPacket(this.world, seat.slot));
  }

  private broadcast(packet: Packet): void {
    for (const seat of this.deps.seats.of(this.roomId)) this.deps.send(seat.peer, packet);
  }
}
