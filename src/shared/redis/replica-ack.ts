import type { RedisConnection } from './client.js';
import { ReplicaAckTimeout } from './errors.js';

/** What became of one WAIT, for metrics. */
export type ReplicaAckResult = 'ok' | 'timeout';

/**
 * Makes acknowledged writes survive a failover: `confirm()` resolves once enough replicas hold
 * everything this connection has written or read so far, and rejects with ReplicaAckTimeout when they
 * do not within the time-out (the caller answers UNAVAILABLE instead of claiming success).
 *
 * It rests on WAIT, which waits for the replication offset of the connection's last command: a read
 * counts too, so a WAIT after reading another replica's write covers that write. WAIT blocks the
 * connection, so confirmations are grouped: one WAIT at a time, and every caller that arrives while
 * it runs shares the next one (a caller cannot share a WAIT that was sent before its own command
 * returned: that WAIT may not cover it).
 */
export class ReplicaAcks {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;
  /** Times the connection closed: a WAIT on a new connection says nothing of writes made on the old one. */
  private closes = 0;

  constructor(
    private readonly redis: RedisConnection,
    /** Replicas that must hold the data; 0 turns confirmation off. */
    private readonly replicas: number,
    private readonly timeoutMs: number,
    private readonly onResult: (result: ReplicaAckResult, seconds: number) => void = () => {},
  ) {
    redis.on('close', () => this.closes++);
  }

  async confirm(): Promise<void> {
    if (this.replicas === 0) return;
    const closes = this.closes;
    await this.shareWait();
    if (this.closes !== closes) throw new ReplicaAckTimeout('the Redis connection was lost before replicas confirmed the write');
  }

  private shareWait(): Promise<void> {
    if (!this.running) return this.start();
    this.next ??= this.running.then(ignore, ignore).then(() => {
      this.next = undefined;
      return this.start();
    });
    return this.next;
  }

  private start(): Promise<void> {
    const wait = this.waitOnce().finally(() => {
      if (this.running === wait) this.running = undefined;
    });
    this.running = wait;
    return wait;
  }

  private async waitOnce(): Promise<void> {
    const startedAt = performance.now();
    const acknowledged = await this.redis.wait(this.replicas, this.timeoutMs);
    const seconds = (performance.now() - startedAt) / 1000;
    if (acknowledged < this.replicas) {
      this.onResult('timeout', seconds);
      throw new ReplicaAckTimeout(`${acknowledged} of ${this.replicas} replicas confirmed the write within ${this.timeoutMs} ms`);
    }
    this.onResult('ok', seconds);
  }
}

function ignore(): void {}
