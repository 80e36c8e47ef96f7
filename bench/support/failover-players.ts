import { performance } from 'node:perf_hooks';
import { chaseBall } from '../../src/client/bot.js';
import { GameClient } from '../../src/client/game-client.js';
import type { ReconnectReason } from '../../src/client/game-events.js';
import { MatchmakingClient } from '../../src/client/matchmaking.js';
import { Slot, type Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import type { Snapshot } from '../../src/gen/mini/room/v1/packets.js';

/** A player's first snapshot after the fault from a server other than the faulted one. */
export interface BackInGame {
  atMs: number;
  addr: string;
  roomId: string;
  resumed: boolean;
  reason: ReconnectReason;
  /** Tick of that first snapshot (set by the snapshot that follows the `reconnected` event). */
  tick: number | undefined;
}

/**
 * One player built on the client library (MatchmakingClient + GameClient, following the ball), with
 * what the failover benchmark reads off its events: the server of its latest assignment, its last
 * snapshot, and, once a fault is being watched, its first snapshot on another server.
 */
export class TrackedPlayer {
  readonly mm: MatchmakingClient;
  readonly game: GameClient;
  /** The assignment findMatch returned: the game this player is in. */
  assignment: Assignment | undefined;
  /** Server of the latest assignment the client fetched (the one it connects to). */
  addr = '';
  lastSnapshotMs = 0;
  lastTick = 0;
  /** GameClient.connect() → first snapshot of the first connect. */
  connectMs: number | undefined;
  private connectStartedMs: number | undefined;
  /** The faulted server's address while a fault is watched. */
  private faulted: string | undefined;
  tickAtFault = 0;
  back: BackInGame | undefined;
  reconnectsSinceFault = 0;
  readonly errors: string[] = [];
  readonly ended: string[] = [];

  constructor(matcherTarget: string) {
    this.mm = new MatchmakingClient(matcherTarget);
    this.game = new GameClient(this.mm);
    const game = this.game;
    game.on('assigned', (a) => void (this.addr = a.roomAddr));
    game.on('snapshot', (snapshot) => this.onSnapshot(snapshot));
    game.on('reconnecting', () => {
      if (this.faulted !== undefined) this.reconnectsSinceFault += 1;
    });
    game.on('reconnected', ({ welcome, reason }) => {
      if (this.faulted === undefined || this.back || this.addr === this.faulted) return;
      this.back = { atMs: performance.now(), addr: this.addr, roomId: welcome.roomId, resumed: welcome.resumed, reason, tick: undefined };
    });
    game.on('error', (err) => this.errors.push(err.kind));
    game.on('ended', ({ reason }) => this.ended.push(reason));
  }

  get roomId(): string {
    return this.assignment?.roomId ?? '';
  }

  /** The first connect (with a fresh assignment), timed from GameClient.connect() to the first snapshot. */
  async connect(): Promise<void> {
    const assignment = await this.mm.getAssignment();
    if (!assignment) throw new Error('no assignment');
    const first = new Promise<void>((resolve) => this.game.once('snapshot', () => resolve()));
    this.connectStartedMs = performance.now();
    await this.game.connect(assignment);
    await first;
  }

  /** From now on, a first snapshot from a server other than `addr` counts as back in the game. */
  watchFault(addr: string): void {
    this.faulted = addr;
    this.tickAtFault = this.lastTick;
  }

  close(): void {
    this.game.close();
    this.mm.close();
  }

  private onSnapshot(snapshot: Snapshot): void {
    const nowMs = performance.now();
    if (this.connectMs === undefined && this.connectStartedMs !== undefined) this.connectMs = nowMs - this.connectStartedMs;
    if (this.back && this.back.tick === undefined) this.back.tick = snapshot.tick;
    this.lastSnapshotMs = nowMs;
    this.lastTick = snapshot.tick;
    this.game.setDirection(chaseBall(snapshot, this.game.welcome?.slot ?? Slot.SLOT_UNSPECIFIED, 10_000));
  }
}

/**
 * Why a player is stranded once the fault settled, or undefined when it is in its game: the Matcher
 * must give it an assignment (GetAssignment) for its room on a server that is alive, and the client
 * must be connected there and getting snapshots.
 */
export async function strandedReason(player: TrackedPlayer, isAlive: (addr: string) => Promise<boolean>): Promise<string | undefined> {
  const assignment = await player.mm.getAssignment().catch((err: Error) => err);
  if (assignment instanceof Error) return `GetAssignment failed (${assignment.message})`;
  if (!assignment) return 'no assignment (NOT_FOUND)';
  if (!(await isAlive(assignment.roomAddr))) return 'assignment to a dead address';
  const welcome = player.game.welcome;
  if (!welcome) return 'not connected';
  if (welcome.roomId !== assignment.roomId) return 'connected to another room than its assignment';
  if (player.addr !== assignment.roomAddr) return 'connected to another server than its assignment';
  if (performance.now() - player.lastSnapshotMs > 1000) return 'no snapshot for over 1 s';
  return undefined;
}
