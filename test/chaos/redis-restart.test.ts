import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { startGateway } from '../support/gateway-fixture.js';
import { bearer, connect, type Clients } from '../support/grpc-clients.js';
import { LibraryPlayer, largestTickGap } from '../support/library-player.js';
import { RedisServer } from '../support/redis-server.js';
import { RestPlayer } from '../support/rest-player.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

// Games must not end on their own during the test: an ended game deletes its room_map on purpose.
const roomEnv = { ROOM_SCORE_LIMIT: '1000', ROOM_ABANDON_TIMEOUT_SEC: '300', ROOM_REGISTRY_RETRY_MS: '100' };
// A lease shorter than the outage: Redis expires it meanwhile, and the room server must register again by itself.
const leaseMs = 1000;
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: String(leaseMs) };

/** Games that run before the outage and must tick on through it. */
const runningGames = 4;
/** The wave of players that gets the Redis kill right in the middle of it… */
const waveSize = 12;
/** …when this many of it have been told their assignment. */
const killAfterAssigned = 4;

let device = 0;
const grpcPlayer = (addr: string) => new LibraryPlayer(addr, { deviceId: deviceIdOf(`chaos-redis-${device++}`), mmr: 1000 + (device % 7) * 10, chase: true });
const restPlayer = (addr: string) => new RestPlayer(addr, deviceIdOf(`chaos-redis-rest-${device++}`), 1000 + (device % 7) * 10);

