import { Slot } from '../gen/mini/matcher/v1/matcher.js';
import { RoomEventKind, type Packet, type PaddleView } from '../gen/mini/room/v1/packets.js';
import type { GameResult } from '../gen/mini/room/v1/registry.js';
import { roomStatus, type RunningRoomStatus } from '../shared/redis/contract.js';
import { RoomPhase, type PaddleState } from '../gen/mini/room/v1/world.js';
import { paddleOf, type PlayerSlot, type World } from './sim/world.js';

// Conversions from the sim's world to what players and the registry are told.

/** The snapshot a player in `slot` gets after a tick. */
export function snapshotPacket(world: World, slot: PlayerSlot): Packet {
  return {
    snapshot: {
      tick: world.tick,
      phase: world.phase,
      ball: world.ball,
      left: paddleView(world.left),
      right: paddleView(world.right),
      countdownTicks: world.countdownTicks,
      lastInputSeq: paddleOf(world, slot).lastInputSeq,
    },
  };
}

function paddleView(paddle: PaddleState): PaddleView {
  return { playerId: paddle.playerId, status: paddle.status, y: paddle.y, score: paddle.score };
}

/** A RoomEvent packet. */
export function eventPacket(kind: RoomEventKind, slot: Slot, tick: number, result?: GameResult): Packet {
  return { event: { kind, slot, tick, result } };
}

/** The result of an ended world, as ReportRoomEnded and GAME_ENDED carry it. */
export function gameResultOf(world: World): GameResult {
  const winner = world.winner === Slot.SLOT_LEFT || world.winner === Slot.SLOT_RIGHT ? paddleOf(world, world.winner).playerId : '';
  const scores = [world.left, world.right].filter((p) => p.playerId !== '').map((p) => ({ playerId: p.playerId, score: p.score }));
  return { reason: world.endReason, winnerId: winner, scores, ticks: world.tick };
}

/** What `room:<id>:info` says about a running room; ended rooms are marked by the Matcher. */
export interface RoomInfoView {
  status: RunningRoomStatus;
  playerCount: number;
  /** The placement the update is for: a room moved away since is not written. */
  placementEpoch: number;
}

/** The info view of a room that is not over. */
export function roomInfoOf(world: World, connectedPlayers: number): RoomInfoView {
  const status = world.phase === RoomPhase.ROOM_PHASE_PLAYING ? roomStatus.playing : world.phase === RoomPhase.ROOM_PHASE_PAUSED ? roomStatus.paused : roomStatus.waiting;
  return { status, playerCount: connectedPlayers, placementEpoch: world.placementEpoch };
}
