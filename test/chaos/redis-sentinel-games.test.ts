import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { Redis } from 'ioredis';
import { TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import type { RedisHa } from '../../scripts/lib/redis-ha.js';
import { bearer, connect, type Clients } from '../support/grpc-clients.js';
import { LibraryPlayer, largestTickGap } from '../support/library-player.js';
import { startRedisHa } from '../support/redis-sentinel.js';
import { latestStats, startRoomServer, type RoomStatsLine } from '../support/room-fixture.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

// Games must not end on their own during the test: an ended game deletes its room_map on purpose.
const roomEnv = { ROOM_SCORE_LIMIT: '1000', ROOM_ABANDON_TIMEOUT_SEC: '300', ROOM_REGISTRY_RETRY_MS: '100', ROOM_STATS_LOG_INTERVAL_MS: '100' };
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: '5000' };

const runningGames = 4;
/** The wave of players that gets the primary SIGKILLed right in the middle of it… */
const waveSize = 12;
/** …when this many of it have been told their assignment. */
const killAfterAssigned = 4;
/** Players queued alone before the kill (an MMR nobody else has), each holding one WatchAssignment stream. */
const lonelyWatchers = 3;

let device = 0;
const player = (addr: string) => new LibraryPlayer(addr, { deviceId: deviceIdOf(`ha-games-${device++}`), mmr: 1000 + (device % 7) * 10, chase: true });

/** One WatchAssignment stream opened before the failover: what it pushed and whether it ended. */
interface HeldWatch {
  mmr: number;
  events: WatchAssignmentResponse[];
  endedWith?: number;
  cancel(): void;
}