describe('chaos: Redis SIGKILLed and restarted (AOF) while players log in, queue and play', function () {
  this.timeout(60000);
  const stack = new Stack();
  let redis: RedisServer;
  let matcher: ServiceProcess;
  let gateway: ServiceProcess;
  let room: ServiceProcess;
  let grpc: Clients;

  before(async function () {
    this.timeout(40000);
    redis = stack.add(await RedisServer.start());
    matcher = stack.add(await startMatcher(redis.url, matcherEnv));
    room = stack.add(await startRoomServer(redis.url, matcher.address, roomEnv, 0, ['--max-rooms', '100']));
    gateway = stack.add(await startGateway(matcher.address));
    grpc = connect(matcher.address);
    stack.add({ stop: () => grpc.close() });
  });
  after(async () => stack.stop());

  it('loses no acknowledged session or assignment; clients back off; games tick on; all recovers by itself', async () => {
    const players: LibraryPlayer[] = [];
    const rests: RestPlayer[] = [];
    stack.add({ stop: () => [...players, ...rests].forEach((p) => (p instanceof RestPlayer ? p.stop() : p.close())) });
    const failures: unknown[] = [];
    const startGrpc = (n: number) => {
      for (let i = 0; i < n; i++) {
        const p = grpcPlayer(matcher.address);
        players.push(p);
        p.play().catch((err: unknown) => failures.push(err));
      }
    };
    const startRest = (n: number) => {
      for (let i = 0; i < n; i++) {
        const p = restPlayer(gateway.address);
        rests.push(p);
        p.play(30000).catch((err: unknown) => failures.push(err));
      }
    };

    // Games running first; then a wave that gets Redis SIGKILLed as soon as part of it has been told its room.
    startGrpc(runningGames * 2);
    startRest(4);
    const running = () => players.every((p) => p.lastTick !== undefined) && rests.every((r) => r.udp !== undefined);
    await eventually('the first games running', () => failures.length > 0 || running(), 15000);
    let killed: Promise<void> | undefined;
    const wave = players.length;
    startGrpc(waveSize);
    startRest(6);
    for (const p of players.slice(wave)) {
      p.game.on('assigned', () => {
        const assigned = players.slice(wave).filter((q) => q.assignments.length > 0).length;
        if (assigned >= killAfterAssigned && !killed) killed = redis.kill();
      });
    }
    const [killing] = await eventually('Redis killed mid-wave', () => killed && [killed], 15000);
    await killing;
    const playingAtKill = players.filter((p) => p.lastTick !== undefined);
    const killTicks = new Map(playingAtKill.map((p) => [p, p.lastTick!.tick]));
    expect(playingAtKill.length, 'games running when Redis died').to.be.greaterThan(0);

    // Wave 2 logs in and queues while Redis is down: it must get through by itself later.
    startGrpc(8);
    startRest(4);
    const watched = playingAtKill[0]!;
    const killTick = killTicks.get(watched)!;
    // Down for at least 2 s of ticks (longer than the lease), until the clients have been seen backing off.
    await eventually('2 s of ticks without Redis', () => watched.ticksFrom(killTick + 120).length > 0, 15000);
    await eventually('a gRPC client backing off', () => players.some((p) => p.retries.some((r) => r.code === status.UNAVAILABLE && r.delayMs > 200)), 15000);
    await eventually('a 503 through the gateway', () => rests.some((r) => r.responses.some((s) => s.status === 503)), 15000);
    expect(failures.map(String), 'no client gave up during the outage').to.deep.equal([]);
    const registrations = registeredLines(room);
    await redis.restart();
    const restartTicks = new Map(playingAtKill.map((p) => [p, p.lastTick!.tick]));

    // Everyone, before, during and after the outage, ends up in a game, without a service restart.
    const late = [grpcPlayer(matcher.address), grpcPlayer(matcher.address)];
    players.push(...late);
    for (const p of late) p.play().catch((err: unknown) => failures.push(err));
    await eventually('every player in its game', () => failures.length > 0 || running(), 30000);
    expect(failures.map(String), 'players that gave up').to.deep.equal([]);
    expect(registeredLines(room), 'the room server registered again (its lease expired in the outage)').to.be.greaterThan(registrations);

    // Zero sessions lost and zero assignments lost or moved: every token works, every player keeps its room.
    const check = redis.client();
    try {
      const acknowledged = [
        ...players.map((p) => ({ id: p.playerId!, token: p.session!.token, rooms: p.assignments.map((a) => a.roomId) })),
        ...rests.map((r) => ({ id: r.playerId!, token: r.token!, rooms: r.assignments.map((a) => a.room_id) })),
      ];
      for (const { id, token, rooms } of acknowledged) {
        expect(new Set(rooms).size, `player ${id} was told one room only`).to.equal(1);
        const { assignment } = await grpc.getAssignment({}, bearer(token));
        expect(assignment?.roomId, `GetAssignment of ${id}`).to.equal(rooms[0]);
        expect(await check.hget(dk.roomMap(id), 'room_id'), `room_map of ${id}`).to.equal(rooms[0]);
      }
    } finally {
      check.disconnect();
    }

    // The clients saw the outage and backed off: gRPC UNAVAILABLE with growing delays, REST 503 + Retry-After.
    const retries = players.flatMap((p) => p.retries);
    expect(retries.every((r) => r.code === status.UNAVAILABLE), 'only UNAVAILABLE is retried').to.equal(true);
    const answers = rests.flatMap((r) => r.responses);
    expect(answers.filter((a) => a.status === 503).every((a) => a.retryAfter === '1')).to.equal(true);
    expect(answers.filter((a) => ![200, 404, 503].includes(a.status)), 'no other errors than 503').to.deep.equal([]);

    // Games kept ticking through the outage: every tick reached every player who was playing, no reconnects.
    for (const p of playingAtKill) {
      const [killTickOf, restartTickOf] = [killTicks.get(p)!, restartTicks.get(p)!];
      await eventually('a second of play after the restart', () => p.ticksFrom(restartTickOf + 60).length > 0, 10000);
      const seen = p.ticksFrom(killTickOf).filter((t) => t.tick <= restartTickOf + 60);
      expect(seen.at(-1)!.tick, 'ticks seen up to a second past the restart').to.be.at.least(restartTickOf + 58);
      expect(largestTickGap(seen), 'ticks missed during the outage').to.be.at.most(2);
      expect(p.reconnects, 'reconnects during the outage').to.deep.equal([]);
    }
  });
});

/** How many times the room server has logged a (re-)registration with the Matcher. */
function registeredLines(room: ServiceProcess): number {
  return room.output.filter((line) => line.includes('registered with the matcher')).length;
}
