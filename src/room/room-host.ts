import { Slot } from '../gen/mini/matcher/v1/matcher.js';
import { RoomEventKind } from '../gen/mini/room/v1/packets.js';
import type { GameResult } from '../gen/mini/room/v1/registry.js';
import { RoomPhase } from '../gen/mini/room/v1/world.js';
import type { ClientPacket } from './net/codec.js';
import { samePeer, type Peer } from './net/peer.js';
import { validInputs } from './input-queue.js';
import { eventPacket, type RoomInfoView } from './room-views.js';
import { RoomSession, type SeatOutcome, type SeatRequest, type SessionDeps } from './room-session.js';
import { Seats } from './seats.js';
import { paddleOf, type World } from './sim/world.js';
import type { DropReason } from './drop-reason.js';

/** What a room host needs: the session dependencies, this process's owner id, and connection ids. */
export interface HostDeps extends Omit<SessionDeps, 'seats'> {
  /** Written into every checkpoint; a different owner's checkpoint is taken over with epoch + 1. */
  owner: string;
  newConnectionId: () => number;
}

/** The packets a seated player sends after Welcome. */
export type SeatedPacket = Extract<ClientPacket, { kind: 'inputs' | 'keepalive' | 'disconnect' }>;

/** What one host tick produced for the adapters: state to persist, games to report. */
export interface HostTick {
  checkpoints: World[];
  ended: { roomId: string; result: GameResult }[];
  infos: { roomId: string; view: RoomInfoView }[];
  /** Rooms whose tick threw: dropped from memory (their checkpoint remains) so the others play on. */
  failed: { roomId: string; error: unknown }[];
}

/** How many ended room ids are remembered, so that late connects to them are refused without Redis. */
const rememberedEndedRooms = 10_000;

/**
 * Every room of this process and the seats in them. Synchronous and clock-free: the adapters pass
 * in decoded packets and the time, and get back what to send (through `send`), persist and report.
 */
export class RoomHost {
  private readonly rooms = new Map<string, RoomSession>();
  private readonly seats: Seats;
  private readonly over = new Set<string>();

  constructor(private readonly deps: HostDeps) {
    this.seats = new Seats(deps.newConnectionId);
  }

  has(roomId: string): boolean {
    return this.rooms.has(roomId);
  }

  /** True for a room this process ended (or found ended) recently: it must not be created again. */
  isOver(roomId: string): boolean {
    return this.over.has(roomId);
  }

  markOver(roomId: string): void {
    this.over.add(roomId);
    if (this.over.size > rememberedEndedRooms) this.over.delete(this.over.values().next().value!);
  }

  /**
   * Hosts a fresh or restored world at the Matcher's placement `placementEpoch`; a world another
   * process owned is taken over with the next epoch.
   */
  addRoom(world: World, placementEpoch: number): RoomSession {
    const owned = world.owner === this.deps.owner ? world : { ...world, owner: this.deps.owner, epoch: world.epoch + 1 };
    const session = new RoomSession({ ...owned, placementEpoch }, { ...this.deps, seats: this.seats });
    this.rooms.set(world.roomId, session);
    return session;
  }

  /** Seats a player in a hosted room. */
  seat(roomId: string, request: SeatRequest): SeatOutcome {
    const session = this.rooms.get(roomId);
    if (!session) throw new Error(`room ${roomId} is not hosted here`);
    return session.seat(request);
  }

  /** Takes a packet from a seated player; returns why it was dropped, if it was. */
  receive(packet: SeatedPacket, peer: Peer, nowMs: number): DropReason | undefined {
    const seat = this.seats.byId(packet.body.connectionId);
    const session = seat && this.rooms.get(seat.roomId);
    if (!seat || !session) return 'unknown_connection';
    if (!samePeer(seat.peer, peer)) {
      return this.seats.of(seat.roomId).some((s) => samePeer(s.peer, peer)) ? 'other_paddle' : 'wrong_address';
    }
    if (packet.kind === 'inputs' && !validInputs(packet.body.inputs)) return 'bad_input';
    seat.lastHeardMs = nowMs;
    if (packet.kind === 'inputs') seat.inputs.add(packet.body.inputs, paddleOf(session.world, seat.slot).lastInputSeq);
    else if (packet.kind === 'keepalive') this.deps.send(peer, { keepalive: { connectionId: seat.connectionId } });
    else session.leave(seat);
    return undefined;
  }

  /** Steps every room once. */
  tick(nowMs: number): HostTick {
    const report: HostTick = { checkpoints: [], ended: [], infos: [], failed: [] };
    for (const session of this.rooms.values()) {
      let done: ReturnType<RoomSession['tick']>;
      try {
        done = session.tick(nowMs);
      } catch (error) {
        report.failed.push({ roomId: session.roomId, error });
        this.evict(session.roomId);
        continue;
      }
      if (done.checkpoint) report.checkpoints.push(session.world);
      if (done.ended) {
        report.ended.push({ roomId: session.roomId, result: done.ended });
        this.markOver(session.roomId);
      }
      const view = session.takeInfoChange();
      if (view) report.infos.push({ roomId: session.roomId, view });
      if (done.finished) this.rooms.delete(session.roomId);
    }
    return report;
  }

  /** The placement epoch of a hosted room (undefined when not hosted). */
  placementOf(roomId: string): number | undefined {
    return this.rooms.get(roomId)?.world.placementEpoch;
  }

  /**
   * Drops a room from memory and tells its players it moved (ROOM_MOVED: ask the Matcher where it
   * is). Used when the room is another server's now (a refused write), when it was handed over at
   * a drain, and when its tick threw (the players come back to its checkpoint). False when it was
   * not hosted here.
   */
  evict(roomId: string): boolean {
    const session = this.rooms.get(roomId);
    if (!session) return false;
    const moved = eventPacket(RoomEventKind.ROOM_EVENT_KIND_ROOM_MOVED, Slot.SLOT_UNSPECIFIED, session.world.tick);
    for (const seat of this.seats.of(roomId)) {
      // Twice: a lost datagram would leave the player waiting for silence (1 s) instead.
      this.deps.send(seat.peer, moved);
      this.deps.send(seat.peer, moved);
      this.seats.release(seat);
    }
    return this.rooms.delete(roomId);
  }

  /** The worlds of the rooms still being played, for the final checkpoints at shutdown. */
  liveWorlds(): World[] {
    return [...this.rooms.values()].map((s) => s.world).filter((w) => w.phase !== RoomPhase.ROOM_PHASE_ENDED);
  }

  /** Load for the registry heartbeat: rooms not yet over, and connected players. */
  load(): { activeRooms: number; players: number } {
    return { activeRooms: this.liveWorlds().length, players: this.seats.count };
  }
}
