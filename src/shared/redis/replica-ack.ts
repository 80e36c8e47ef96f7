import calculateSlot from 'cluster-key-slot';
import { Cluster, type Redis } from 'ioredis';
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
  /** Each master's grouped WAITs (one entry for a single Redis), by connection. */
  private readonly waiters = new WeakMap<Redis, GroupedWait>();
  /** Times a connection closed: a WAIT on a new connection says nothing of writes made on the old one. */
  private closes = 0;

  constructor(
    private readonly redis: RedisConnection,
    /** Replicas that must hold the data; 0 turns confirmation off. */
    private readonly replicas: number,
    private readonly timeoutMs: number,
    private readonly onResult: (result: ReplicaAckResult, seconds: number) => void = () => {},
  ) {
    if (redis instanceof Cluster) {
      // A node's connection closing, or a node leaving the cluster's view, fails confirmations in flight.
      redis.on('+node', (node: Redis) => node.on('close', () => this.closes++));
      redis.on('-node', () => this.closes++);
    } else {
      redis.on('close', () => this.closes++);
    }
  }

  /**
   * Resolves once enough replicas hold what this process wrote or read so far of `keys` (on one
   * Redis: of everything). On a cluster a command went to the master of its key's slot, and WAIT,
   * which has no key, has to be sent to that master on the same connection: confirm waits on the
   * masters of the keys given (on every master when none is given, or when the slot map does not
   * name one), so a shard left without a replica stalls only the writes to its slots.
   */
  async confirm(...keys: string[]): Promise<void> {
    if (this.replicas === 0) return;
    const closes = this.closes;
    const connections = this.redis instanceof Cluster ? mastersOf(this.redis, keys) : [this.redis];
    await Promise.all(connections.map((connection) => this.waiterOf(connection).share()));
    if (this.closes !== closes) throw new ReplicaAckTimeout('the Redis connection was lost before replicas confirmed the write');
  }

  private waiterOf(connection: Redis): GroupedWait {
    let waiter = this.waiters.get(connection);
    if (!waiter) {
      waiter = new GroupedWait(() => this.waitOnce(connection));
      this.waiters.set(connection, waiter);
    }
    return waiter;
  }

  private async waitOnce(connection: Redis): Promise<void> {
    const startedAt = performance.now();
    const acknowledged = await connection.wait(this.replicas, this.timeoutMs);
    const seconds = (performance.now() - startedAt) / 1000;
    if (acknowledged < this.replicas) {
      this.onResult('timeout', seconds);
      throw new ReplicaAckTimeout(`${acknowledged} of ${this.replicas} replicas confirmed the write within ${this.timeoutMs} ms`);
    }
    this.onResult('ok', seconds);
  }
}

/**
 * One connection's WAITs, grouped: one at a time, and every caller that arrives while one runs shares
 * the next (a WAIT sent before a caller's own command returned may not cover it).
 */
class GroupedWait {
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(private readonly waitOnce: () => Promise<void>) {}

  share(): Promise<void> {
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
}

/** The master connections serving the keys' slots; every master when a key's is not known. */
function mastersOf(cluster: Cluster, keys: readonly string[]): Redis[] {
  const masters = cluster.nodes('master');
  const byAddress = new Map(masters.map((node) => [`${node.options.host}:${node.options.port}`, node]));
  const serving = new Set<Redis>();
  for (const key of keys) {
    const node = byAddress.get(cluster.slots[calculateSlot(key)]?.[0] ?? '');
    if (!node) return masters;
    serving.add(node);
  }
  return keys.length === 0 ? masters : [...serving];
}

function ignore(): void {}
