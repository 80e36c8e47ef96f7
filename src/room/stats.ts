import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { dropReasons, type DropReason } from './drop-reason.js';

/**
 * What became of a checkpoint that was due: written; skipped (Redis unreachable); refused (the
 * owner/epoch guard: another server holds a newer state); fenced (the Matcher moved the room to
 * another server); failed (Redis answered with an error, or the write broke before it was sent).
 */
export type CheckpointResult = 'written' | 'skipped' | 'refused' | 'fenced' | 'failed';

const checkpointResults: CheckpointResult[] = ['written', 'skipped', 'refused', 'fenced', 'failed'];

/** Where the gauges read the server's state at scrape time. */
export interface LoadSources {
  load(): { activeRooms: number; players: number };
  /** Ticks per second over the last seconds. */
  tickRate(): number;
  /** Ticks the ticker dropped since start (it only grows). */
  droppedTicks(): number;
}

/** The `room server stats` log line: the same metrics, read back. */
export interface RoomStatsFields {
  /** Only the reasons seen so far. */
  drops: Partial<Record<DropReason, number>>;
  reconnect_success_total: number;
  reconnect_failed_total: number;
  checkpoints_written_total: number;
  checkpoints_skipped_total: number;
  checkpoints_refused_total: number;
  checkpoints_fenced_total: number;
  checkpoints_failed_total: number;
  rooms_moved_away_total: number;
  checkpoint_restores_total: number;
  games_ended_total: number;
  /** From here on only once `watch` was called. */
  active_rooms?: number;
  players?: number;
  tick_rate?: number;
  ticks_dropped_total?: number;
}

/**
 * The room server's metrics, in a Prometheus registry: the one place they are counted, served at
 * /metrics and read back for the periodic log line. Labels are bounded: never a room or player id.
 */
export class RoomServerStats {
  private readonly drops: Counter<'reason'>;
  private readonly reconnects: Counter;
  private readonly reconnectsFailed: Counter;
  private readonly checkpointWrites: Counter<'result'>;
  private readonly checkpointSize: Histogram;
  private readonly restoreDuration: Histogram;
  private readonly tickDuration: Histogram;
  private readonly gamesEnded: Counter;
  private readonly fencedWrites: Counter<'write'>;
  private readonly movedAway: Counter;
  private watched: { activeRooms: Gauge; players: Gauge; tickRate: Gauge; droppedTicks: Counter } | undefined;

