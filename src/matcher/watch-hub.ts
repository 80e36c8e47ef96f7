import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { AppError } from '../shared/errors.js';

type Wake = () => void;

/**
 * Wakes the local watchers of a player when any Matcher replica publishes a change for that player
 * on the ticket events channel (a message is one or more player ids separated by spaces). A wake-up carries no data: the watcher re-reads Redis, so a lost
 * message costs latency, never correctness. After the subscription is re-established (Redis came
 * back) every watcher is woken, since messages sent meanwhile are lost.
 */
export class WatchHub {
  private readonly watchers = new Map<string, Set<Wake>>();
  private closing = false;

  constructor(
    private readonly subscriber: Redis,
    private readonly channel: string,
    private readonly log: Logger,
  ) {
    subscriber.on('message', (_channel: string, playerIds: string) => {
      for (const playerId of playerIds.split(' ')) this.wake(playerId);
    });
    subscriber.on('ready', () => {
      this.subscribe();
      this.wakeAll();
    });
  }

  /** Subscribes now if the connection is already up (otherwise the 'ready' handler does it). */
  start(): void {
    if (this.subscriber.status === 'ready') this.subscribe();
  }

  /**
   * Starts watching a player: from this moment on no wake-up is missed. Iterate the result to wait
   * for wake-ups (several in a row collapse into one) until the signal aborts; iteration throws
   * UNAVAILABLE when the hub shuts down. Close it when done.
   */
  watch(playerId: string, signal: AbortSignal): PlayerWatch {
    const watch = new PlayerWatch(signal, () => this.closing, () => this.remove(playerId, watch.wake));
    this.add(playerId, watch.wake);
    return watch;
  }

  /** Ends every watch with UNAVAILABLE and stops listening. */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeAll();
    this.subscriber.disconnect();
  }

  private subscribe(): void {
    this.subscriber.subscribe(this.channel).catch((err: unknown) => {
      this.log.warn({ err }, 'subscribe to ticket events failed; will retry on reconnect');
    });
  }

  private wake(playerId: string): void {
    const set = this.watchers.get(playerId);
    if (set) for (const wake of set) wake();
  }

  private wakeAll(): void {
    for (const set of this.watchers.values()) for (const wake of set) wake();
  }

  private add(playerId: string, wake: Wake): void {
    let set = this.watchers.get(playerId);
    if (!set) this.watchers.set(playerId, (set = new Set()));
    set.add(wake);
  }

  private remove(playerId: string, wake: Wake): void {
    const set = this.watchers.get(playerId);
    set?.delete(wake);
    if (set?.size === 0) this.watchers.delete(playerId);
  }
}

/** One open watch of one player; see WatchHub.watch. */
export class PlayerWatch implements AsyncIterable<void> {
  private pending = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private notify: (() => void) | undefined;
  readonly wake: Wake = () => {
    this.pending = true;
    this.notify?.();
  };
  private readonly onAbort = (): void => this.notify?.();

  constructor(
    private readonly signal: AbortSignal,
    private readonly hubClosing: () => boolean,
    private readonly unregister: () => void,
  ) {
    signal.addEventListener('abort', this.onAbort);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<void> {
    for (;;) {
      if (!this.pending && !this.signal.aborted && !this.hubClosing()) {
        await new Promise<void>((resolve) => (this.notify = resolve));
        this.notify = undefined;
      }
      if (this.hubClosing()) throw new AppError('unavailable', 'matcher shutting down, watch again');
      if (this.signal.aborted) return;
      this.pending = false;
      yield;
    }
  }

  /** Wakes this watch after a delay (to retry a read that failed). */
  wakeAfter(delayMs: number): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(this.wake, delayMs);
  }

  close(): void {
    clearTimeout(this.retryTimer);
    this.signal.removeEventListener('abort', this.onAbort);
    this.unregister();
  }
}
