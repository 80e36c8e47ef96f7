import { ReplyError } from 'ioredis';
import type { RedisConnection } from '../shared/redis/client.js';
import { checkpointReply, replyName, roomInfoReply } from '../shared/redis/contract.js';
import { isRedisUnavailable } from '../shared/redis/errors.js';
import type { Logger } from 'pino';
import type { RegionKeys } from '../shared/redis/keys.js';
import type { RoomInfoView } from './room-views.js';
import { queueScript } from './scripts.js';
import { encodeWorld } from './sim/checkpoint.js';
import type { World } from './sim/world.js';
import type { RoomServerStats } from './stats.js';

/** Most checkpoints per script call, so that one call never holds Redis for long. */
const checkpointsPerCall = 100;

/** What became of one flush's due checkpoints: each is in exactly one of these. */
interface CheckpointFate {
  /** The encoded size of each checkpoint written. */
  writtenBytes: number[];
  refused: World[];
  /** Checkpoints of rooms that moved away (placed elsewhere now). */
  fenced: World[];
  failed: number;
  skipped: number;
  /** Rooms whose info update was fenced (they moved away). */
  fencedInfos: string[];
}

function noFate(): CheckpointFate {
  return { writtenBytes: [], refused: [], fenced: [], failed: 0, skipped: 0, fencedInfos: [] };
}

/** Where and how long checkpoints are kept, and who writes them. */
export interface CheckpointOptions {
  /** This server's public address, as in `room:<id>:info`. */
  addr: string;
  ttlMs: number;
  /**
   * Called, once per room, when a write showed the room is not this server's any more: moved away
   * (fenced), or another owner holds a newer state of it (refused). Runs after the counts; a throw
   * is logged and changes no count.
   */
  onMovedAway: (roomId: string) => void;
}

/**
 * Writes checkpoints and info changes to Redis, everything due in a tick as ONE pipeline, never
 * blocking the tick: while a write is in flight, newer states replace queued ones. With Redis
 * unreachable the due checkpoints are skipped and counted (the game goes on); info changes wait.
 * Every due checkpoint is counted once: written, skipped, refused or failed.
 */
export class CheckpointWriter {
  private readonly checkpoints = new Map<string, World>();
  private readonly infos = new Map<string, RoomInfoView>();
  private inFlight: Promise<void> | undefined;
  private failing = false;

  constructor(
    private readonly redis: RedisConnection,
    private readonly keys: RegionKeys,
    private readonly options: CheckpointOptions,
    private readonly stats: RoomServerStats,
    private readonly log: Logger,
  ) {}

  /** Queues the worlds and info views of a tick, and sends them unless a write is in flight. */
  write(worlds: World[], infos: { roomId: string; view: RoomInfoView }[]): void {
    for (const world of worlds) this.checkpoints.set(world.roomId, world);
    for (const { roomId, view } of infos) this.infos.set(roomId, view);
    if (!this.inFlight && (this.checkpoints.size > 0 || this.infos.size > 0)) {
      this.inFlight = this.flushQueued().finally(() => (this.inFlight = undefined));
    }
  }

  /** Waits for the write in flight, then writes what is queued (the final checkpoints at shutdown). */
  async drain(): Promise<void> {
    await this.inFlight;
    if (this.checkpoints.size > 0 || this.infos.size > 0) await this.flushQueued();
  }

  /** Takes the queue and writes it; never rejects. */
  private async flushQueued(): Promise<void> {
    const worlds = [...this.checkpoints.values()];
    const infos = [...this.infos.entries()];
    this.checkpoints.clear();
    this.infos.clear();
    let fate: CheckpointFate;
    try {
      fate = await this.flush(worlds, infos);
    } catch (err) {
      // A bug, not Redis: these checkpoints are lost (the next ones are due in a few ticks).
      fate = { ...noFate(), failed: worlds.length };
      this.log.error({ err }, 'checkpoint flush failed');
    }
    // Counted here and only here, and before any callback runs: every due checkpoint exactly once.
    for (const sizeBytes of fate.writtenBytes) this.stats.checkpointWritten(sizeBytes);
    this.stats.checkpointsNotWritten('refused', fate.refused.length);
    this.stats.checkpointsNotWritten('fenced', fate.fenced.length);
    this.stats.checkpointsNotWritten('failed', fate.failed);
    this.stats.checkpointsNotWritten('skipped', fate.skipped);
    this.stats.infoUpdatesFenced(fate.fencedInfos.length);
    const movedAway = new Map<string, string>();
    for (const world of fate.refused) movedAway.set(world.roomId, 'checkpoint refused: another server holds a newer state of the room');
    for (const world of fate.fenced) movedAway.set(world.roomId, 'checkpoint fenced: the room was moved to another server');
    for (const roomId of fate.fencedInfos) if (!movedAway.has(roomId)) movedAway.set(roomId, 'info update fenced: the room was moved to another server');
    for (const [roomId, why] of movedAway) this.movedAway(roomId, why);
  }

