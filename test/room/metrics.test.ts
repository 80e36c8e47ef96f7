import { expect } from 'chai';
import { Registry } from 'prom-client';
import { RoomEventKind } from '../../src/gen/mini/room/v1/packets.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { dropReasons } from '../../src/room/drop-reason.js';
import { RoomServerStats } from '../../src/room/stats.js';
import { OtlpReceiver } from '../support/otlp-receiver.js';
import { parsePromText, sampleValue, scrapeMetrics, type Sample } from '../support/prom-text.js';
import { RoomFixture } from '../support/room-fixture.js';
import { policies, type UdpPlayer } from '../support/udp-player.js';
import { TestSocket } from '../support/udp-socket.js';
import { eventually } from '../support/wait.js';

const { OPPONENT_RECONNECTING, OPPONENT_RECONNECTED, GAME_ENDED } = {
  OPPONENT_RECONNECTING: RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTING,
  OPPONENT_RECONNECTED: RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED,
  GAME_ENDED: RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED,
};

/** Every metric the dashboard and the alert rules are written against. */
const roomMetrics = [
  'reconnect_success_total',
  'reconnect_failed_total',
  'checkpoint_restore_duration_seconds_count',
  'room_checkpoint_size_bytes_count',
  'room_checkpoint_writes_total',
  'room_udp_dropped_packets_total',
  'room_tick_rate',
  'room_tick_duration_seconds_count',
  'room_ticks_dropped_total',
  'room_active_rooms',
  'room_players',
  'room_games_ended_total',
];

const labelValues = (samples: Sample[], name: string, label: string): string[] =>
  samples.filter((s) => s.name === name).map((s) => s.labels[label]!);

/** Waits until a player has seen `count` room events of a kind. */
const events = (player: UdpPlayer, kind: RoomEventKind, count: number): Promise<true> =>
  player.socket.waitFor(`${count} × room event ${kind}`, () => player.events.filter((e) => e.kind === kind).length >= count || undefined);

describe('room server stats (pure, own registry)', () => {
  it('creates every series at zero, and reads the metrics back as the log fields', async () => {
    const registry = new Registry();
    const stats = new RoomServerStats(registry);
    let droppedTicks = 0;
    stats.watch({ load: () => ({ activeRooms: 2, players: 3 }), tickRate: () => 59.5, droppedTicks: () => droppedTicks });
    const fresh = parsePromText(await registry.metrics());
    expect(labelValues(fresh, 'room_udp_dropped_packets_total', 'reason')).to.have.members(dropReasons);
    expect(labelValues(fresh, 'room_checkpoint_writes_total', 'result')).to.have.members(['written', 'skipped', 'refused', 'fenced', 'failed']);
    for (const name of roomMetrics) expect(sampleValue(fresh, name), name).to.be.a('number');

    stats.drop('malformed');
    stats.drop('malformed');
    stats.checkpointWritten(100);
    stats.checkpointsNotWritten('skipped', 3);
    stats.restored(20);
    droppedTicks = 4;
    expect(await stats.read()).to.deep.include({
      drops: { malformed: 2 },
      checkpoints_written_total: 1,
      checkpoints_skipped_total: 3,
      checkpoint_restores_total: 1,
      active_rooms: 2,
      players: 3,
      tick_rate: 59.5,
      ticks_dropped_total: 4,
    });
    droppedTicks = 5;
    const samples = parsePromText(await registry.metrics());
    expect(sampleValue(samples, 'room_ticks_dropped_total'), 'a counter of the ticker\'s total').to.equal(5);
    expect(sampleValue(samples, 'checkpoint_restore_duration_seconds_sum')).to.equal(0.02);
  });
});

