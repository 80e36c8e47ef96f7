import { EventEmitter } from 'node:events';
import { performance } from 'node:perf_hooks';
import type { Assignment } from '../gen/mini/matcher/v1/matcher.js';
import { RoomEventKind, type RoomEvent, type Snapshot, type Welcome } from '../gen/mini/room/v1/packets.js';
import { RoomPhase } from '../gen/mini/room/v1/world.js';
import { attachBackoff } from './backoff.js';
import { attachToRoom, type AttachOptions, type AssignmentSource } from './attach.js';
import { ClientError, toClientError } from './errors.js';
import type { GameClientEvents, GameOver, ReconnectReason } from './game-events.js';
import type { Direction } from './input-window.js';
import { defaultRoomLinkOptions, type RoomLink } from './room-link.js';

/** Everything a GameClient is tuned by; each field has a default. */
export type GameClientOptions = AttachOptions;

/**
 * Connects and reconnects keep trying for 30 s: longer than a lost room server's lease (10 s by
 * default) plus the reconnect grace (10 s), so a client follows its room when the room moves.
 */
const defaults: GameClientOptions = { ...defaultRoomLinkOptions, backoff: attachBackoff, connectDeadlineMs: 30000 };

/**
 * A player in a room: connects with an assignment, sends the paddle direction, reports the game as
 * events, and reconnects by itself when the room goes quiet (a fresh assignment from the Matcher, a
 * new socket, a new handshake; the room gives the slot back). Events are typed in GameClientEvents.
 */
export class GameClient extends EventEmitter<GameClientEvents> {
  private readonly options: GameClientOptions;
  private link: RoomLink | undefined;
  private attempt: AbortController | undefined;
  private direction: Direction = 0;
  private over = false;
  /** The game's room, once connected: a reconnect only ever goes back to it. */
  private roomId: string | undefined;
  private pendingReconnect: { reason: ReconnectReason; sinceMs: number } | undefined;
  private lastPhase = RoomPhase.ROOM_PHASE_UNSPECIFIED;
  private readonly seenEvents = new Set<string>();

  constructor(
    private readonly matchmaking: AssignmentSource,
    options: Partial<GameClientOptions> = {},
  ) {
    super();
    this.options = { ...defaults, ...options };
  }

  /** The current link's Welcome; undefined while not connected. */
  get welcome(): Welcome | undefined {
    return this.link?.welcome;
  }

  /** findMatch with this MMR, then connect. */
  async play(mmr: number, signal?: AbortSignal): Promise<Welcome> {
    return this.connect(await this.matchmaking.findMatch(mmr, signal), signal);
  }

  /**
   * Connects to the assigned room; retries with fresh assignments until `connectDeadlineMs`. Rejects
   * with `connect_timeout`, `match_ended` (the room is over), `aborted`, or a Matcher error.
   */
  async connect(assignment: Assignment, signal?: AbortSignal): Promise<Welcome> {
    if (this.over) throw new ClientError('aborted', 'the game client is closed');
    this.roomId = assignment.roomId;
    this.emit('assigned', assignment);
    const outcome = await this.attach(assignment, signal, 'connect_timeout');
    if ('reason' in outcome) {
      this.over = true;
      throw new ClientError('match_ended', `the game is over (${outcome.reason})`);
    }
    return this.adopt(outcome);
  }

  /** The direction of every following input: -1 up, 0 stay, +1 down. */
  setDirection(direction: Direction): void {
    this.direction = direction;
    this.link?.setDirection(direction);
  }

  /** Reconnects now (through the Matcher, on a new socket), also after drop(); a no-op while connecting. */
  reconnect(): void {
    this.beginReconnect('requested');
  }

  /** Kills the connection without a Disconnect, as a dead link would; nothing reconnects until reconnect(). */
  drop(): void {
    this.attempt?.abort();
    this.link?.drop();
    this.link = undefined;
    this.pendingReconnect = undefined;
  }

  /** Leaves the game: Disconnect to the room, every timer and socket closed. Emits nothing. */
  close(): void {
    this.over = true;
    this.attempt?.abort();
    this.link?.close();
    this.link = undefined;
    this.pendingReconnect = undefined;
  }

  // A link that goes quiet before its first snapshot reconnects again, still timed from the first decision.
  private beginReconnect(reason: ReconnectReason): void {
    if (this.over || this.attempt) return;
    const pending = this.pendingReconnect ?? { reason, sinceMs: performance.now() };
    this.pendingReconnect = pending;
    this.link?.drop();
    this.link = undefined;
    this.emit('reconnecting', { reason });
    this.attach(undefined, undefined, 'reconnect_failed', this.roomId).then(
      (outcome) => ('reason' in outcome ? this.finish(outcome) : this.adopt(outcome)),
      (err: unknown) => {
        if (this.pendingReconnect === pending) this.pendingReconnect = undefined;
        const error = toClientError(err);
        if (error.kind !== 'aborted') this.emit('error', error);
      },
    );
  }

  private async attach(first: Assignment | undefined, signal: AbortSignal | undefined, timeoutKind: 'connect_timeout' | 'reconnect_failed', roomId?: string) {
    const controller = new AbortController();
    this.attempt = controller;
    try {
      const onAssigned = (a: Assignment): boolean => this.emit('assigned', a);
      return await attachToRoom(this.matchmaking, first, this.options, { controller, signal, timeoutKind, onAssigned, roomId });
    } finally {
      if (this.attempt === controller) this.attempt = undefined;
    }
  }

  private adopt(link: RoomLink): Welcome {
    this.link = link;
    link.setDirection(this.direction);
    link.on('snapshot', (snapshot) => this.onSnapshot(snapshot));
    link.on('event', (event) => this.onEvent(event));
    link.on('silent', () =>
      this.lastPhase === RoomPhase.ROOM_PHASE_ENDED ? this.finish({ reason: 'game_ended', result: undefined }) : this.beginReconnect('silence'),
    );
    this.emit('connected', link.welcome);
    return link.welcome;
  }

  private onSnapshot(snapshot: Snapshot): void {
    this.lastPhase = snapshot.phase;
    const pending = this.pendingReconnect;
    if (pending) {
      this.pendingReconnect = undefined;
      this.emit('reconnected', { reason: pending.reason, durationMs: performance.now() - pending.sinceMs, welcome: this.link!.welcome });
    }
    this.emit('snapshot', snapshot);
  }

  // The room may repeat an event so that one lost datagram does not lose it: report each once.
  private onEvent(event: RoomEvent): void {
    const key = `${event.kind}:${event.slot}:${event.tick}`;
    if (this.seenEvents.has(key)) return;
    this.seenEvents.add(key);
    if (event.kind === RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTING) this.emit('opponentReconnecting', event);
    else if (event.kind === RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED) this.emit('opponentReconnected', event);
    else if (event.kind === RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED) this.finish({ reason: 'game_ended', result: event.result });
    else if (event.kind === RoomEventKind.ROOM_EVENT_KIND_ROOM_MOVED) this.beginReconnect('moved');
  }

  private finish(over: GameOver): void {
    if (this.over) return;
    this.over = true;
    this.attempt?.abort();
    this.link?.close();
    this.link = undefined;
    this.emit('ended', over);
  }
}
