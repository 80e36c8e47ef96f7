import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { bearer, connect, registryAuth, type Clients } from '../support/grpc-clients.js';
import { RedisServer } from '../support/redis-server.js';
import { startMatcher, type RedisTarget, type ServiceProcess } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';
import { RedisCluster } from '../../scripts/lib/redis-cluster.js';
import type { Cluster, Redis } from 'ioredis';

const keys = new Keys('');
const players = 2000;

/** Where a run of these tests keeps its data: one Redis, or a Redis Cluster. */
interface Storage {
  /** What the Matchers are started with (a URL or the cluster's variables). */
  target: RedisTarget;
  /** A client for the test's own reads. */
  client(): Redis | Cluster;
  stop(): Promise<void>;
}

/**
 * Three Matcher replicas sharing the queues of `regions`, on `storage`: the same tests on one Redis
 * and on a real Redis Cluster (where a region's queue, its tickets and rooms share a slot and players'
 * sessions spread over the masters).
 */
function describeReplicas(title: string, startStorage: () => Promise<Storage>, regions: readonly string[]): void {
  describe(title, function () {
    this.timeout(120000);
    let storage: Storage;
    let matchers: ServiceProcess[];
    let clients: Clients[];
    /** Each player's region: spread evenly. */
    const regionOf = (i: number): string => regions[i % regions.length]!;
    /** The room server the watch test registers (pairs of the other test may land there too). */
    const watchServer = { addr: '127.0.0.1:7003', region: regionOf(0) };

    before(async () => {
      storage = await startStorage();
      matchers = await Promise.all([1, 2, 3].map(() => startMatcher(storage.target)));
      clients = matchers.map((m) => connect(m.address));
    });
    after(async () => {
      for (const c of clients) c.close();
      await Promise.all(matchers.map((m) => m.stop()));
      await storage.stop();
    });

    it('pushes an assignment to a watcher on one replica when the enqueue and the match happen on others', async () => {
      const region = watchServer.region;
      await clients[0]!.register({ ...watchServer, capacity: 10, checkpointTtlMs: 0 }, registryAuth());
      const [a, b] = await Promise.all([clients[0]!.authenticateDevice({ deviceId: deviceIdOf('watch-a') }), clients[1]!.authenticateDevice({ deviceId: deviceIdOf('watch-b') })]);
      const events: WatchAssignmentResponse[] = [];
      const stream = clients[2]!.matcher.watchAssignment({}, bearer(a!.token));
      stream.on('data', (event: WatchAssignmentResponse) => events.push(event));
      const ended = new Promise<number>((resolve) => stream.on('error', (err: { code: number }) => resolve(err.code)));
      await eventually('first status', () => events.length === 1);
      await clients[0]!.enqueue({ mmr: 50000, region }, bearer(a!.token));
      await clients[1]!.enqueue({ mmr: 50000, region }, bearer(b!.token));
      const assigned = await eventually('assignment pushed across replicas', () => events.find((e) => e.status === TicketStatus.TICKET_STATUS_ASSIGNED));
      expect(assigned.assignment?.opponentId).to.equal(b!.playerId);
      stream.cancel();
      expect(await ended).to.equal(status.CANCELLED);
    });

    it(`2,000 concurrent players in ${regions.length} region(s): each matched at most once, within its region, pairs within 200, none lost, even with a matcher killed`, async () => {
      // Two servers per region, each with room for a region's pairs.
      const servers = regions.flatMap((region, r) => [`127.0.0.1:${7100 + 2 * r}`, `127.0.0.1:${7101 + 2 * r}`].map((addr) => ({ addr, region })));
      for (const [i, { addr, region }] of servers.entries()) await clients[i % 2]!.register({ addr, capacity: 600, checkpointTtlMs: 0, region }, registryAuth());
      const serverRegion = new Map([...servers, watchServer].map((s) => [s.addr, s.region]));
      const sessions = await Promise.all(Array.from({ length: players }, (_, i) => clients[i % 3]!.authenticateDevice({ deviceId: deviceIdOf(`bot-${i}`) })));
      const mmrOf = new Map(sessions.map((s, i) => [s.playerId, (i * 7919) % 3000]));
      const playerRegion = new Map(sessions.map((s, i) => [s.playerId, regionOf(i)]));
      // Every enqueue at once, spread over the three matchers; matcher 3 dies half-way through.
      let acknowledged = 0;
      const acked = new Set<string>();
      const enqueues = sessions.map(async (s, i) => {
        await clients[i % 3]!.enqueue({ mmr: mmrOf.get(s.playerId)!, region: regionOf(i) }, bearer(s.token));
        acked.add(s.playerId);
        if (++acknowledged === players / 2) await matchers[2]!.kill();
      });
      const outcomes = await Promise.allSettled(enqueues);
      const failed = outcomes.filter((o) => o.status === 'rejected').length;
      expect(acked.size + failed).to.equal(players);
      expect(acked.size).to.be.greaterThan(players / 2);

      const check = storage.client();
      try {
        const queueSize = async (): Promise<number> => (await Promise.all(regions.map((region) => check.zcard(keys.region(region).queue())))).reduce((a, b) => a + b, 0);
        // Matching settles when at most one player per isolated MMR gap is left.
        await eventually('matching settled', async () => (await queueSize()) <= 10 * regions.length, 30000);

        const assignedRooms = new Map<string, string[]>();
        let queued = 0;
        let lost = 0;
        for (const s of sessions) {
          const r = keys.region(playerRegion.get(s.playerId)!);
          const [map, inQueue, waitingSince] = await Promise.all([check.hgetall(r.roomMap(s.playerId)), check.zscore(r.queue(), s.playerId), check.zscore(r.waiting(), s.playerId)]);
          expect(inQueue === null, 'queue and waiting list agree').to.equal(waitingSince === null);
          if (map.room_id) {
            expect(inQueue, 'assigned and still queued').to.equal(null);
            expect(serverRegion.get(map.addr!), 'placed on a server of its region').to.equal(playerRegion.get(s.playerId));
            assignedRooms.set(map.room_id, [...(assignedRooms.get(map.room_id) ?? []), s.playerId]);
            const opponentMap = await check.hgetall(r.roomMap(map.opponent_id!));
            expect(opponentMap).to.include({ room_id: map.room_id, opponent_id: s.playerId });
            expect(playerRegion.get(map.opponent_id!), 'the opponent is of the same region').to.equal(playerRegion.get(s.playerId));
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
        const roomIds = (await Promise.all([...servers, watchServer].map(({ addr, region }) => check.smembers(keys.region(region).roomServerRooms(addr))))).flat();
        const ofThisTest = roomIds.filter((id) => assignedRooms.has(id));
        expect(ofThisTest.length, 'rooms in the registry, each once').to.equal(assignedRooms.size);
        expect(new Set(roomIds).size).to.equal(roomIds.length);
        expect(queued + assignedRooms.size * 2, 'queued + assigned covers every acknowledged enqueue').to.be.at.least(acked.size);
      } finally {
        check.disconnect();
      }
      for (const m of matchers.slice(0, 2)) expect(m.output.filter((line) => /CROSSSLOT|same slot/.test(line)), 'no cross-slot command').to.deep.equal([]);
    });
  });
}

describeReplicas(
  'three Matcher processes on one queue (real Redis, real processes)',
  async () => {
    const redis = await RedisServer.start();
    return { target: redis.url, client: () => redis.client(), stop: () => redis.stop() };
  },
  ['default'],
);

describeReplicas(
  'three Matcher processes on a Redis Cluster, two regions (3 masters + 3 replicas, real processes)',
  async () => {
    const cluster = await RedisCluster.start();
    return { target: cluster.env(), client: () => cluster.client(), stop: () => cluster.stop() };
  },
  ['eu-west', 'us-east'],
);
