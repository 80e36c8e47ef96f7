import { performance } from 'node:perf_hooks';
import { SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';
import type { Logger } from 'pino';
import { slotToJSON } from '../gen/mini/matcher/v1/matcher.js';
import type { ConnectTokenClaims } from '../gen/mini/room/v1/connect_token.js';
import { RefusedReason, type Packet } from '../gen/mini/room/v1/packets.js';
import { linksTo, tracer } from '../shared/telemetry/trace-context.js';
import type { DropReason } from './drop-reason.js';
import { decodeClientPacket } from './net/codec.js';
import type { ConnectGate } from './net/connect-gate.js';
import type { Peer } from './net/peer.js';
import type { RoomHost } from './room-host.js';
import type { RoomRules } from './room-rules.js';
import type { RoomStore } from './room-store.js';
import { createWorld, type PlayerSlot } from './sim/world.js';
import type { RoomServerStats } from './stats.js';

/** What the handler works with. */
export interface HandlerDeps {
  host: RoomHost;
  gate: ConnectGate;
  store: RoomStore;
  rules: RoomRules;
  stats: RoomServerStats;
  send: (peer: Peer, packet: Packet) => void;
  /** Raw bytes, for the Challenge the gate has already encoded and size-checked. */
  sendBytes: (peer: Peer, bytes: Uint8Array) => void;
  /** Seed of a new room's serve directions. */
  newSeed: () => number;
  log: Logger;
}

type Hosting = 'hosted' | 'wrong_room' | 'room_gone' | 'moved' | 'unavailable';

/** How a connect to a room that cannot be hosted here is refused, by what the lookup found. */
const refusals: Record<Exclude<Hosting, 'hosted' | 'unavailable'>, { drop: DropReason; reason: RefusedReason }> = {
  wrong_room: { drop: 'wrong_room', reason: RefusedReason.REFUSED_REASON_ROOM_GONE },
  room_gone: { drop: 'room_gone', reason: RefusedReason.REFUSED_REASON_ROOM_GONE },
  moved: { drop: 'room_moved', reason: RefusedReason.REFUSED_REASON_ROOM_MOVED },
};

/**
 * Everything a datagram can do: connect (challenge, verify, create or restore the room, seat the
 * player) or reach a seated player's room. Drops are counted by reason; nothing thrown here ever
 * leaves the socket handler, and a dropped packet never changes a room.
 */
export class DatagramHandler {
  private readonly loading = new Map<string, Promise<Hosting>>();

  constructor(private readonly deps: HandlerDeps) {}

  /** True while a connect is loading the room from Redis. */
  isLoading(roomId: string): boolean {
    return this.loading.has(roomId);
  }

  onDatagram(bytes: Buffer, peer: Peer): void {
    try {
      this.handle(bytes, peer);
    } catch (err) {
      this.internal(err);
    }
  }

  private handle(bytes: Buffer, peer: Peer): void {
    const { gate, host, stats } = this.deps;
    const packet = decodeClientPacket(bytes);
    if (typeof packet === 'string') return stats.drop(packet);
    if (packet.kind === 'connect_request') {
      const decision = gate.challenge(packet.body, peer, bytes.length, Date.now());
      if ('drop' in decision) return stats.drop(decision.drop);
      return this.deps.sendBytes(peer, decision.reply);
    }
    if (packet.kind === 'connect_response') {
      const decision = gate.admit(packet.body, peer, Date.now());
      if ('claims' in decision) return void this.connect(decision.claims, peer).catch((err: unknown) => this.internal(err));
      stats.drop(decision.drop);
      if (decision.refuse !== undefined) this.deps.send(peer, { refused: { reason: decision.refuse } });
      return;
    }
    const dropped = host.receive(packet, peer, performance.now());
    if (dropped) stats.drop(dropped);
  }

  /**
   * A verified token's connect, traced as `room.accept_connect` (linked to the Matcher call that
   * issued the token), with the room's lookup, restore and Redis reads under it.
   */
  private connect(claims: ConnectTokenClaims, peer: Peer): Promise<void> {
    const attributes = { 'room.id': claims.roomId, 'room.player_id': claims.playerId, 'room.slot': slotToJSON(claims.slot) };
    const options = { kind: SpanKind.SERVER, links: linksTo(claims.traceParent), attributes };
    return tracer.startActiveSpan('room.accept_connect', options, async (span) => {
      try {
        const refused = await this.seat(claims, peer, span);
        if (refused) span.setStatus({ code: SpanStatusCode.ERROR, message: `refused: ${refused}` });
      } catch (err) {
        span.recordException(err as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: 'internal' });
        throw err;
      } finally {
        span.end();
      }
    });
  }

  /** Hosts the room if need be and seats the player; returns why it refused, if it did. */
  private async seat(claims: ConnectTokenClaims, peer: Peer, span: Span): Promise<DropReason | undefined> {
    const { host, stats } = this.deps;
    const { roomId, roomEpoch } = claims;
    const hostedEpoch = host.placementOf(roomId);
    // A copy from an earlier placement: the room moved away and has come back here since.
    if (hostedEpoch !== undefined && roomEpoch > hostedEpoch) host.evict(roomId);
    const stale = hostedEpoch !== undefined && roomEpoch < hostedEpoch;
    const hosting = stale ? 'moved' : host.has(roomId) ? 'hosted' : host.isOver(roomId) ? 'room_gone' : await this.hostRoom(roomId, roomEpoch);
    if (hosting === 'unavailable') {
      stats.drop('redis_unavailable');
      return 'redis_unavailable';
    }
    // The room may have finished while it was being looked up.
    if (hosting !== 'hosted' || !host.has(roomId)) {
      const drop = hosting === 'hosted' ? 'room_gone' : refusals[hosting].drop;
      stats.drop(drop);
      this.deps.send(peer, { refused: { reason: hosting === 'hosted' ? RefusedReason.REFUSED_REASON_ROOM_GONE : refusals[hosting].reason } });
      return drop;
    }
    const outcome = host.seat(roomId, {
      slot: claims.slot as PlayerSlot,
      playerId: claims.playerId,
      opponentId: claims.opponentId,
      peer,
      nonce: Buffer.from(claims.nonce).toString('base64'),
      issuedAtMs: claims.issuedAtMs,
      nowMs: performance.now(),
    });
    if ('refuse' in outcome) {
      stats.drop(outcome.drop);
      this.deps.send(peer, { refused: { reason: outcome.refuse } });
      return outcome.drop;
    }
    span.setAttribute('room.resumed', outcome.welcome.resumed);
    this.deps.send(peer, { welcome: outcome.welcome });
    return undefined;
  }

  /** Creates or restores a room on its first connect; concurrent connects to it share one lookup. */
  private hostRoom(roomId: string, tokenEpoch: number): Promise<Hosting> {
    let pending = this.loading.get(roomId);
    if (!pending) {
      pending = this.lookUp(roomId, tokenEpoch).finally(() => this.loading.delete(roomId));
      this.loading.set(roomId, pending);
    }
    return pending;
  }

  private async lookUp(roomId: string, tokenEpoch: number): Promise<Hosting> {
    const { host, stats, log } = this.deps;
    const startedMs = performance.now();
    const found = await this.deps.store.lookup(roomId, tokenEpoch);
    if (host.has(roomId)) return 'hosted';
    if (host.isOver(roomId)) return 'room_gone';
    // Not remembered as over: the sweep still has to report a room whose end was never reported.
    if (found.kind === 'wrong_room' || found.kind === 'room_gone' || found.kind === 'moved' || found.kind === 'unavailable') return found.kind;
    if (found.kind === 'fresh') {
      host.addRoom(createWorld(roomId, this.deps.rules.sim, this.deps.newSeed()), found.placementEpoch);
      log.info({ room_id: roomId, redis_down: found.redisDown, placement_epoch: found.placementEpoch }, 'room created');
      return 'hosted';
    }
    const session = host.addRoom(found.world, found.placementEpoch);
    const restoreMs = performance.now() - startedMs;
    stats.restored(restoreMs);
    const { tick, epoch, owner } = session.world;
    // Recorded once done, from the start of the lookup: whether it is a restore shows only in the answer.
    tracer
      .startSpan('room.restore', { startTime: startedMs, attributes: { 'room.id': roomId, 'room.tick': tick, 'room.epoch': epoch } })
      .end();
    const placement = { placement_epoch: found.placementEpoch, moved: found.placementEpoch !== found.world.placementEpoch };
    log.info({ room_id: roomId, tick, epoch, previous_owner: found.world.owner, owner, ...placement, restore_duration_ms: restoreMs }, 'room restored from checkpoint');
    return 'hosted';
  }

  private internal(err: unknown): void {
    this.deps.stats.drop('internal');
    this.deps.log.error({ err }, 'datagram handler failed');
  }
}
