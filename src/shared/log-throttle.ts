/**
 * At most one log line per interval for a recurring condition (an outage makes every call fail the
 * same way): `take()` says whether to log now, and how many were held back since the last line.
 */
export class LogThrottle {
  private lastAtMs = Number.NEGATIVE_INFINITY;
  private held = 0;

  constructor(
    private readonly intervalMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** undefined: stay quiet; otherwise log, mentioning `suppressed` lines held back since the last one. */
  take(): { suppressed: number } | undefined {
    const nowMs = this.now();
    if (nowMs - this.lastAtMs < this.intervalMs) {
      this.held += 1;
      return undefined;
    }
    const suppressed = this.held;
    this.lastAtMs = nowMs;
    this.held = 0;
    return { suppressed };
  }
}
