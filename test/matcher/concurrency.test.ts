import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { bearer, connect, registryAuth, type Clients } from '../support/grpc-clients.js';
import { RedisServer } from '../support/redis-server.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const players = 2000;

describe('three Matcher processes on one queue (real Redis, real processes)', function () {
  this.timeout(120000);
  let redis: RedisServer;
  let matchers: ServiceProcess[];
  let clients: Clients[];

  before(async () => {
    redis = await RedisServer.start();
    matchers = await Promise.all([1, 2, 3].map(() => startMatcher(redis.url)));
    clients = matchers.map((m) => connect(m.address));
  });
  after(async () => {
    for (const c of clients) c.close();
    await Promise.all(matchers.map((m) => m.stop()));
    await redis.stop();
  });

  it('pushes an assignment to a watcher on one replica when the enqueue and the match happen on others', async () => {
    await clients[0]!.register({ addr: '127.0.0.1:7003', capacity: 10, checkpointTtlMs: 0 }, registryAuth());
    const [a, b] = await Promise.all([clients[0]!.authenticateDevice({ deviceId: deviceIdOf('watch-a') }), clients[1]!.authenticateDevice({ deviceId: deviceIdOf('watch-b') })]);
    const events: WatchAssignmentResponse[] = [];
    const stream = clients[2]!.matcher.watchAssignment({}, bearer(a!.token));
    stream.on('data', (event: WatchAssignmentResponse) => events.push(event));
    const ended = new Promise<number>((resolve) => stream.on('error', (err: { code: number }) => resolve(err.code)));
    await eventually('first status', () => events.length === 1);
    await clients[0]!.enqueue({ mmr: 50000 }, bearer(a!.token));
    await clients[1]!.enqueue({ mmr: 50000 }, bearer(b!.token));
    const assigned = await eventually('assignment pushed across replicas', () =>
      events.find((e) => e.status === TicketStatus.TICKET_STATUS_ASSIGNED),
    );
    expect(assigned.assignment?.opponentId).to.equal(b!.playerId);
    stream.cancel();
    expect(await ended).to.equal(status.CANCELLED);
  });

  it('2,000 concurrent players: each matched at most once, pairs within 200, none lost, even with a matcher killed', async () => {
    await clients[0]!.register({ addr: '127.0.0.1:7001', capacity: 600, checkpointTtlMs: 0 }, registryAuth());
    await clients[1]!.register({ addr: '127.0.0.1:7002', capacity: 600, checkpointTtlMs: 0 }, registryAuth());
    const sessions = await Promise.all(
      Array.from({ length: players }, (_, i) => clients[i % 3]!.authenticateDevice({ deviceId: deviceIdOf(`bot-${i}`) })),
    );
    const mmrOf = new Map(sessions.map((s, i) => [s.playerId, (i * 7919) % 3000]));
    // Every enqueue at once, spread over the three matchers; matcher 3 dies half-way through.
    let acknowledged = 0;
    const acked = new Set<string>();
    const enqueues = sessions.map(async (s, i) => {
      await clients[i % 3]!.enqueue({ mmr: mmrOf.get(s.playerId)! }, bearer(s.token));
      acked.add(s.playerId);
      if (++acknowledged === players / 2) await matchers[2]!.kill();
    });
    const outcomes = await Promise.allSettled(enqueues);
    const failed = outcomes.filter((o) => o.status === 'rejected').length;
    expect(acked.size + failed).to.equal(players);
    expect(acked.size).to.be.greaterThan(players / 2);

    const check = redis.client();
    const queueSize = () => check.zcard(dk.queue());
    // Matching settles when at most one player per isolated MMR gap is left.
    await eventually('matching settled', async () => (await queueSize()) <= 10, 30000);

    const assignedRooms = new Map<string, string[]>();
    let queued = 0;
    let lost = 0;
    for (const s of sessions) {
      const [map, inQueue, waitingSince] = await Promise.all([
        check.hgetall(dk.roomMap(s.playerId)),
        check.zscore(dk.queue(), s.playerId),
        check.zscore(dk.waiting(), s.playerId),
      ]);
      expect(inQueue === null, 'queue and waiting list agree').to.equal(waitingSince === null);
      if (map.room_id) {
        expect(inQueue, 'assigned and still queued').to.equal(null);
        assignedRooms.set(map.room_id, [...(assignedRooms.get(map.room_id) ?? []), s.playerId]);
        const opponentMap = await check.hgetall(dk.roomMap(map.opponent_id!));
        expect(opponentMap).to.include({ room_id: map.room_id, opponent_id: s.playerId });
        expect(Math.abs(mmrOf.get(s.playerId)! - mmrOf.get(map.opponent_id!)!)).to.be.at.most(200);
      } else if (inQueue !== null) {
        queued += 1;
      } else if (acked.has(s.playerId)) {
        lost += 1;
      }
    }
    expect(lost, 'players out of the queue without an assignment').to.equal(0);
    for (const members of assignedRooms.values()) expect(members).to.have.length(2);
    // Each room the registry knows holds exactly the two players that point to it.
    const servers = ['127.0.0.1:7001', '127.0.0.1:7002', '127.0.0.1:7003'];
    const roomIds = (await Promise.all(servers.map((addr) => check.smembers(dk.roomServerRooms(addr))))).flat();
    const ofThisTest = roomIds.filter((id) => assignedRooms.has(id));
    expect(ofThisTest.length, 'rooms in the registry, each once').to.equal(assignedRooms.size);
    expect(new Set(roomIds).size).to.equal(roomIds.length);
    expect(queued + assignedRooms.size * 2, 'queued + assigned covers every acknowledged enqueue').to.be.at.least(acked.size);
    check.disconnect();
  });
});
