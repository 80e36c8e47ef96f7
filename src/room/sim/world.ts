import { Slot } from '../../gen/mini/matcher/v1/matcher.js';
import { EndReason } from '../../gen/mini/room/v1/registry.js';
import { RoomPhase, SlotStatus, type BallState, type PaddleState, type WorldState } from '../../gen/mini/room/v1/world.js';
import type { SimConfig } from './config.js';

/**
 * The state the simulation works on: the checkpoint message itself, with the sub-messages that proto3
 * leaves optional made required. decodeWorld checks them once, so the sim never deals with undefined.
 */
export type World = WorldState & { ball: BallState; left: PaddleState; right: PaddleState };

/** A side a player can sit on. */
export type PlayerSlot = Slot.SLOT_LEFT | Slot.SLOT_RIGHT;

/** The middle of a length, rounded down so positions stay integers. */
export function half(lengthUnits: number): number {
  return Math.floor(lengthUnits / 2);
}

/**
 * A fresh room waiting for its two players; the seed drives every serve direction of the game.
 * `placementEpoch` is the Matcher's placement of the room on this server (0 until it first moves).
 */
export function createWorld(roomId: string, config: SimConfig, seed: number, placementEpoch = 0): World {
  return {
    roomId,
    owner: '',
    epoch: 0,
    tick: 0,
    phase: RoomPhase.ROOM_PHASE_WAITING_FOR_PLAYERS,
    ball: { x: half(config.fieldWidthUnits), y: half(config.fieldHeightUnits), vx: 0, vy: 0 },
    left: emptyPaddle(config),
    right: emptyPaddle(config),
    scoreLimit: config.scoreLimit,
    countdownTicks: 0,
    // The generator works on uint32; any number the host passes maps onto one.
    rngState: seed >>> 0,
    pausedAtTick: 0,
    winner: Slot.SLOT_UNSPECIFIED,
    endReason: EndReason.END_REASON_UNSPECIFIED,
    placementEpoch,
  };
}

function emptyPaddle(config: SimConfig): PaddleState {
  return {
    playerId: '',
    status: SlotStatus.SLOT_STATUS_EMPTY,
    y: half(config.fieldHeightUnits),
    score: 0,
    lastInputSeq: 0,
    disconnectedAtTick: 0,
  };
}

/** A deep copy, which is what lets every public function leave its input untouched. */
export function cloneWorld(world: World): World {
  return { ...world, ball: { ...world.ball }, left: { ...world.left }, right: { ...world.right } };
}

/** The paddle of a slot (the same object, so a draft can be changed through it). */
export function paddleOf(world: World, slot: PlayerSlot): PaddleState {
  return slot === Slot.SLOT_LEFT ? world.left : world.right;
}

/** The other side of the table. */
export function opponentOf(slot: PlayerSlot): PlayerSlot {
  return slot === Slot.SLOT_LEFT ? Slot.SLOT_RIGHT : Slot.SLOT_LEFT;
}
