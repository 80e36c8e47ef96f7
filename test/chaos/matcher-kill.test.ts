import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { TicketStatus, type Assignment, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { LibraryPlayer, largestTickGap } from '../support/library-player.js';
import { sampleValue, scrapeMetrics } from '../support/prom-text.js';
import { RedisServer } from '../support/redis-server.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: '5000' };
const leaseMs = Number(matcherEnv.ROOM_SERVER_LEASE_TTL_MS);
const roomEnv = { ROOM_SCORE_LIMIT: '1000', ROOM_REGISTRY_RETRY_MS: '100' };

let device = 0;
const newPlayer = (target: string, mmr: number) => new LibraryPlayer(target, { deviceId: deviceIdOf(`chaos-matcher-${device++}`), mmr, chase: device % 2 === 0 });

/**
 * Two Matcher replicas on one Redis and two room servers: one registered through A with B as its
 * fallback (`--matcher ipv4:A,B`: gRPC pick_first stays on A while it lives), one through B alone.
 */
describe('chaos: a Matcher replica SIGKILLed while games run (real processes)', function () {
  this.timeout(40000);
  const stack = new Stack();
  let redis: RedisServer;
  let matcherA: ServiceProcess;
  let matcherB: ServiceProcess;
  let roomOfA: ServiceProcess;
  let roomOfB: ServiceProcess;

  before(async function () {
    this.timeout(40000);
    redis = stack.add(await RedisServer.start());
    [matcherA, matcherB] = await Promise.all([startMatcher(redis.url, matcherEnv), startMatcher(redis.url, matcherEnv)]);
    stack.add(matcherA);
    stack.add(matcherB);
    roomOfA = stack.add(await startRoomServer(redis.url, `ipv4:${matcherA.address},${matcherB.address}`, roomEnv, 0));
    roomOfB = stack.add(await startRoomServer(redis.url, matcherB.address, roomEnv, 0));
  });
  after(async () => stack.stop());

  it('games miss no tick, the replica matches new players and keeps both room servers live, and a watcher on the dead replica gets its assignment', async () => {
    const players: LibraryPlayer[] = [];
    stack.add({ stop: () => players.forEach((p) => p.close()) });
    const failures: unknown[] = [];
    const start = (p: LibraryPlayer): LibraryPlayer => {
      players.push(p);
      p.play().catch((err: unknown) => failures.push(err));
      return p;
    };

    // Two games matched through A, one on each room server (least loaded).
    const gamers = [1000, 1000, 2000, 2000].map((mmr) => start(newPlayer(matcherA.address, mmr)));
    await eventually('games running', () => failures.length > 0 || gamers.every((p) => p.lastTick !== undefined), 15000);
    expect(failures.map(String)).to.deep.equal([]);
    expect(new Set(gamers.map((p) => p.assignments[0]!.roomAddr))).to.deep.equal(new Set([roomOfA.address, roomOfB.address]));

    // A watcher queued through A, with both replicas in its target (gRPC pick_first: A while it lives).
    const watcher = new LibraryPlayer(`ipv4:${matcherA.address},${matcherB.address}`, { deviceId: deviceIdOf('chaos-watcher'), mmr: 5000, chase: true });
    players.push(watcher);
    await watcher.login();
    await watcher.matchmaking.enqueue(5000);
    const seen: WatchAssignmentResponse[] = [];
    const assigned = watchUntilAssigned(watcher, seen);
    assigned.catch(() => undefined); // awaited below; a failure meanwhile is not unhandled
    await eventually('the watcher queued', () => seen.some((e) => e.status === TicketStatus.TICKET_STATUS_QUEUED));

    await eventually('a second of play', () => gamers.every((p) => p.ticks.length > 60));
    const killTicks = new Map(gamers.map((p) => [p, p.lastTick!.tick]));
    const beatBefore = (await registration(redis, roomOfB.address)).heartbeatAtMs;
    const registeredThroughA = await registration(redis, roomOfA.address);
    await matcherA.kill();
    const killedAtMs = Date.now();

    // The replica carries on: a new login and enqueue against B is matched with the watcher, who got
    // its assignment on a stream reopened after A died.
    const newcomer = start(newPlayer(matcherB.address, 5000));
    const assignment = await assigned;
    expect(watcher.retries.some((r) => r.code === status.UNAVAILABLE), 'the watch stream on A was cut').to.equal(true);
    expect(assignment.opponentId).to.equal(await eventually('newcomer logged in', () => newcomer.playerId));
    const welcome = await watcher.game.connect(assignment);
    await eventually('the newcomer in the same game', () => failures.length > 0 || newcomer.lastTick !== undefined, 15000);
    expect(failures.map(String)).to.deep.equal([]);
    expect(newcomer.roomId).to.equal(welcome.roomId);
    await eventually('the room server of B heartbeating', async () => (await registration(redis, roomOfB.address)).heartbeatAtMs > beatBefore);

    // The room server registered through A moved to B: the same registration, renewed past the point
    // where its lease would have lapsed, and B counts both servers live.
    await heartbeatsPastLease(redis, roomOfA.address, registeredThroughA.serverId, killedAtMs);
    expect(sampleValue(await scrapeMetrics(matcherB.metricsPort), 'room_servers_live')).to.equal(2);

    // Running games missed no tick: every tick from a second before the kill to two seconds after.
    for (const p of gamers) {
      const killTick = killTicks.get(p)!;
      await eventually('two seconds of play after the kill', () => p.ticksFrom(killTick + 120).length > 0, 10000);
      const seenTicks = p.ticksFrom(killTick - 60).filter((t) => t.tick <= killTick + 120);
      expect(seenTicks[0]!.tick, 'ticks from before the kill').to.be.at.most(killTick - 58);
      expect(largestTickGap(seenTicks), `ticks missed in room ${p.roomId}`).to.be.at.most(2);
      expect(p.reconnects, 'reconnects').to.deep.equal([]);
    }
  });
});

describe('chaos: a Matcher replica hung with SIGSTOP (real processes)', function () {
  this.timeout(30000);
  const stack = new Stack();
  after(async () => stack.stop());

  it('a room server registered through it moves to the other replica within its lease, under the same registration', async () => {
    const redis = stack.add(await RedisServer.start());
    const [hung, other] = await Promise.all([startMatcher(redis.url, matcherEnv), startMatcher(redis.url, matcherEnv)]);
    stack.add(other);
    stack.add({ stop: () => hung.kill() }); // a stopped process never handles SIGTERM
    const room = stack.add(await startRoomServer(redis.url, `ipv4:${hung.address},${other.address}`, roomEnv, 0));
    const serverId = await eventually('registered', async () => (await registration(redis, room.address)).serverId || undefined);

    // Its connection to the hung replica stays open and silent: only keepalive pings can tell.
    hung.child.kill('SIGSTOP');
    await heartbeatsPastLease(redis, room.address, serverId, Date.now());
  });
});

/** Waits until the server heartbeats past the lease that began at `sinceMs`, under its first registration. */
async function heartbeatsPastLease(redis: RedisServer, addr: string, serverId: string, sinceMs: number): Promise<void> {
  await eventually('heartbeats past the lease', async () => (await registration(redis, addr)).heartbeatAtMs > sinceMs + leaseMs, leaseMs + 10000);
  expect((await registration(redis, addr)).serverId, 'the same registration: the lease never lapsed').to.equal(serverId);
}

/** Watches the player's assignment (the library reopens the stream after failures) until ASSIGNED. */
async function watchUntilAssigned(player: LibraryPlayer, seen: WatchAssignmentResponse[]): Promise<Assignment> {
  for await (const event of player.matchmaking.watchAssignment(AbortSignal.timeout(30000))) {
    seen.push(event);
    if (event.status === TicketStatus.TICKET_STATUS_ASSIGNED && event.assignment) return event.assignment;
  }
  throw new Error(`the watch ended without an assignment: ${seen.map((e) => TicketStatus[e.status]).join(', ')}`);
}

/** The room server's registration as the Matchers keep it: its server id and last heartbeat. */
async function registration(redis: RedisServer, addr: string): Promise<{ serverId: string; heartbeatAtMs: number }> {
  const client = redis.client();
  try {
    const [serverId, heartbeatAt] = await client.hmget(dk.roomServer(addr), 'server_id', 'heartbeat_at');
    return { serverId: serverId ?? '', heartbeatAtMs: Number(heartbeatAt) };
  } finally {
    client.disconnect();
  }
}
