import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import type { RedisHa } from '../../scripts/lib/redis-ha.js';
import { deviceIdOf } from '../../test/support/device-id.js';
import { connect, registryAuth, type Clients } from '../../test/support/grpc-clients.js';
import { startRedisHa } from '../../test/support/redis-sentinel.js';
import { startMatcher, startService, type ServiceProcess } from '../../test/support/service-process.js';
import { eventually } from '../../test/support/wait.js';
import { TrackedPlayer } from './failover-players.js';
import { inBatches, type Cleanup } from './room-stack.js';
import { SentinelWatch } from './sentinel-watch.js';

/** A room server address nobody plays on: the Enqueue load's pairs are placed there (capacity 100,000). */
const sinkAddr = '127.0.0.1:9';
/**
 * A lease long enough that the sink, which never heartbeats, stays live all run; the room server's
 * checkpoints must outlive it (the Matcher refuses a shorter checkpoint TTL at Register).
 */
const leaseTtlMs = 600_000;
const checkpointTtlSec = 900;

export interface HaStackOptions {
  cpu: number;
  downAfterMs: number;
  games: number;
  /** REDIS_MIN_REPLICAS_ACK of the Matcher the failovers run against; undefined: the product's default (1 under Sentinel). */
  minReplicasAck?: number;
}

/** How the players of the running games fared over a window: the longest snapshot gap, reconnects, game ends. */
export interface GamesWindow {
  maxSnapshotGapMs: number;
  reconnects: number;
  ended: number;
  /** Players without a snapshot in the last second when the window closed. */
  silent: number;
}

/**
 * The Sentinel layout (primary, 2 replicas, 3 Sentinels; AOF as shipped) with a Matcher that waits
 * for a replica (the product's default) and one that does not (REDIS_MIN_REPLICAS_ACK=0), both
 * through the Sentinels, one room server with `games` running games of client-library players, and a
 * sink server that takes the pairs the Enqueue loads make. Every process but the players (this
 * process) is pinned to core `cpu`. Each piece goes to `cleanup` as soon as it runs.
 */
export class HaStack {
  private readonly gaps = new Map<TrackedPlayer, { lastMs: number; maxGapMs: number; reconnects: number; endedAt: number }>();

  private constructor(
    readonly ha: RedisHa,
    readonly sentinels: SentinelWatch,
    readonly matcher: ServiceProcess,
    readonly matcherNoWait: ServiceProcess,
    readonly room: ServiceProcess,
    readonly clients: Clients,
    readonly players: TrackedPlayer[],
  ) {
    for (const p of players) {
      const g = { lastMs: performance.now(), maxGapMs: 0, reconnects: 0, endedAt: p.ended.length };
      this.gaps.set(p, g);
      p.game.on('snapshot', () => {
        const now = performance.now();
        g.maxGapMs = Math.max(g.maxGapMs, now - g.lastMs);
        g.lastMs = now;
      });
      p.game.on('reconnecting', () => void (g.reconnects += 1));
    }
  }

  static async start(o: HaStackOptions, cleanup: Cleanup): Promise<HaStack> {
    const ha = await startRedisHa({ downAfterMs: o.downAfterMs, cpu: o.cpu });
    cleanup.add(() => ha.stop());
    const sentinels = await SentinelWatch.start(ha.layout.sentinelPorts);
    cleanup.add(() => sentinels.close());

    const env = { LOG_LEVEL: 'warn', ROOM_SERVER_LEASE_TTL_MS: String(leaseTtlMs) };
    const ack: Record<string, string> = o.minReplicasAck === undefined ? {} : { REDIS_MIN_REPLICAS_ACK: String(o.minReplicasAck) };
    const [matcher, matcherNoWait] = await Promise.all([
      startMatcher(ha.env, { ...env, ...ack }, o.cpu),
      startMatcher(ha.env, { ...env, REDIS_MIN_REPLICAS_ACK: '0' }, o.cpu),
    ]);
    cleanup.add(() => matcher.stop());
    cleanup.add(() => matcherNoWait.stop());

    // Full with its games, so that every later pair goes to the sink; games that never end by themselves.
    const flags = ['--port', '0', '--host', '127.0.0.1', '--matcher', matcher.address, '--max-rooms', String(o.games)];
    const roomEnv = { ...ha.env, ROOM_SCORE_LIMIT: '1000', ROOM_CHECKPOINT_TTL_SEC: String(checkpointTtlSec), ROOM_ABANDON_TIMEOUT_SEC: '600' };
    const room = await startService('src/room/main.ts', flags, roomEnv, { cpu: o.cpu });
    cleanup.add(() => room.stop());
    await eventually('the room server to register', () => room.output.some((line) => line.includes('registered with the matcher')), 15_000);

    const clients = connect(matcher.address);
    cleanup.add(() => clients.close());
    const players = Array.from({ length: o.games * 2 }, () => new TrackedPlayer(matcher.address));
    cleanup.add(() => players.forEach((pl) => pl.close()));
    await inBatches(players.length, 16, (i) => players[i]!.mm.login(deviceIdOf(`bench-ha-game-${i}`)));
    await Promise.all(players.map(async (pl) => void (pl.assignment = await pl.mm.findMatch(1500))));
    await Promise.all(players.map((pl) => pl.connect()));
    await clients.register({ addr: sinkAddr, capacity: 100_000, checkpointTtlMs: 0 }, registryAuth());
    return new HaStack(ha, sentinels, matcher, matcherNoWait, room, clients, players);
  }

  /** A connection to the current primary (for set-up writes and the lookups after a failover). */
  async primary(): Promise<Redis> {
    const client = new Redis(await this.ha.primaryPort(), '127.0.0.1', { maxRetriesPerRequest: 1 });
    client.on('error', () => {});
    return client;
  }

  /** A connection to each data node (primary and replicas), for INFO. */
  dataClients(): Redis[] {
    return this.ha.layout.dataPorts.map((port) => {
      const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
      client.on('error', () => {});
      return client;
    });
  }

  /** The data ports that are not the primary's. */
  replicaPorts(primaryPort: number): number[] {
    return this.ha.layout.dataPorts.filter((port) => port !== primaryPort);
  }

  /** Starts a new games window (resets the gaps and counts). */
  markGames(): void {
    const now = performance.now();
    for (const [p, g] of this.gaps) Object.assign(g, { lastMs: now, maxGapMs: 0, reconnects: 0, endedAt: p.ended.length });
  }

  /** The games since markGames(). */
  games(): GamesWindow {
    const now = performance.now();
    let maxSnapshotGapMs = 0;
    let reconnects = 0;
    let ended = 0;
    let silent = 0;
    for (const [p, g] of this.gaps) {
      maxSnapshotGapMs = Math.max(maxSnapshotGapMs, g.maxGapMs, now - g.lastMs);
      reconnects += g.reconnects;
      ended += p.ended.length - g.endedAt;
      if (now - g.lastMs > 1000) silent += 1;
    }
    return { maxSnapshotGapMs, reconnects, ended, silent };
  }
}
