import { performance } from 'node:perf_hooks';
import type { Assignment } from '../gen/mini/matcher/v1/matcher.js';
import { Slot } from '../gen/mini/matcher/v1/matcher.js';
import type { Snapshot } from '../gen/mini/room/v1/packets.js';
import type { AssignmentSource } from '../client/attach.js';
import { chaseBall } from '../client/bot.js';
import { toClientError, type ClientError } from '../client/errors.js';
import { GameClient } from '../client/game-client.js';
import type { GameOver, Reconnected, ReconnectReason } from '../client/game-events.js';
import type { ClientGameOutcome } from './client-games.js';
import { GameRates } from './game-rates.js';
import type { LoadMetrics, ReconnectCause } from './load-metrics.js';

/** How a game is played: the chance of an induced cut, how long the link stays down, and the dice. */
export interface GameSettings {
  reconnectRate: number;
  reconnectDownMs: number;
  random: () => number;
}

/** An induced cut happens this long after the connect (uniform), so that it falls mid-game. */
const cutAfterMs = { min: 500, max: 4000 };

/**
 * The Bot's policy (chaseBall) with a dead zone drawn per game from this range: a perfect chaser
 * never misses, so games would never end; with a wide dead zone some balls get past.
 */
const deadZoneUnits = { min: 10_000, max: 150_000 };

interface PendingReconnect {
  cause: ReconnectCause;
  cutAtMs: number;
}

/**
 * One client's game: a library GameClient playing the Bot's policy, which may cut its own link once
 * (drop, then reconnect after the down time) and follows how that and any reconnect the client
 * starts by itself (silence) turn out. Records the game's rates and outcome in the metrics.
 */
export class GameRun {
  state: 'connecting' | 'playing' | 'reconnecting' = 'connecting';
  /** Counts links (see ClientView). */
  linkEpoch = 0;
  readonly rates = new GameRates();
  private readonly game: GameClient;
  private pending: PendingReconnect | undefined;
  private roomId = '';
  private slot = Slot.SLOT_UNSPECIFIED;
  private readonly deadZoneUnits: number;
  private readonly timers: NodeJS.Timeout[] = [];
  private resolveOver: (outcome: ClientGameOutcome) => void = () => {};
  private over = false;

  constructor(
    matchmaking: AssignmentSource,
    private readonly metrics: LoadMetrics,
    private readonly settings: GameSettings,
  ) {
    this.game = new GameClient(matchmaking);
    this.deadZoneUnits = deadZoneUnits.min + settings.random() * (deadZoneUnits.max - deadZoneUnits.min);
    this.game.on('connected', (welcome) => {
      this.slot = welcome.slot;
      this.linkEpoch += 1;
      this.rates.newLink();
      this.state = 'playing';
    });
    this.game.on('snapshot', (snapshot) => this.onSnapshot(snapshot));
    this.game.on('reconnecting', ({ reason }) => this.onReconnecting(reason));
    this.game.on('reconnected', (back) => this.onReconnected(back));
    this.game.on('ended', (over) => this.onEnded(over));
    this.game.on('error', (err) => this.onError(err));
  }

  /** True while a reconnect has started and not yet turned out. */
  get reconnectPending(): boolean {
    return this.pending !== undefined;
  }

  /**
   * Connects and plays until the game is over or `closing` aborts (then 'unfinished'); after
   * `stopping` no cut starts. Records the outcome and closes the game client.
   */
  async play(assignment: Assignment, stopping: AbortSignal, closing: AbortSignal): Promise<ClientGameOutcome> {
    const startedMs = performance.now();
    this.roomId = assignment.roomId;
    const ended = new Promise<ClientGameOutcome>((resolve) => (this.resolveOver = resolve));
    let resolveClosed: (outcome: ClientGameOutcome) => void = () => {};
    const closed = new Promise<ClientGameOutcome>((resolve) => (resolveClosed = resolve));
    const onClosing = (): void => resolveClosed('unfinished');
    if (closing.aborted) onClosing();
    else closing.addEventListener('abort', onClosing, { once: true });
    let outcome: ClientGameOutcome;
    try {
      await this.game.connect(assignment, closing);
      this.metrics.gameConnected(assignment.roomId);
      if (this.settings.random() < this.settings.reconnectRate) {
        const delayMs = cutAfterMs.min + this.settings.random() * (cutAfterMs.max - cutAfterMs.min);
        this.timers.push(setTimeout(() => this.cut(stopping), delayMs));
      }
      outcome = await Promise.race([ended, closed]);
    } catch (err) {
      const error = toClientError(err);
      if (error.kind !== 'aborted') this.metrics.flowError('connect', error.kind);
      outcome = error.kind === 'aborted' ? 'unfinished' : 'connect_failed';
    } finally {
      // `closing` lives as long as the run: a listener left on it by each game would pile up.
      closing.removeEventListener('abort', onClosing);
    }
    this.over = true;
    this.failPending('run_ended');
    for (const timer of this.timers) clearTimeout(timer);
    this.game.close();
    const { tickRate, snapshotRate } = this.rates.summary();
    this.metrics.gameOver({ roomId: assignment.roomId, outcome, durationSec: (performance.now() - startedMs) / 1000, tickRate, snapshotRate });
    return outcome;
  }

  /** Kills the link without a word to the room, as a lost connection would, and reconnects after the down time. */
  private cut(stopping: AbortSignal): void {
    if (stopping.aborted || this.over || this.pending || this.state !== 'playing') return;
    this.pending = { cause: 'induced', cutAtMs: performance.now() };
    this.metrics.reconnectAttempted('induced');
    this.game.drop();
    this.state = 'reconnecting';
    this.timers.push(setTimeout(() => this.game.reconnect(), this.settings.reconnectDownMs));
  }

  private onSnapshot(snapshot: Snapshot): void {
    this.rates.snapshot(snapshot.tick, performance.now());
    this.game.setDirection(chaseBall(snapshot, this.slot, this.deadZoneUnits));
  }

  private onReconnecting(reason: ReconnectReason): void {
    this.state = 'reconnecting';
    // 'requested' is the reconnect after our own cut (already pending); 'silence' and 'moved' (the room
    // moved to another server) are the client's own. A moved game that finishes still counts as completed.
    if (this.pending || reason === 'requested') return;
    this.pending = { cause: 'spontaneous', cutAtMs: performance.now() };
    this.metrics.reconnectAttempted('spontaneous');
  }

  private onReconnected(back: Reconnected): void {
    const pending = this.pending;
    if (!pending) return;
    this.pending = undefined;
    if (back.welcome.roomId === this.roomId && back.welcome.resumed) {
      this.metrics.reconnectSucceeded(pending.cause, performance.now() - pending.cutAtMs, back.durationMs);
    } else this.metrics.reconnectFailed(pending.cause, 'not_the_same_game');
  }

  private onEnded(over: GameOver): void {
    this.failPending(over.reason);
    this.resolveOver(over.reason === 'game_ended' ? 'completed' : over.reason);
  }

  private onError(err: ClientError): void {
    this.failPending(err.kind);
    this.metrics.flowError('reconnect', err.kind);
    this.resolveOver('reconnect_failed');
  }

  private failPending(reason: string): void {
    if (!this.pending) return;
    this.metrics.reconnectFailed(this.pending.cause, reason);
    this.pending = undefined;
  }
}