  /** Writes the checkpoints and info changes; says what became of each checkpoint, counting none. */
  private async flush(worlds: World[], infos: [string, RoomInfoView][]): Promise<CheckpointFate> {
    const fate = noFate();
    if (this.redis.status !== 'ready') return this.failed(fate, worlds.length, infos, new Error(`redis ${this.redis.status}`));
    const pipeline = this.redis.pipeline();
    // All rooms due this tick in a few script calls rather than one call per room.
    const batches: { world: World; bytes: Buffer }[][] = [];
    for (let i = 0; i < worlds.length; i += checkpointsPerCall) {
      batches.push(worlds.slice(i, i + checkpointsPerCall).map((world) => ({ world, bytes: Buffer.from(encodeWorld(world)) })));
    }
    for (const batch of batches) {
      const keys = batch.flatMap(({ world }) => [this.keys.roomCheckpoint(world.roomId), this.keys.roomInfo(world.roomId)]);
      const args = batch.flatMap(({ world, bytes }) => [bytes, world.owner, world.epoch, world.placementEpoch]);
      queueScript(pipeline, 'write-checkpoint', keys, [this.options.ttlMs, this.options.addr, ...args]);
    }
    for (const [roomId, view] of infos) {
      const args = [this.options.addr, view.status, view.playerCount, Date.now(), view.placementEpoch];
      queueScript(pipeline, 'update-room-info', [this.keys.roomInfo(roomId)], args);
    }
    let replies: [Error | null, unknown][];
    try {
      replies = (await pipeline.exec()) ?? [];
    } catch (err) {
      return this.failed(fate, worlds.length, infos, err);
    }
    let skipped = 0;
    batches.forEach((batch, b) => {
      const [err, codes] = replies[b] ?? [new Error('no reply'), []];
      if (err) {
        // Redis answered with an error (a broken script, a wrong type): it is up, but the write failed.
        // One that means "not now" (out of memory, loading) counts as skipped, like an outage.
        if (err instanceof ReplyError && !isRedisUnavailable(err)) {
          fate.failed += batch.length;
          this.log.error({ err: err.message, checkpoints: batch.length }, 'checkpoint write failed');
        } else {
          skipped += batch.length;
        }
        return;
      }
      batch.forEach(({ world, bytes }, i) => {
        const reply = replyName(checkpointReply, (codes as number[])[i], 'refused');
        if (reply === 'written') fate.writtenBytes.push(bytes.length);
        else if (reply === 'fenced') fate.fenced.push(world);
        else fate.refused.push(world);
      });
    });
    infos.forEach(([roomId], i) => {
      const [err, code] = replies[batches.length + i] ?? [null, 0];
      if (!err && replyName(roomInfoReply, code, 'updated') === 'fenced') fate.fencedInfos.push(roomId);
    });
    const failedInfos = infos.filter((_, i) => (replies[batches.length + i]?.[0] ?? null) !== null);
    if (skipped > 0 || failedInfos.length > 0) return this.failed(fate, skipped, failedInfos, replies.find(([e]) => e)?.[0]);
    if (this.failing) this.log.info('checkpoints written again');
    this.failing = false;
    return fate;
  }

  /** After the counts; the callback (evicting the room) failing is logged, not thrown. */
  private movedAway(roomId: string, why: string): void {
    this.log.warn({ room_id: roomId }, why);
    try {
      this.options.onMovedAway(roomId);
    } catch (err) {
      this.log.error({ err, room_id: roomId }, 'dropping a room that moved away failed');
    }
  }

  /** Adds the skipped checkpoints to the fate and puts failed info changes back, unless a newer one is queued. */
  private failed(fate: CheckpointFate, skipped: number, infos: [string, RoomInfoView][], err: unknown): CheckpointFate {
    fate.skipped += skipped;
    for (const [roomId, view] of infos) if (!this.infos.has(roomId)) this.infos.set(roomId, view);
    if (!this.failing) this.log.warn({ err: err instanceof Error ? err.message : String(err), skipped }, 'checkpoints skipped: redis unavailable');
    this.failing = true;
    return fate;
  }
}
