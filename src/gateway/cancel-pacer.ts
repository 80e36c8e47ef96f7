/** A call the pacer can cancel: a grpc-js client call. */
export interface Cancellable {
  cancel(): void;
  once(event: 'status', listener: () => void): unknown;
}

export interface CancelPacerOptions {
  /** Cancellations sent per second once the burst is spent. */
  ratePerSec: number;
  /** Cancellations sent at once before the rate applies. */
  burst: number;
  /** Milliseconds on a monotonic clock (tests pass their own). */
  nowMs?: () => number;
}

/**
 * Sends the cancellations (HTTP/2 RST_STREAM frames) of the calls on one connection no faster than
 * a token bucket allows, so that many clients dropping their watches never look like a rapid-reset
 * attack to the Matcher (Node's HTTP/2 server ends the whole connection with GOAWAY once a peer
 * resets more than 1,000 streams at once, or more than 33 a second after that — nghttp2's default,
 * which Node 20 does not let a server change). A cancellation over budget waits its turn; a call
 * that ends by itself meanwhile, or already had, needs no cancellation and costs nothing.
 */
export class CancelPacer {
  private readonly ended = new WeakSet<Cancellable>();
  private readonly waiting = new Set<Cancellable>();
  private readonly nowMs: () => number;
  private tokens: number;
  private refilledAtMs: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: CancelPacerOptions) {
    this.nowMs = options.nowMs ?? (() => performance.now());
    this.tokens = options.burst;
    this.refilledAtMs = this.nowMs();
  }

  /** Starts following a call as soon as it is made, so that its end is known. */
  track(call: Cancellable): void {
    call.once('status', () => {
      this.ended.add(call);
      this.waiting.delete(call);
    });
  }

  /** Cancels a tracked call: now if the budget allows, else as soon as it does. */
  cancel(call: Cancellable): void {
    if (this.ended.has(call) || this.waiting.has(call)) return;
    this.waiting.add(call);
    this.drain();
  }

  /** Calls waiting for their cancellation to be sent. */
  get backlog(): number {
    return this.waiting.size;
  }

  /** Cancels every waiting call now (the gateway is exiting: its connections close anyway). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const call of [...this.waiting]) this.send(call);
  }

  /** Sends as many waiting cancellations as the budget allows, and schedules the rest. */
  drain(): void {
    this.refill();
    for (const call of this.waiting) {
      if (this.tokens < 1) break;
      this.tokens--;
      this.send(call);
    }
    if (this.waiting.size > 0 && this.timer === undefined) {
      const waitMs = Math.ceil(((1 - this.tokens) / this.options.ratePerSec) * 1000);
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.drain();
      }, waitMs).unref();
    }
  }

  private send(call: Cancellable): void {
    this.waiting.delete(call);
    this.ended.add(call);
    call.cancel();
  }

  private refill(): void {
    const now = this.nowMs();
    this.tokens = Math.min(this.options.burst, this.tokens + ((now - this.refilledAtMs) / 1000) * this.options.ratePerSec);
    this.refilledAtMs = now;
  }
}
