import type { Logger } from 'pino';
import { EndReason, endReasonToJSON, type GameResult } from '../gen/mini/room/v1/registry.js';
import { RoomPhase } from '../gen/mini/room/v1/world.js';
import { roomStatus } from '../shared/redis/contract.js';
import type { EndReporter } from './end-reporter.js';
import type { RoomHost } from './room-host.js';
import type { AssignedRoom, RoomStore } from './room-store.js';
import { gameResultOf } from './room-views.js';

/** What the sweep works with. */
export interface SweepDeps {
  store: RoomStore;
  host: RoomHost;
  reporter: EndReporter;
  /** True while a connect is loading the room. */
  isLoading: (roomId: string) => boolean;
  abandonTimeoutMs: number;
  log: Logger;
}

/**
 * Ends the rooms the Matcher assigned here that are not running in this process: abandoned (nobody
 * connected before the timeout, and no checkpoint to restore), or found ended in their final
 * checkpoint (the process died before reporting). Either way ReportRoomEnded frees the slot.
 */
export async function sweepAssignedRooms(deps: SweepDeps, nowMs: number): Promise<void> {
  const unknown = (roomId: string): boolean =>
    !deps.host.has(roomId) && !deps.host.isOver(roomId) && !deps.isLoading(roomId) && !deps.reporter.isPending(roomId);
  const ids = (await deps.store.assignedRoomIds()).filter(unknown);
  const rooms = await Promise.all(ids.map((roomId) => deps.store.assignedRoom(roomId)));
  for (const room of rooms) {
    const result = endOf(room, nowMs, deps.abandonTimeoutMs);
    // Re-checked now: a player may have connected while Redis was being read.
    if (!result || !unknown(room.roomId)) continue;
    deps.host.markOver(room.roomId);
    deps.reporter.enqueue(room.roomId, result);
    deps.log.info({ room_id: room.roomId, reason: endReasonToJSON(result.reason) }, 'ending an assigned room that is not running');
  }
}

function endOf(room: AssignedRoom, nowMs: number, abandonTimeoutMs: number): GameResult | undefined {
  if (room.status === roomStatus.ended) return undefined;
  if (room.checkpoint) return room.checkpoint.phase === RoomPhase.ROOM_PHASE_ENDED ? gameResultOf(room.checkpoint) : undefined;
  if (nowMs - room.createdAtMs < abandonTimeoutMs) return undefined;
  return { reason: EndReason.END_REASON_ABANDONED, winnerId: '', scores: [], ticks: 0 };
}