describe('chaos: the Redis primary SIGKILLed during games and matchmaking (Sentinel)', function () {
  this.timeout(90000);
  const stack = new Stack();
  let ha: RedisHa;
  let matcher: ServiceProcess;
  let room: ServiceProcess;
  let grpc: Clients;

  before(async function () {
    this.timeout(40000);
    ha = stack.add(await startRedisHa());
    matcher = stack.add(await startMatcher(ha.env, matcherEnv));
    room = stack.add(await startRoomServer(ha.env, matcher.address, roomEnv, 0, ['--max-rooms', '100']));
    grpc = connect(matcher.address);
    stack.add({ stop: () => grpc.close() });
  });
  after(async () => stack.stop());

  it('loses no game, assigns nobody twice, drops nobody from the queue; watch streams and processes carry on', async () => {
    const players: LibraryPlayer[] = [];
    stack.add({ stop: () => players.forEach((p) => p.close()) });
    const failures: unknown[] = [];
    const start = (n: number): void => {
      for (let i = 0; i < n; i++) {
        const p = player(matcher.address);
        players.push(p);
        p.play().catch((err: unknown) => failures.push(err));
      }
    };
    const running = () => players.every((p) => p.lastTick !== undefined);

    start(runningGames * 2);
    await eventually('the first games running', () => failures.length > 0 || running(), 15000);
    const held = await Promise.all(Array.from({ length: lonelyWatchers }, (_, i) => holdWatch(grpc, 60000 + i * 5000)));
    stack.add({ stop: () => held.forEach((watch) => watch.cancel()) });

    // A wave that gets the primary SIGKILLed as soon as part of it has been told its room.
    let killing: Promise<number> | undefined;
    const wave = players.length;
    start(waveSize);
    for (const p of players.slice(wave)) {
      p.game.on('assigned', () => {
        const assigned = players.slice(wave).filter((q) => q.assignments.length > 0).length;
        if (assigned >= killAfterAssigned && !killing) killing = ha.killPrimary();
      });
    }
    const [killed] = await eventually('the primary killed mid-wave', () => killing && [killing], 15000);
    const oldPrimary = await killed!;
    const playingAtKill = players.filter((p) => p.lastTick !== undefined);
    const killTicks = new Map(playingAtKill.map((p) => [p, p.lastTick!.tick]));
    const statsAtKill = lastStats(room);
    expect(playingAtKill.length, 'games running when the primary died').to.be.greaterThan(0);

    // More players log in and queue during the failover: they must get through by themselves.
    start(8);
    await eventually('a client backing off on UNAVAILABLE', () => players.some((p) => p.retries.some((r) => r.code === status.UNAVAILABLE)), 15000);
    const newPrimary = await ha.untilFailedOver(oldPrimary, 1);

    // The lonely players' partners arrive after the failover: the streams opened before it push ASSIGNED.
    for (const watch of held) {
      const partner = await eventually('a partner logged in', () => grpc.authenticateDevice({ deviceId: deviceIdOf(`ha-partner-${watch.mmr}`) }).catch(() => undefined));
      await eventually('the partner queued', () => grpc.enqueue({ mmr: watch.mmr }, bearer(partner.token)).catch(() => undefined));
    }
    for (const watch of held) {
      await eventually('ASSIGNED on a stream opened before the failover', () => watch.events.some((e) => e.status === TicketStatus.TICKET_STATUS_ASSIGNED), 15000);
      expect(watch.endedWith, 'the stream stayed open through the failover').to.equal(undefined);
    }

    // Everyone, before, during and after the failover, ends up in a game.
    await eventually('every player in its game', () => failures.length > 0 || running(), 30000);
    expect(failures.map(String), 'players that gave up').to.deep.equal([]);

    // Nobody assigned twice, nothing acknowledged lost: each player was told one room, and the new primary agrees.
    const check = new Redis(newPrimary, '127.0.0.1', { maxRetriesPerRequest: 1 });
    try {
      for (const p of players) {
        const rooms = new Set(p.assignments.map((a) => a.roomId));
        expect(rooms.size, `player ${p.playerId} was told one room only`).to.equal(1);
        const { assignment } = await grpc.getAssignment({}, bearer(p.session!.token));
        expect(assignment?.roomId, `GetAssignment of ${p.playerId}`).to.equal([...rooms][0]);
        expect(await check.hget(dk.roomMap(p.playerId!), 'room_id'), `room_map of ${p.playerId} on the new primary`).to.equal([...rooms][0]);
      }
      expect(await check.zcard(dk.queue()), 'nobody left waiting in the queue').to.equal(0);
      // The new primary never had the scripts (replicas get their effects, not their source): each
      // connection sent them in full (EVAL) on first use there, and runs them by SHA after.
      const commands = await check.info('commandstats');
      const calls = (name: string): number => Number(new RegExp(`^cmdstat_${name}:calls=(\\d+)`, 'm').exec(commands)?.[1] ?? 0);
      expect(calls('eval'), 'scripts sent in full to the new primary').to.be.greaterThan(0);
      expect(calls('evalsha'), 'scripts run by SHA on the new primary').to.be.greaterThan(calls('eval'));
    } finally {
      check.disconnect();
    }

    // Games kept ticking through the failover: every tick reached every player who was playing, no reconnects.
    for (const p of playingAtKill) {
      const killTick = killTicks.get(p)!;
      await eventually('five seconds of play since the kill', () => p.ticksFrom(killTick + 300).length > 0, 15000);
      expect(largestTickGap(p.ticksFrom(killTick)), 'ticks missed during the failover').to.be.at.most(2);
      expect(p.reconnects, 'reconnects during the failover').to.deep.equal([]);
    }

    // Checkpoints were skipped while there was no primary, then written again on the new one.
    const skipping = await eventually('checkpoints skipped in the failover', () => {
      const stats = lastStats(room);
      return stats.checkpoints_skipped_total > statsAtKill.checkpoints_skipped_total && stats;
    });
    await eventually('checkpoints written again', () => lastStats(room).checkpoints_written_total > skipping.checkpoints_written_total + 20);

    // Nothing was restarted: both processes run on and followed the new primary.
    for (const service of [matcher, room]) {
      expect(service.child.exitCode ?? service.child.signalCode, 'the process is still the one started').to.equal(null);
      expect(service.output.some((line) => line.includes('redis connection restored')), 'it followed the new primary').to.equal(true);
    }
  });
});

/** Logs a new player in, queues them at an MMR nobody else has, and holds one WatchAssignment stream. */
async function holdWatch(grpc: Clients, mmr: number): Promise<HeldWatch> {
  const session = await grpc.authenticateDevice({ deviceId: deviceIdOf(`ha-lonely-${mmr}`) });
  await grpc.enqueue({ mmr }, bearer(session.token));
  const stream = grpc.matcher.watchAssignment({}, bearer(session.token));
  const watch: HeldWatch = { mmr, events: [], cancel: () => stream.cancel() };
  stream.on('data', (event: WatchAssignmentResponse) => watch.events.push(event));
  stream.on('error', (err: { code: number }) => (watch.endedWith = err.code));
  stream.on('end', () => (watch.endedWith ??= status.OK));
  await eventually('the first status on the stream', () => watch.events.some((e) => e.status === TicketStatus.TICKET_STATUS_QUEUED));
  return watch;
}

function lastStats(room: ServiceProcess): RoomStatsLine {
  const stats = latestStats(room);
  if (!stats) throw new Error('no room server stats line yet');
  return stats;
}
