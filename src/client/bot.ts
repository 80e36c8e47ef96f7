import { once } from 'node:events';
import { Slot } from '../gen/mini/matcher/v1/matcher.js';
import type { Snapshot } from '../gen/mini/room/v1/packets.js';
import { abortedError } from './errors.js';
import { GameClient, type GameClientOptions } from './game-client.js';
import type { GameOver } from './game-events.js';
import type { Direction } from './input-window.js';
import { MatchmakingClient, type MatchmakingOptions } from './matchmaking.js';

/** A bot: who it is, how it plays, and an optional scripted drop and reconnect. */
export interface BotOptions {
  deviceId: string;
  mmr: number;
  /** The paddle stays put while the ball's centre is this close to the paddle's (units); default 10000. */
  deadZoneUnits?: number;
  /** Kill the link (no Disconnect) at the first snapshot at or past `atTick`, reconnect `afterMs` later. */
  drop?: { atTick: number; afterMs: number };
  matchmaking?: Partial<MatchmakingOptions>;
  game?: Partial<GameClientOptions>;
}

const defaultDeadZoneUnits = 10_000;

/** The direction that moves the slot's paddle towards the ball's height, 0 within the dead zone. */
export function chaseBall(snapshot: Snapshot, slot: Slot, deadZoneUnits: number): Direction {
  const paddle = slot === Slot.SLOT_LEFT ? snapshot.left : snapshot.right;
  if (!paddle || !snapshot.ball) return 0;
  const gap = snapshot.ball.y - paddle.y;
  if (gap > deadZoneUnits) return 1;
  return gap < -deadZoneUnits ? -1 : 0;
}

/**
 * A player built on the library: logs in with a device id, finds a match, connects and follows the
 * ball every tick until the game ends. Cheap enough to run hundreds in one process: one snapshot
 * handler, no allocation of its own per tick; its clients are public for tests and load generators.
 */
export class Bot {
  readonly matchmaking: MatchmakingClient;
  readonly game: GameClient;
  private dropTimer: NodeJS.Timeout | undefined;
  private readonly stopped = new AbortController();

  constructor(
    matcherTarget: string,
    private readonly options: BotOptions,
  ) {
    this.matchmaking = new MatchmakingClient(matcherTarget, options.matchmaking);
    this.game = new GameClient(this.matchmaking, options.game);
    this.game.on('snapshot', (snapshot) => this.onSnapshot(snapshot));
  }

  /**
   * Plays one game; resolves when it is over. Rejects with a ClientError on a failure it could not
   * recover from, and with kind `aborted` when the signal aborts or stop() is called.
   */
  async run(signal?: AbortSignal): Promise<GameOver> {
    const until = signal ? AbortSignal.any([signal, this.stopped.signal]) : this.stopped.signal;
    try {
      await this.matchmaking.login(this.options.deviceId, until);
      await this.game.play(this.options.mmr, until);
      const [over] = await once(this.game, 'ended', { signal: until });
      return over;
    } catch (err) {
      throw until.aborted ? abortedError(until) : err;
    } finally {
      this.stop();
    }
  }

  /** Leaves the game (Disconnect), closes the clients and ends run(). */
  stop(): void {
    this.stopped.abort();
    clearTimeout(this.dropTimer);
    this.game.close();
    this.matchmaking.close();
  }

  private onSnapshot(snapshot: Snapshot): void {
    const slot = this.game.welcome?.slot ?? Slot.SLOT_UNSPECIFIED;
    this.game.setDirection(chaseBall(snapshot, slot, this.options.deadZoneUnits ?? defaultDeadZoneUnits));
    const drop = this.options.drop;
    if (drop && this.dropTimer === undefined && snapshot.tick >= drop.atTick) {
      this.game.drop();
      this.dropTimer = setTimeout(() => this.game.reconnect(), drop.afterMs);
    }
  }
}
