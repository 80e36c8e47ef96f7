import { randomBytes } from 'node:crypto';
import type { Welcome } from '../gen/mini/room/v1/packets.js';
import { InputQueue } from './input-queue.js';
import type { Peer } from './net/peer.js';
import type { PlayerSlot } from './sim/world.js';

/** A connected player: the address and connection id their packets must carry, and their inputs. */
export interface Seat {
  readonly roomId: string;
  readonly slot: PlayerSlot;
  readonly connectionId: number;
  readonly peer: Peer;
  /** Nonce of the token the seat was taken with. */
  readonly nonce: string;
  readonly welcome: Welcome;
  readonly inputs: InputQueue;
  lastHeardMs: number;
}

/** Every seat of every room on this server, by connection id and by room and slot. */
export class Seats {
  private readonly byConnection = new Map<number, Seat>();
  private readonly byRoom = new Map<string, Seat[]>();

  /** `newConnectionId` draws ids that identify a client's packets; they must be unguessable. */
  constructor(private readonly newConnectionId: () => number) {}

  /** Binds a new seat (the caller has released any previous one of that slot). */
  bind(roomId: string, slot: PlayerSlot, peer: Peer, nonce: string, nowMs: number, welcome: Welcome): Seat {
    let connectionId = this.newConnectionId();
    while (this.byConnection.has(connectionId)) connectionId = this.newConnectionId();
    const seat: Seat = { roomId, slot, connectionId, peer, nonce, welcome: { ...welcome, connectionId }, inputs: new InputQueue(), lastHeardMs: nowMs };
    this.byConnection.set(connectionId, seat);
    this.byRoom.set(roomId, [...this.of(roomId), seat]);
    return seat;
  }

  release(seat: Seat): void {
    if (this.byConnection.get(seat.connectionId) !== seat) return;
    this.byConnection.delete(seat.connectionId);
    const rest = this.of(seat.roomId).filter((s) => s !== seat);
    if (rest.length > 0) this.byRoom.set(seat.roomId, rest);
    else this.byRoom.delete(seat.roomId);
  }

  byId(connectionId: number): Seat | undefined {
    return this.byConnection.get(connectionId);
  }

  get(roomId: string, slot: PlayerSlot): Seat | undefined {
    return this.of(roomId).find((s) => s.slot === slot);
  }

  /** The seats of a room (a copy, safe to release while iterating). */
  of(roomId: string): Seat[] {
    return this.byRoom.get(roomId) ?? [];
  }

  /** Connected players on this server. */
  get count(): number {
    return this.byConnection.size;
  }
}

/** A random non-zero connection id below 2^53, so it survives fixed64 decoding as a JS number exactly. */
export function randomConnectionId(): number {
  const bytes = randomBytes(8);
  const id = (bytes.readUInt32BE(0) & 0x1fffff) * 2 ** 32 + bytes.readUInt32BE(4);
  return id === 0 ? randomConnectionId() : id;
}
