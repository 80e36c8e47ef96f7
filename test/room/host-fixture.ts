import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Packet, RoomEvent, Snapshot, Welcome } from '../../src/gen/mini/room/v1/packets.js';
import { samePeer, type Peer } from '../../src/room/net/peer.js';
import { RoomHost, type HostTick } from '../../src/room/room-host.js';
import type { RoomRules } from '../../src/room/room-rules.js';
import type { SeatRequest } from '../../src/room/room-session.js';
import { createWorld, type PlayerSlot, type World } from '../../src/room/sim/world.js';
import { RoomServerStats } from '../../src/room/stats.js';
import { config, LEFT, RIGHT } from './sim/sim-fixture.js';

export { LEFT, RIGHT };

/** Small numbers so that each rule shows within a few ticks. */
export const rules: RoomRules = {
  sim: { ...config, reconnectGraceTicks: 30, serveDelayTicks: 10, resumeCountdownTicks: 5 },
  silenceTimeoutMs: 1000,
  checkpointIntervalTicks: 5,
  abandonTicks: 100,
  lingerTicks: 10,
};

export const alicePeer: Peer = { address: '10.0.0.1', port: 4000 };
export const bobPeer: Peer = { address: '10.0.0.2', port: 5000 };

/**
 * A RoomHost with everything it would send collected per peer, connection ids counting from 1,
 * and a hand-driven clock: the pure room logic without a socket.
 */
export class HostHarness {
  readonly sent: { peer: Peer; packet: Packet }[] = [];
  readonly stats = new RoomServerStats(new Registry());
  readonly host: RoomHost;
  nowMs = 0;
  /** Seats that send a keepalive before every tick; delete one to make that player go silent. */
  readonly talking = new Map<number, Peer>();
  private nextId = 1;

  constructor(readonly owner = 'owner-1') {
    this.host = new RoomHost({
      rules,
      owner,
      send: (peer, packet) => this.sent.push({ peer, packet }),
      stats: this.stats,
      log: pino({ level: 'silent' }),
      newConnectionId: () => this.nextId++,
    });
  }

  /** Hosts a fresh room (or the given world) under the id `room-1`. */
  room(world: World = createWorld('room-1', rules.sim, 7)): void {
    this.host.addRoom(world, world.placementEpoch);
  }

  /** Seats alice (left) or bob (right) from their usual address with a given nonce. */
  seat(slot: PlayerSlot, overrides: Partial<SeatRequest> = {}): Welcome {
    const alice = slot === LEFT;
    const outcome = this.host.seat('room-1', {
      slot,
      playerId: alice ? 'alice' : 'bob',
      opponentId: alice ? 'bob' : 'alice',
      peer: alice ? alicePeer : bobPeer,
      nonce: alice ? 'n-alice' : 'n-bob',
      issuedAtMs: this.nowMs,
      nowMs: this.nowMs,
      ...overrides,
    });
    if (!('welcome' in outcome)) throw new Error(`refused: ${outcome.drop}`);
    this.talking.set(outcome.welcome.connectionId, overrides.peer ?? (alice ? alicePeer : bobPeer));
    return outcome.welcome;
  }

  /** Runs ticks `stepMs` apart (17 ms ≈ one tick), collecting their reports. */
  ticks(count: number, stepMs = 17): HostTick[] {
    const reports: HostTick[] = [];
    for (let i = 0; i < count; i++) {
      for (const [connectionId, peer] of this.talking) this.keepalive(connectionId, peer);
      this.nowMs += stepMs;
      reports.push(this.host.tick(this.nowMs));
    }
    return reports;
  }

  /** Keeps a seat alive, as a client's keepalive would. */
  keepalive(connectionId: number, peer: Peer): void {
    this.host.receive({ kind: 'keepalive', body: { connectionId } }, peer, this.nowMs);
  }

  snapshotsTo(peer: Peer): Snapshot[] {
    return this.sent.filter((s) => samePeer(s.peer, peer) && s.packet.snapshot).map((s) => s.packet.snapshot!);
  }

  eventsTo(peer: Peer): RoomEvent[] {
    return this.sent.filter((s) => samePeer(s.peer, peer) && s.packet.event).map((s) => s.packet.event!);
  }
}
