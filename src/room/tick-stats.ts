/** How far back the tick rate and duration percentiles look. */
const windowMs = 5000;
/** Enough samples for the window at 60 ticks/s with room to spare. */
const capacity = 1024;

/** Tick health for heartbeats and logs: ticks per second and the p99 tick duration over the last few seconds. */
export class TickStats {
  private readonly atMs = new Float64Array(capacity);
  private readonly durationMs = new Float64Array(capacity);
  private next = 0;
  private size = 0;
  private firstMs: number | undefined;

  /** Records a tick that ended at `endMs` (monotonic) and took `durationMs`. */
  record(endMs: number, durationMs: number): void {
    this.firstMs ??= endMs;
    this.atMs[this.next] = endMs;
    this.durationMs[this.next] = durationMs;
    this.next = (this.next + 1) % capacity;
    this.size = Math.min(this.size + 1, capacity);
  }

  /** Ticks per second and p99 duration (ms) of the ticks in the window before nowMs. */
  read(nowMs: number): { tickRate: number; tickDurationP99Ms: number } {
    const durations: number[] = [];
    for (let i = 0; i < this.size; i++) {
      if (nowMs - this.atMs[i]! <= windowMs) durations.push(this.durationMs[i]!);
    }
    // Shortly after start the window is only as long as the ticks recorded so far.
    const spanMs = Math.min(windowMs, nowMs - (this.firstMs ?? nowMs));
    if (durations.length === 0 || spanMs <= 0) return { tickRate: 0, tickDurationP99Ms: 0 };
    durations.sort((a, b) => a - b);
    const p99 = durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.99) - 1)]!;
    return { tickRate: durations.length / (spanMs / 1000), tickDurationP99Ms: p99 };
  }
}
