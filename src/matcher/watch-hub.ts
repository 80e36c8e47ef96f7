import type { RedisConnection } from '../shared/redis/client.js';
import type { Logger } from 'pino';
import { AppError } from '../shared/errors.js';
import { closeRedis } from '../shared/redis/client.js';

type Wake = () => void;

/**
 * Wakes the local watchers of a player when any Matcher replica publishes a change for that player
 * on the ticket events channel (a message is one or more player ids separated by spaces). A wake-up carries no data: the watcher re-reads Redis, so a lost
 * message costs latency, never correctness. After the subscription is re-established (Redis came
 * back) every watcher is woken, since messages sent meanwhile are lost.
 */
export class WatchHub {
  /** Each player's open watches, oldest first (a Set keeps insertion order). */
  private readonly watchers = new Map<string, Set<PlayerWatch>>();
  private closing = false;

  constructor(
    private readonly subscriber: RedisConnection,
    private readonly channel: string,
    private readonly log: Logger,
    /** Most watches one player holds open; a new one past it ends the oldest (RESOURCE_EXHAUSTED). */
    private readonly maxWatchesPerPlayer: number,
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
    const watch = new PlayerWatch(signal, () => this.closing, () => this.remove(playerId, watch));
    this.add(playerId, watch);
    return watch;
  }

  /** Ends every watch with UNAVAILABLE and stops listening. */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeAll();
    await closeRedis(this.subscriber);
  }

  private subscribe(): void {
    this.subscriber.subscribe(this.channel).catch((err: unknown) => {
      this.log.warn({ err }, 'subscribe to ticket events failed; will retry on reconnect');
    });
  }

  private wake(playerId: string): void {
    const set = this.watchers.get(playerId);
    if (set) for (const watch of set) watch.wake();
  }

  private wakeAll(): void {
    for (const set of this.watchers.values()) for (const watch of set) watch.wake();
  }

  private add(playerId: string, watch: PlayerWatch): void {
    let set = this.watchers.get(playerId);
    if (!set) this.watchers.set(playerId, (set = new Set()));
    set.add(watch);
    if (set.size > this.maxWatchesPerPlayer) {
      const oldest = set.values().next().value!;
      set.delete(oldest);
      oldest.supersede();
    }
  }

  private remove(playerId: string, watch: PlayerWatch): void {
    const set = this.watchers.get(playerId);
    set?.delete(watch);
    if (set?.size === 0) this.watchers.delete(playerId);
  }
}

/** One open watch of one player; see WatchHub.watch. */
export class PlayerWatch implements AsyncIterable<void> {
  private pending = false;
  private superseded = false;
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
      if (this.superseded) throw new AppError('resource_exhausted', 'too many watches open for this player: the oldest was closed');
      if (this.signal.aborted) return;
      this.pending = false;
      yield;
    }
  }

  /** Ends this watch (RESOURCE_EXHAUSTED): the player opened more than the hub allows. */
  supersede(): void {
    this.superseded = true;
    this.wake();
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
