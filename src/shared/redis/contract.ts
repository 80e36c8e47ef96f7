/**
 * The values stored in Redis and the replies of the Lua scripts, as TypeScript reads them: one place
 * for what both services and the scripts agree on (the scripts' headers document the same values).
 * Key names are in keys.ts.
 */

/** `status` of `room:<id>:info`: the Matcher writes assigned and ended, the room server the others. */
export const roomStatus = { assigned: 'assigned', waiting: 'waiting', playing: 'playing', paused: 'paused', ended: 'ended' } as const;
export type RoomStatus = (typeof roomStatus)[keyof typeof roomStatus];

/** The statuses a room server reports while a room runs (update-room-info.lua). */
export type RunningRoomStatus = typeof roomStatus.waiting | typeof roomStatus.playing | typeof roomStatus.paused;

/** Whether a room's info says a game was under way (its state lives in the checkpoint). */
export function wasPlaying(status: string | null | undefined): boolean {
  return status === roomStatus.playing || status === roomStatus.paused;
}

/** `status` of `room_server:<addr>`: live takes rooms; draining hands them over and takes none. */
export const serverStatus = { live: 'live', draining: 'draining' } as const;

/** `status` of `match:outcome:<player>`: how a ticket ended. */
export const ticketOutcomes = ['timed_out', 'dequeued', 'ended'] as const;
export type TicketOutcome = (typeof ticketOutcomes)[number];

/** enqueue.lua's first reply element. */
export type EnqueueReply = 'queued' | 'assigned' | 'fenced';

/** retire-region.lua's reply. */
export type RetireRegionReply = 'queued' | 'assigned' | 'retired';

/** end-room.lua's return codes. */
export const endRoomReply = { 1: 'ended', 0: 'already_ended', [-1]: 'unknown_lease', [-2]: 'unknown_room', [-3]: 'other_server' } as const;
export type EndRoomReply = (typeof endRoomReply)[keyof typeof endRoomReply];

/** write-checkpoint.lua's code per room. */
export const checkpointReply = { 0: 'refused', 1: 'written', 2: 'fenced' } as const;
export type CheckpointReply = (typeof checkpointReply)[keyof typeof checkpointReply];

/** update-room-info.lua's return codes. */
export const roomInfoReply = { 1: 'updated', 2: 'fenced' } as const;

/** report-unreachable.lua's first reply element, by code (0 to 4). */
export const unreachableVerdicts = ['not_current', 'noted', 'server_on_time', 'revoked', 'already_gone'] as const;
export type UnreachableVerdictKind = (typeof unreachableVerdicts)[number];

/** A script's numeric reply as the name the table gives it; `fallback` for a code it does not list. */
export function replyName<T extends string>(table: Readonly<Record<number, T>>, code: unknown, fallback: T): T {
  return table[Number(code)] ?? fallback;
}
