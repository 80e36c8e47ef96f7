import { performance } from 'node:perf_hooks';
import type { Assignment } from '../gen/mini/matcher/v1/matcher.js';
import { backoffDelayMs, defaultBackoff, delay } from '../client/backoff.js';
import { toClientError } from '../client/errors.js';
import type { ClientGameOutcome } from './client-games.js';
import type { ClientState, ClientView } from './client-state.js';
import { GameRun, type GameSettings } from './game-run.js';
import type { LoadMetrics } from './load-metrics.js';
import type { LoadMatchmaking } from './timed-calls.js';

/** Who a load client is and what it plays with. */
export interface LoadClientSetup {
  deviceId: string;
  mmr: number;
  matchmaking: LoadMatchmaking;
  metrics: LoadMetrics;
  game: GameSettings;
}

/**
 * Queueing again right after a game can get that game's assignment back (or see its ticket end):
 * the Matcher has not heard yet that the game ended. Then the client waits this long and queues again.
 */
const staleAssignmentRetryMs = 100;

/** Outcomes after which the next game waits a backoff first, so that a failure that repeats does not spin. */
const failedOutcomes = new Set<ClientGameOutcome>(['connect_failed', 'reconnect_failed']);

/**
 * One simulated player: logs in once, then queues (findMatch), plays the game it is matched into
 * (GameRun), and queues again, until `stopping` aborts. Failures are counted and backed off.
 */
export class LoadClient {
  private state: ClientState = 'starting';
  private game: GameRun | undefined;
  private lastRoomId: string | undefined;
  private gamesStarted = 0;

  constructor(private readonly setup: LoadClientSetup) {}

  /** What the per-second sampler reads. */
  view(): ClientView {
    const game = this.game;
    if (!game) return { state: this.state, game: this.gamesStarted, linkEpoch: 0, snapshots: 0, lastTick: -1, lastSnapshotMs: 0 };
    const { linkSnapshots, lastTick, lastSnapshotMs } = game.rates;
    return { state: game.state, game: this.gamesStarted, linkEpoch: game.linkEpoch, snapshots: linkSnapshots, lastTick, lastSnapshotMs };
  }

  /** True while the client's game waits for a reconnect to turn out (the run lets those finish). */
  get reconnectPending(): boolean {
    return this.game?.reconnectPending ?? false;
  }

  /** Plays games until `stopping`; a game in progress then goes on until `closing`. */
  async run(stopping: AbortSignal, closing: AbortSignal): Promise<void> {
    try {
      if (!(await this.login(stopping))) return;
      for (let failures = 0; !stopping.aborted; ) {
        const outcome = await this.playOnce(stopping, closing);
        failures = outcome !== undefined && failedOutcomes.has(outcome) ? failures + 1 : 0;
        if (failures > 0) await this.backoff(failures - 1, stopping);
      }
    } finally {
      this.state = 'stopped';
      this.setup.matchmaking.close();
    }
  }

  private async login(stopping: AbortSignal): Promise<boolean> {
    for (let attempt = 0; !stopping.aborted; attempt++) {
      try {
        await this.setup.matchmaking.login(this.setup.deviceId, stopping);
        return true;
      } catch (err) {
        const kind = toClientError(err).kind;
        if (kind === 'aborted') return false;
        this.setup.metrics.flowError('login', kind);
        await this.backoff(attempt, stopping);
      }
    }
    return false;
  }

  /** One match and game; undefined when matchmaking failed or was stopped. */
  private async playOnce(stopping: AbortSignal, closing: AbortSignal): Promise<ClientGameOutcome | undefined> {
    this.state = 'queued';
    const assignment = await this.findMatch(stopping);
    if (!assignment) return undefined;
    this.lastRoomId = assignment.roomId;
    this.state = 'connecting';
    const game = new GameRun(this.setup.matchmaking, this.setup.metrics, this.setup.game);
    this.gamesStarted += 1;
    this.game = game;
    try {
      return await game.play(assignment, stopping, closing);
    } finally {
      this.game = undefined;
      this.state = 'queued';
    }
  }

  /** findMatch, timed from its start to the assignment; skips a stale assignment to the last game's room. */
  private async findMatch(stopping: AbortSignal): Promise<Assignment | undefined> {
    for (let failures = 0; !stopping.aborted; ) {
      const startedMs = performance.now();
      try {
        const assignment = await this.setup.matchmaking.findMatch(this.setup.mmr, stopping);
        if (assignment.roomId === this.lastRoomId) {
          await delay(staleAssignmentRetryMs, stopping);
          continue;
        }
        this.setup.metrics.matched(assignment.roomId, performance.now() - startedMs);
        return assignment;
      } catch (err) {
        const kind = toClientError(err).kind;
        if (kind === 'aborted') return undefined;
        // Queued again before the Matcher heard that the last game ended: the watch saw that ticket end.
        if (kind === 'match_ended' && this.lastRoomId !== undefined) {
          await delay(staleAssignmentRetryMs, stopping).catch(() => undefined);
          continue;
        }
        this.setup.metrics.flowError('find_match', kind);
        // A ticket that timed out (nobody within reach) is simply queued again; anything else backs off.
        if (kind !== 'match_timed_out') await this.backoff(failures++, stopping);
      }
    }
    return undefined;
  }

  private async backoff(attempt: number, stopping: AbortSignal): Promise<void> {
    this.state = 'backoff';
    await delay(backoffDelayMs(attempt, defaultBackoff, this.setup.game.random()), stopping).catch(() => undefined);
  }
}
