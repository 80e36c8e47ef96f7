/** The shortest stretch of snapshots a game's rates are taken over. */
const minSpanMs = 1000;

/**
 * What one client saw of a game's snapshots: the current link's count and newest tick (for the
 * per-second sampler), and over the whole game the server's tick progression (from the ticks the
 * snapshots carry, across reconnects: a paused room keeps counting ticks) and the snapshot rate
 * over the time a link was up. Times are ms on one monotonic clock.
 */
export class GameRates {
  linkSnapshots = 0;
  lastTick = -1;
  lastSnapshotMs = 0;
  private linkFirstMs = 0;
  private firstTick: number | undefined;
  private firstTickMs = 0;
  private closedIntervals = 0;
  private closedSpanMs = 0;

  /** A new link starts (connect or reconnect): the current one's snapshots are added up. */
  newLink(): void {
    this.closeLink();
    this.linkSnapshots = 0;
  }

  snapshot(tick: number, atMs: number): void {
    if (this.linkSnapshots === 0) this.linkFirstMs = atMs;
    this.linkSnapshots += 1;
    this.lastTick = tick;
    this.lastSnapshotMs = atMs;
    if (this.firstTick === undefined) {
      this.firstTick = tick;
      this.firstTickMs = atMs;
    }
  }

  /** Ticks/s and snapshots/s over the game; undefined when the snapshots spanned less than a second. */
  summary(): { tickRate: number | undefined; snapshotRate: number | undefined } {
    this.closeLink();
    this.linkSnapshots = 0;
    const tickSpanMs = this.lastSnapshotMs - this.firstTickMs;
    const tickRate = this.firstTick !== undefined && tickSpanMs >= minSpanMs ? (this.lastTick - this.firstTick) / (tickSpanMs / 1000) : undefined;
    const snapshotRate = this.closedSpanMs >= minSpanMs ? this.closedIntervals / (this.closedSpanMs / 1000) : undefined;
    return { tickRate, snapshotRate };
  }

  private closeLink(): void {
    if (this.linkSnapshots < 2) return;
    this.closedIntervals += this.linkSnapshots - 1;
    this.closedSpanMs += this.lastSnapshotMs - this.linkFirstMs;
  }
}