describe('room server: metrics and traces (real processes, scraped /metrics, OTLP)', function () {
  this.timeout(60000);
  let receiver: OtlpReceiver;
  let fx: RoomFixture;
  before(async () => {
    receiver = await OtlpReceiver.start();
    fx = await RoomFixture.start({ ROOM_SCORE_LIMIT: '100', ROOM_RECONNECT_TIMEOUT_MS: '300', ...receiver.env });
  });
  after(async () => {
    await fx.stop();
    await receiver.stop();
  });
  const scrape = (): Promise<Sample[]> => scrapeMetrics(fx.room.metricsPort);

  it('counts exactly what a scripted game did: reconnects, malformed datagrams, checkpoints, rooms, players and ticks', async () => {
    const fresh = await scrape();
    expect(labelValues(fresh, 'room_udp_dropped_packets_total', 'reason')).to.have.members(dropReasons);
    expect(labelValues(fresh, 'room_checkpoint_writes_total', 'result')).to.have.members(['written', 'skipped', 'refused', 'fenced', 'failed']);
    for (const name of roomMetrics) expect(sampleValue(fresh, name), name).to.be.a('number');
    expect(sampleValue(fresh, 'redis_errors_total', { connection: 'room', kind: 'connection' })).to.equal(0);

    const { left, right } = await fx.matchPair();
    let a = await fx.connect(left, policies.still);
    const b = await fx.connect(right, policies.still);
    const k = 3;
    for (let i = 1; i <= k; i++) {
      a.silence();
      await events(b, OPPONENT_RECONNECTING, i);
      a = await fx.connect(left, policies.still);
      expect(a.welcome.resumed).to.equal(true);
      await events(b, OPPONENT_RECONNECTED, i);
    }
    const m = 7;
    const attacker = await TestSocket.open(fx.roomAddr);
    // An unfinished varint: not a Packet.
    for (let i = 0; i < m; i++) attacker.sendBytes(Buffer.from([0xff, 0xff, 0xff]));

    const samples = await eventually('the malformed datagrams counted', async () => {
      const s = await scrape();
      return sampleValue(s, 'room_udp_dropped_packets_total', { reason: 'malformed' }) === m ? s : undefined;
    });
    attacker.close();
    const value = (name: string, labels?: Record<string, string>): number | undefined => sampleValue(samples, name, labels);
    expect(value('reconnect_success_total')).to.equal(k);
    expect(value('reconnect_failed_total')).to.equal(0);
    expect(value('room_udp_dropped_packets_total'), 'nothing else dropped').to.equal(m);
    const written = value('room_checkpoint_writes_total', { result: 'written' })!;
    expect(written).to.be.above(0);
    expect(value('room_checkpoint_size_bytes_count')).to.equal(written);
    for (const result of ['skipped', 'refused', 'failed']) expect(value('room_checkpoint_writes_total', { result }), result).to.equal(0);
    expect(value('room_active_rooms')).to.equal(1);
    expect(value('room_players')).to.equal(2);
    expect(value('room_tick_rate')).to.be.closeTo(60, 5);
    expect(value('room_tick_duration_seconds_count')).to.be.above(60);
    expect(value('room_games_ended_total')).to.equal(0);
    expect(value('checkpoint_restore_duration_seconds_count')).to.equal(0);
    // The log line is read from the same metrics.
    await fx.waitStats('the log line to agree', (s) => s.reconnect_success_total === k && s.drops.malformed === m && s.players === 2);

    await a.leave();
    await events(b, GAME_ENDED, 1);
    const after = await eventually('the room gone from the gauges', async () => {
      const s = await scrape();
      return sampleValue(s, 'room_active_rooms') === 0 && sampleValue(s, 'room_players') === 0 ? s : undefined;
    });
    expect(sampleValue(after, 'room_games_ended_total')).to.equal(1);
    expect(sampleValue(after, 'reconnect_failed_total'), 'a player who left is no failed reconnect').to.equal(0);
    b.close();
  });

  it('after a crash, times the restore and traces it under the accept; a player who never returns is a failed reconnect', async () => {
    const { left, right, roomId } = await fx.matchPair();
    const a = await fx.connect(left, policies.still);
    const b = await fx.connect(right, policies.still);
    await eventually('a checkpoint', () => fx.checkpoint(roomId));
    await fx.restartRoom();
    a.silence();
    b.silence();
    const before = await scrape();
    expect(sampleValue(before, 'reconnect_success_total'), 'a new process starts from zero').to.equal(0);

    const a2 = await fx.connect(left, policies.still);
    expect(a2.welcome).to.include({ roomId, resumed: true });
    const restored = await scrape();
    expect(sampleValue(restored, 'checkpoint_restore_duration_seconds_count')).to.equal(1);
    expect(sampleValue(restored, 'checkpoint_restore_duration_seconds_sum')).to.be.above(0);
    expect(sampleValue(restored, 'reconnect_success_total')).to.equal(1);
    expect(sampleValue(restored, 'room_active_rooms')).to.equal(1);
    expect(sampleValue(restored, 'room_players')).to.equal(1);

    const restore = await eventually('the restore span', () => receiver.spans.find((s) => s.name === 'room.restore' && s.attributes['room.id'] === roomId));
    const accept = await eventually('the accept span around it', () => receiver.spans.find((s) => s.spanId === restore.parentSpanId));
    expect(accept).to.include({ service: 'room', name: 'room.accept_connect', traceId: restore.traceId });
    expect(accept.attributes).to.include({ 'room.id': roomId, 'room.player_id': left.id, 'room.slot': 'SLOT_LEFT', 'room.resumed': true });
    await eventually('the Redis reads of the lookup under the accept', () =>
      receiver.spans.some((s) => s.parentSpanId === accept.spanId && (s.attributes['db.system'] ?? s.attributes['db.system.name']) === 'redis'),
    );

    // B never comes back: after the grace (10 s) it forfeits.
    const ended = await a2.event(GAME_ENDED, 20000);
    expect(ended.result).to.deep.include({ reason: EndReason.END_REASON_FORFEIT, winnerId: left.id });
    const final = await scrape();
    expect(sampleValue(final, 'reconnect_failed_total')).to.equal(1);
    expect(sampleValue(final, 'room_games_ended_total')).to.equal(1);
    a2.close();
  });
});
