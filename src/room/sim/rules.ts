import { Slot } from '../../gen/mini/matcher/v1/matcher.js';
import { EndReason } from '../../gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus, type PaddleState } from '../../gen/mini/room/v1/world.js';
import type { SimConfig } from './config.js';
import type { SimEvent } from './events.js';
import { nextRandom } from './rng.js';
import { half, paddleOf, type PlayerSlot, type World } from './world.js';

// Rules shared by step() and the slot helpers. Each changes a draft (a clone the caller owns).

/** Puts the ball in the centre with a seeded direction and starts the serve delay. */
export function serve(world: World, config: SimConfig): void {
  const { value, rngState } = nextRandom(world.rngState);
  const maxVy = config.serveMaxVerticalUnitsPerTick;
  world.rngState = rngState;
  world.ball = {
    x: half(config.fieldWidthUnits),
    y: half(config.fieldHeightUnits),
    vx: (value & 1) === 0 ? config.serveSpeedUnitsPerTick : -config.serveSpeedUnitsPerTick,
    vy: ((value >>> 1) % (2 * maxVy + 1)) - maxVy,
  };
  world.countdownTicks = config.serveDelayTicks;
}

/** Counts a point; the game ends when it reaches the limit, otherwise the ball is served again. */
export function score(world: World, scorer: PlayerSlot, config: SimConfig, events: SimEvent[]): void {
  paddleOf(world, scorer).score += 1;
  events.push({ kind: 'scored', tick: world.tick, slot: scorer, leftScore: world.left.score, rightScore: world.right.score });
  if (paddleOf(world, scorer).score >= world.scoreLimit) {
    endGame(world, scorer, EndReason.END_REASON_SCORE_LIMIT, events);
  } else {
    serve(world, config);
  }
}

/**
 * Ends the game for a player whose reconnect grace ran out: they forfeit and the opponent wins. With
 * nobody left to win (both gone at once, or the other slot never filled) the game is abandoned.
 */
export function expireGrace(world: World, config: SimConfig, events: SimEvent[]): void {
  const expired = (p: PaddleState): boolean =>
    p.status === SlotStatus.SLOT_STATUS_RECONNECTING && world.tick - p.disconnectedAtTick >= config.reconnectGraceTicks;
  const leftGone = expired(world.left);
  const rightGone = expired(world.right);
  if (!leftGone && !rightGone) return;
  if (leftGone) world.left.status = SlotStatus.SLOT_STATUS_FORFEITED;
  if (rightGone) world.right.status = SlotStatus.SLOT_STATUS_FORFEITED;
  const survivor = leftGone ? world.right : world.left;
  const survivorSlot = leftGone ? Slot.SLOT_RIGHT : Slot.SLOT_LEFT;
  const hasSurvivor = !(leftGone && rightGone) && survivor.status !== SlotStatus.SLOT_STATUS_EMPTY;
  if (hasSurvivor) endGame(world, survivorSlot, EndReason.END_REASON_FORFEIT, events);
  else endGame(world, Slot.SLOT_UNSPECIFIED, EndReason.END_REASON_ABANDONED, events);
}

/** Makes the game terminal with this winner (SLOT_UNSPECIFIED: nobody) and reason. */
export function endGame(world: World, winner: Slot, reason: EndReason, events: SimEvent[]): void {
  world.phase = RoomPhase.ROOM_PHASE_ENDED;
  world.winner = winner;
  world.endReason = reason;
  events.push({ kind: 'ended', tick: world.tick, winner, reason, leftScore: world.left.score, rightScore: world.right.score });
}
