import { Slot } from '../../gen/mini/matcher/v1/matcher.js';
import { EndReason } from '../../gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus } from '../../gen/mini/room/v1/world.js';
import type { SimConfig } from './config.js';
import type { SimEvent, StepResult } from './events.js';
import { endGame, serve } from './rules.js';
import { cloneWorld, opponentOf, paddleOf, type PlayerSlot, type World } from './world.js';

/** Why a player cannot take a slot: another player holds it, or the game is over. */
export type JoinRefusal = 'slot-taken' | 'game-over';

/** The outcome of joinSlot. */
export type JoinResult = ({ ok: true } & StepResult) | { ok: false; refusal: JoinRefusal };

/**
 * Seats a player: takes an EMPTY slot, or gives a RECONNECTING player their own slot back. The game
 * starts (first serve counting down) once both slots are ACTIVE, and a paused game resumes after
 * the resume countdown once nobody is missing. Repeating the join of an ACTIVE player changes nothing.
 * The input sequence restarts at 0 because a new connection numbers its inputs afresh.
 */
export function joinSlot(state: World, slot: PlayerSlot, playerId: string, config: SimConfig): JoinResult {
  if (state.phase === RoomPhase.ROOM_PHASE_ENDED) return { ok: false, refusal: 'game-over' };
  const held = paddleOf(state, slot);
  if (held.status !== SlotStatus.SLOT_STATUS_EMPTY && held.playerId !== playerId) return { ok: false, refusal: 'slot-taken' };
  const world = cloneWorld(state);
  const events: SimEvent[] = [];
  if (held.status === SlotStatus.SLOT_STATUS_ACTIVE) return { ok: true, state: world, events };

  const paddle = paddleOf(world, slot);
  const rejoining = paddle.status === SlotStatus.SLOT_STATUS_RECONNECTING;
  Object.assign(paddle, { playerId, status: SlotStatus.SLOT_STATUS_ACTIVE, lastInputSeq: 0, disconnectedAtTick: 0 });
  events.push(rejoining ? { kind: 'reconnected', tick: world.tick, slot } : { kind: 'joined', tick: world.tick, slot, playerId });

  const bothActive = world.left.status === SlotStatus.SLOT_STATUS_ACTIVE && world.right.status === SlotStatus.SLOT_STATUS_ACTIVE;
  if (bothActive && world.phase === RoomPhase.ROOM_PHASE_WAITING_FOR_PLAYERS) {
    world.phase = RoomPhase.ROOM_PHASE_PLAYING;
    serve(world, config);
    events.push({ kind: 'started', tick: world.tick });
  } else if (bothActive && world.phase === RoomPhase.ROOM_PHASE_PAUSED) {
    world.phase = RoomPhase.ROOM_PHASE_PLAYING;
    world.countdownTicks = Math.max(world.countdownTicks, config.resumeCountdownTicks);
    events.push({ kind: 'resumed', tick: world.tick, pausedTicks: world.tick - world.pausedAtTick });
  }
  return { ok: true, state: world, events };
}

/**
 * Marks an ACTIVE player as gone silent. A running game is held fairly: PAUSED, nothing moves, and
 * the pause start is recorded. The player forfeits if they are not back within the reconnect grace
 * (checked by step). Does nothing for a slot that is not ACTIVE or a game that is over.
 */
export function markReconnecting(state: World, slot: PlayerSlot): StepResult {
  const world = cloneWorld(state);
  const events: SimEvent[] = [];
  const paddle = paddleOf(world, slot);
  if (world.phase === RoomPhase.ROOM_PHASE_ENDED || paddle.status !== SlotStatus.SLOT_STATUS_ACTIVE) return { state: world, events };
  paddle.status = SlotStatus.SLOT_STATUS_RECONNECTING;
  paddle.disconnectedAtTick = world.tick;
  events.push({ kind: 'disconnected', tick: world.tick, slot });
  if (world.phase === RoomPhase.ROOM_PHASE_PLAYING) {
    world.phase = RoomPhase.ROOM_PHASE_PAUSED;
    world.pausedAtTick = world.tick;
    events.push({ kind: 'paused', tick: world.tick });
  }
  return { state: world, events };
}

/**
 * A player leaves for good (an explicit Disconnect): their slot is not held. In a started game the
 * opponent wins by forfeit; a game that never started is abandoned. Does nothing for an empty slot
 * or a game that is over.
 */
export function forfeitSlot(state: World, slot: PlayerSlot): StepResult {
  const world = cloneWorld(state);
  const events: SimEvent[] = [];
  const paddle = paddleOf(world, slot);
  if (world.phase === RoomPhase.ROOM_PHASE_ENDED || paddle.status === SlotStatus.SLOT_STATUS_EMPTY) return { state: world, events };
  paddle.status = SlotStatus.SLOT_STATUS_FORFEITED;
  if (world.phase === RoomPhase.ROOM_PHASE_WAITING_FOR_PLAYERS) endGame(world, Slot.SLOT_UNSPECIFIED, EndReason.END_REASON_ABANDONED, events);
  else endGame(world, opponentOf(slot), EndReason.END_REASON_FORFEIT, events);
  return { state: world, events };
}

/** Ends a game that never started because its players did not all turn up in time: nobody wins. */
export function abandonGame(state: World): StepResult {
  const world = cloneWorld(state);
  const events: SimEvent[] = [];
  if (world.phase !== RoomPhase.ROOM_PHASE_ENDED) endGame(world, Slot.SLOT_UNSPECIFIED, EndReason.END_REASON_ABANDONED, events);
  return { state: world, events };
}
