import type { Logger } from 'pino';
import {
  EndReason,
  RoomRegistryService,
  endReasonToJSON,
  type RoomRegistryServer,
} from '../gen/mini/room/v1/registry.js';
import { AppError } from '../shared/errors.js';
import { bearerToken, unary, type CallContext } from '../shared/grpc/handlers.js';
import type { GrpcService } from '../shared/grpc/server.js';
import { regionOf } from '../shared/region.js';
import { safeEqual } from '../shared/secrets.js';
import type { FailoverLoop } from './failover-loop.js';
import type { RoomServerStore } from './room-server-store.js';

export interface RegistryDeps {
  store: RoomServerStore;
  failover: FailoverLoop;
  /**
   * Shortest checkpoint TTL a room server may register with: its checkpoints must outlive the lease
   * TTL and the move, or a failover finds nothing to restore.
   */
  minCheckpointTtlMs: number;
  /** The bearer key room servers present (derived from the shared room secret). */
  registryBearer: string;
  heartbeatIntervalMs: number;
  leaseTtlMs: number;
  now: () => number;
  log: Logger;
}

const addrPattern = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]{1,253}):(\d{1,5})$/;
/** A server id (`<region>.<uuid>`, up to 32 + 1 + 36) or a room id (a uuid). */
const idPattern = /^[A-Za-z0-9.-]{1,80}$/;

/** The RoomRegistry RPCs, hosted by the Matcher; only callers holding the registry key get in. */
export function registryService(deps: RegistryDeps): GrpcService {
  const { store, now, log } = deps;
  const authorize = (ctx: CallContext): void => {
    const token = bearerToken(ctx.metadata);
    if (token === undefined || !safeEqual(token, deps.registryBearer)) {
      throw new AppError('unauthenticated', 'room registry calls need the registry key');
    }
  };

  const implementation: RoomRegistryServer = {
    register: unary(log, 'Register', async (request, ctx) => {
      authorize(ctx);
      const port = Number(addrPattern.exec(request.addr)?.[2] ?? -1);
      if (port < 1 || port > 65535) throw new AppError('invalid_argument', 'addr must be host:port');
      if (!Number.isInteger(request.capacity) || request.capacity < 1 || request.capacity > 100000) {
        throw new AppError('invalid_argument', 'capacity must be 1 to 100000');
      }
      const region = regionOf(request.region ?? '');
      if (request.checkpointTtlMs > 0 && request.checkpointTtlMs < deps.minCheckpointTtlMs) {
        throw new AppError(
          'failed_precondition',
          `the room server's ROOM_CHECKPOINT_TTL_SEC (${request.checkpointTtlMs / 1000} s) must be at least ${deps.minCheckpointTtlMs / 1000} s: ` +
            "the Matcher's ROOM_SERVER_LEASE_TTL_MS and ROOM_FAILOVER_INTERVAL_MS plus 5 s for the players to reconnect, so that a failover finds the checkpoint",
        );
      }
      const { serverId, assignedRooms } = await store.register(request.addr, request.capacity, region, now());
      log.info({ server_id: serverId, addr: request.addr, region, capacity: request.capacity, assigned_rooms: assignedRooms }, 'room server registered');
      return { serverId, heartbeatIntervalMs: deps.heartbeatIntervalMs, leaseTtlMs: deps.leaseTtlMs };
    }),

    heartbeat: unary(log, 'Heartbeat', async (request, ctx) => {
      authorize(ctx);
      validateId(request.serverId, 'server_id');
      const load = {
        activeRooms: nonNegative(request.activeRooms),
        players: nonNegative(request.players),
        tickRate: nonNegative(request.tickRate),
        tickDurationP99Ms: nonNegative(request.tickDurationP99Ms),
      };
      return { assignedRooms: await store.heartbeat(request.serverId, load, now()) };
    }),

    deregister: unary(log, 'Deregister', async (request, ctx) => {
      authorize(ctx);
      validateId(request.serverId, 'server_id');
      const startedMs = now();
      const { addr, region } = await store.deregister(request.serverId);
      log.info({ server_id: request.serverId, addr, region, hand_over: request.handOver }, 'room server draining');
      if (!request.handOver) return { roomsMoved: 0, roomsEnded: 0, roomsWaiting: 0 };
      const moved = await deps.failover.moveServer(region, addr, 'drain', startedMs, request.serverId);
      return { roomsMoved: moved.moved.length, roomsEnded: moved.ended, roomsWaiting: moved.waiting };
    }),

    reportRoomEnded: unary(log, 'ReportRoomEnded', async (request, ctx) => {
      authorize(ctx);
      validateId(request.serverId, 'server_id');
      validateId(request.roomId, 'room_id');
      const result = request.result;
      const scores: Record<string, number> = {};
      for (const score of result?.scores ?? []) scores[score.playerId] = score.score;
      const ended = await store.endRoom(
        request.serverId,
        request.roomId,
        {
          reason: endReasonToJSON(result?.reason ?? EndReason.END_REASON_UNSPECIFIED),
          winnerId: result?.winnerId ?? '',
          scores,
          ticks: result?.ticks ?? 0,
        },
        now(),
      );
      if (ended === 'ended') log.info({ room_id: request.roomId, winner_id: result?.winnerId }, 'room ended');
      if (ended === 'unknown_room') log.warn({ room_id: request.roomId, server_id: request.serverId }, 'end reported for an unknown room');
      return { ended: ended === 'ended' };
    }),
  };
  return { name: 'mini.room.v1.RoomRegistry', definition: RoomRegistryService, implementation };
}

function validateId(value: string, field: string): void {
  if (!idPattern.test(value)) throw new AppError('invalid_argument', `${field} is missing or malformed`);
}

function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}