  constructor(private readonly registry: Registry) {
    const registers = [registry];
    this.drops = new Counter({
      name: 'room_udp_dropped_packets_total',
      help: 'Datagrams dropped and connects refused, by reason',
      labelNames: ['reason'] as const,
      registers,
    });
    for (const reason of dropReasons) this.drops.inc({ reason }, 0);
    this.reconnects = new Counter({ name: 'reconnect_success_total', help: 'Players who took their seat back in a running game', registers });
    this.reconnectsFailed = new Counter({
      name: 'reconnect_failed_total',
      help: 'Reconnecting players who forfeited because the grace ran out',
      registers,
    });
    this.checkpointWrites = new Counter({
      name: 'room_checkpoint_writes_total',
      help: 'Due checkpoints by result: written, skipped (Redis unreachable), refused (owner/epoch guard), failed (other errors)',
      labelNames: ['result'] as const,
      registers,
    });
    for (const result of checkpointResults) this.checkpointWrites.inc({ result }, 0);
    this.checkpointSize = new Histogram({
      name: 'room_checkpoint_size_bytes',
      help: 'Size of the encoded checkpoints written',
      buckets: [64, 128, 256, 512, 1024, 2048, 4096, 8192],
      registers,
    });
    this.restoreDuration = new Histogram({
      name: 'checkpoint_restore_duration_seconds',
      help: 'Time to restore a room from its Redis checkpoint: lookup, decode, hosting',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.tickDuration = new Histogram({
      name: 'room_tick_duration_seconds',
      help: 'Time one tick of every room took (the budget is 16.7 ms)',
      buckets: [0.0005, 0.001, 0.002, 0.004, 0.008, 0.0167, 0.025, 0.05],
      registers,
    });
    this.gamesEnded = new Counter({ name: 'room_games_ended_total', help: 'Games that ended on this server, for any reason', registers });
    this.fencedWrites = new Counter({
      name: 'room_fenced_writes_total',
      help: 'Writes refused because the room is placed on another server now (checkpoint or info)',
      labelNames: ['write'] as const,
      registers,
    });
    for (const write of ['checkpoint', 'info']) this.fencedWrites.inc({ write }, 0);
    this.movedAway = new Counter({
      name: 'room_moved_away_total',
      help: 'Rooms dropped from this server because they are played elsewhere now (fenced or refused writes, drain hand-over)',
      registers,
    });
  }

  /** Info updates refused because the room moved away. */
  infoUpdatesFenced(count: number): void {
    if (count > 0) this.fencedWrites.inc({ write: 'info' }, count);
  }

  roomMovedAway(): void {
    this.movedAway.inc();
  }

  drop(reason: DropReason): void {
    this.drops.inc({ reason });
  }

  reconnected(): void {
    this.reconnects.inc();
  }

  /** Players who were reconnecting when their game ended by forfeit. */
  reconnectFailed(players: number): void {
    this.reconnectsFailed.inc(players);
  }

  gameEnded(): void {
    this.gamesEnded.inc();
  }

  checkpointWritten(sizeBytes: number): void {
    this.checkpointWrites.inc({ result: 'written' });
    this.checkpointSize.observe(sizeBytes);
  }

  checkpointsNotWritten(result: Exclude<CheckpointResult, 'written'>, count: number): void {
    if (count <= 0) return;
    this.checkpointWrites.inc({ result }, count);
    if (result === 'fenced') this.fencedWrites.inc({ write: 'checkpoint' }, count);
  }

  restored(durationMs: number): void {
    this.restoreDuration.observe(durationMs / 1000);
  }

  /** One tick of the ticker (every room) took durationMs. */
  ticked(durationMs: number): void {
    this.tickDuration.observe(durationMs / 1000);
  }

  /** Adds the gauges of the server's state, read from `sources` at every scrape (and log line). */
  watch(sources: LoadSources): void {
    const registers = [this.registry];
    let droppedSeen = 0;
    this.watched = {
      activeRooms: sampledGauge(registers, 'room_active_rooms', 'Rooms hosted here whose game has not ended', () => sources.load().activeRooms),
      players: sampledGauge(registers, 'room_players', 'Players connected to a room here', () => sources.load().players),
      tickRate: sampledGauge(registers, 'room_tick_rate', 'Ticks per second over the last 5 s (the target is 60)', sources.tickRate),
      droppedTicks: new Counter({
        name: 'room_ticks_dropped_total',
        help: 'Ticks dropped because the backlog after a stall passed ROOM_MAX_CATCH_UP_TICKS',
        registers,
        // The ticker keeps the total; the counter takes what was added since the last read.
        collect() {
          const dropped = sources.droppedTicks();
          this.inc(dropped - droppedSeen);
          droppedSeen = dropped;
        },
      }),
    };
  }

  /** The metrics as log fields (asynchronous, as prom-client reads them). */
  async read(): Promise<RoomStatsFields> {
    const drops = (await this.drops.get()).values.filter((v) => v.value > 0).map((v) => [v.labels.reason, v.value]);
    const writes = new Map((await this.checkpointWrites.get()).values.map((v) => [v.labels.result, v.value]));
    const restores = (await this.restoreDuration.get()).values.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0;
    const fields: RoomStatsFields = {
      drops: Object.fromEntries(drops) as RoomStatsFields['drops'],
      reconnect_success_total: await valueOf(this.reconnects),
      reconnect_failed_total: await valueOf(this.reconnectsFailed),
      checkpoints_written_total: writes.get('written') ?? 0,
      checkpoints_skipped_total: writes.get('skipped') ?? 0,
      checkpoints_refused_total: writes.get('refused') ?? 0,
      checkpoints_fenced_total: writes.get('fenced') ?? 0,
      checkpoints_failed_total: writes.get('failed') ?? 0,
      rooms_moved_away_total: await valueOf(this.movedAway),
      checkpoint_restores_total: restores,
      games_ended_total: await valueOf(this.gamesEnded),
    };
    if (!this.watched) return fields;
    const { activeRooms, players, tickRate, droppedTicks } = this.watched;
    return {
      ...fields,
      active_rooms: await valueOf(activeRooms),
      players: await valueOf(players),
      tick_rate: await valueOf(tickRate),
      ticks_dropped_total: await valueOf(droppedTicks),
    };
  }
}

/** A gauge set from `read` whenever it is collected. */
function sampledGauge(registers: Registry[], name: string, help: string, read: () => number): Gauge {
  return new Gauge({
    name,
    help,
    registers,
    collect() {
      this.set(read());
    },
  });
}

/** The value of a metric without labels. */
async function valueOf(metric: Counter | Gauge): Promise<number> {
  return (await metric.get()).values[0]?.value ?? 0;
}
