import type { Snapshot } from '../gen/mini/room/v1/packets.js';
import { EndReason } from '../gen/mini/room/v1/registry.js';
import { RoomPhase } from '../gen/mini/room/v1/world.js';
import type { GameOver } from './game-events.js';

/** What the room is doing, for the line under the score. */
export function phaseText(snapshot: Snapshot | undefined, ticksPerSecond: number): string {
  switch (snapshot?.phase) {
    case RoomPhase.ROOM_PHASE_WAITING_FOR_PLAYERS:
      return 'waiting for the opponent to connect…';
    case RoomPhase.ROOM_PHASE_PLAYING:
      return snapshot.countdownTicks > 0 ? `serve in ${Math.ceil(snapshot.countdownTicks / ticksPerSecond)}…` : 'playing';
    case RoomPhase.ROOM_PHASE_PAUSED:
      return 'paused: a player is reconnecting…';
    case RoomPhase.ROOM_PHASE_ENDED:
      return 'game over';
    default:
      return '';
  }
}

const endReasons: Partial<Record<EndReason, string>> = {
  [EndReason.END_REASON_SCORE_LIMIT]: 'score limit',
  [EndReason.END_REASON_FORFEIT]: 'forfeit',
  [EndReason.END_REASON_ABANDONED]: 'abandoned',
};

/** "you won 5 : 3 (score limit)" and the like, from the player's point of view. */
export function gameOverText(over: GameOver, playerId: string | undefined): string {
  const result = over.result;
  if (!result) return over.reason === 'game_ended' ? 'game over' : `game over (${over.reason.replace('_', ' ')})`;
  const verdict = !result.winnerId ? 'nobody won' : result.winnerId === playerId ? 'you won' : 'you lost';
  const mine = result.scores.find((s) => s.playerId === playerId)?.score ?? 0;
  const theirs = result.scores.find((s) => s.playerId !== playerId)?.score ?? 0;
  const why = endReasons[result.reason];
  return `${verdict} ${mine} : ${theirs}${why ? ` (${why})` : ''}`;
}
