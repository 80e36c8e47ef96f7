/** Time and timers for the ticker; the real ones in production, a hand-driven clock in tests. */
export interface TickerClock {
  /** Monotonic milliseconds. */
  nowMs(): number;
  schedule(run: () => void, delayMs: number): { cancel(): void };
}

/** The process clock: performance.now() and setTimeout. */
export const systemClock: TickerClock = {
  nowMs: () => performance.now(),
  schedule: (run, delayMs) => {
    const timer = setTimeout(run, delayMs);
    return { cancel: () => clearTimeout(timer) };
  },
};

/**
 * A fixed-step driver: wall time goes into an accumulator and comes out as whole ticks of `tickMs`,
 * so the rooms advance at exactly the tick rate on average however late the timer fires. A stall is
 * caught up on the next wake, up to `maxCatchUpTicks` at once; beyond that the backlog is dropped
 * (and counted), so a long pause does not turn into a burst that starves the socket.
 */
export class FixedStepTicker {
  private accumulatedMs = 0;
  private lastMs = 0;
  private timer: { cancel(): void } | undefined;
  /** Ticks dropped because the backlog passed the cap. */
  droppedTicks = 0;

  constructor(
    private readonly tickMs: number,
    private readonly maxCatchUpTicks: number,
    private readonly onTick: () => void,
    private readonly clock: TickerClock = systemClock,
  ) {}

  start(): void {
    this.lastMs = this.clock.nowMs();
    this.wake();
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  /** Runs the ticks owed for the time passed since the last call; returns how many ran. */
  advance(): number {
    const now = this.clock.nowMs();
    this.accumulatedMs += now - this.lastMs;
    this.lastMs = now;
    // The epsilon keeps float error (1000 / (1000 / 60) is not exactly 60) from deferring a whole tick.
    const owed = Math.floor(this.accumulatedMs / this.tickMs + 1e-9);
    const run = Math.min(owed, this.maxCatchUpTicks);
    if (owed > run) {
      this.droppedTicks += owed - run;
      this.accumulatedMs -= (owed - run) * this.tickMs;
    }
    for (let i = 0; i < run; i++) {
      this.accumulatedMs -= this.tickMs;
      this.onTick();
    }
    return run;
  }

  private wake(): void {
    this.advance();
    this.timer = this.clock.schedule(() => this.wake(), Math.max(0, Math.ceil(this.tickMs - this.accumulatedMs)));
  }
}
