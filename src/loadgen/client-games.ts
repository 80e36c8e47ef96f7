import { ValueHistogram } from './value-histogram.js';

/** How one client's game ended. */
export type ClientGameOutcome = 'completed' | 'room_gone' | 'assignment_gone' | 'reconnect_failed' | 'connect_failed' | 'unfinished';

export const clientGameOutcomes: readonly ClientGameOutcome[] = ['completed', 'room_gone', 'assignment_gone', 'reconnect_failed', 'connect_failed', 'unfinished'];

/** One client's game, as recorded when it is over. */
export interface ClientGameRecord {
  roomId: string;
  outcome: ClientGameOutcome;
  durationSec: number;
  /** Tick progression over the game (ticks/s), when snapshots spanned at least a second. */
  tickRate: number | undefined;
  /** Snapshots per second of connected time, when snapshots spanned at least a second. */
  snapshotRate: number | undefined;
}

/** A game's tick rate this close to 60 ticks/s counts as on time. */
const near60TicksPerSec = 1;

/**
 * The client games of a run as running aggregates (counts and histograms): what the report shows
 * of them, in memory that does not grow with the number of games.
 */
export class ClientGameStats {
  readonly byOutcome = Object.fromEntries(clientGameOutcomes.map((o) => [o, 0])) as Record<ClientGameOutcome, number>;
  readonly tickRate = new ValueHistogram();
  readonly snapshotRate = new ValueHistogram();
  readonly durationSec = new ValueHistogram();
  /** Games whose tick rate was within 1 tick/s of 60. */
  tickRateNear60 = 0;

  record(game: ClientGameRecord): void {
    this.byOutcome[game.outcome] += 1;
    this.durationSec.record(game.durationSec);
    if (game.snapshotRate !== undefined) this.snapshotRate.record(game.snapshotRate);
    if (game.tickRate === undefined) return;
    this.tickRate.record(game.tickRate);
    if (Math.abs(game.tickRate - 60) <= near60TicksPerSec) this.tickRateNear60 += 1;
  }

  /** Frees the histograms. */
  destroy(): void {
    this.tickRate.destroy();
    this.snapshotRate.destroy();
    this.durationSec.destroy();
  }
}
