import { expect } from 'chai';
import { Redis } from 'ioredis';
import { RedisCluster } from '../../scripts/lib/redis-cluster.js';
import { Keys } from '../../src/shared/redis/keys.js';
import { LibraryPlayer } from '../support/library-player.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

const keys = new Keys('');
const regions = ['eu-west', 'us-east'] as const;
// One-point games, so that they end within the test and report their results.
const roomEnv = { ROOM_SCORE_LIMIT: '1', ROOM_REGISTRY_RETRY_MS: '100' };
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: '5000' };

let device = 0;

describe('chaos: the whole system on a Redis Cluster (3 masters, 3 replicas), two regions, a master SIGKILLed', function () {
  this.timeout(120000);
  const stack = new Stack();
  let cluster: RedisCluster;
  const matchers: ServiceProcess[] = [];
  const roomOf: Record<string, ServiceProcess> = {};
  let target: string;

  before(async function () {
    this.timeout(60000);
    cluster = stack.add(await RedisCluster.start());
    for (let i = 0; i < 2; i++) matchers.push(stack.add(await startMatcher(cluster.env(), matcherEnv)));
    target = `ipv4:${matchers.map((m) => m.address).join(',')}`;
    for (const region of regions) roomOf[region] = stack.add(await startRoomServer(cluster.env(), matchers[0]!.address, roomEnv, 0, ['--region', region]));
  });
  after(async () => stack.stop());

  /** Two players of each region per game, through both Matcher replicas; resolves when every game ended. */
  async function playGames(perRegion: number): Promise<LibraryPlayer[]> {
    const players = regions.flatMap((region) =>
      Array.from({ length: perRegion * 2 }, (_, i) => new LibraryPlayer(target, { deviceId: deviceIdOf(`cluster-${device++}`), mmr: 1000, chase: i % 2 === 0, region })),
    );
    stack.add({ stop: () => players.forEach((p) => p.close()) });
    const failures: unknown[] = [];
    for (const p of players) p.play().catch((err: unknown) => failures.push(err));
    await eventually('every game over', () => failures.length > 0 || players.every((p) => p.overs.length > 0), 45000).catch((err: Error) => {
      const states = players.map((p) => ({ region: p.options.region, assigned: p.assignments.length, connected: p.welcomes.length, over: p.overs.length, retries: p.retries.map((r) => r.code) }));
      throw new Error(`${err.message}: ${JSON.stringify(states)}`);
    });
    expect(failures).to.deep.equal([]);
    return players;
  }

  /** The region a player queued in, by its options. */
  const regionOf = (p: LibraryPlayer): string => p.options.region!;

  function expectPlayedInRegion(players: LibraryPlayer[]): void {
    const byId = new Map(players.map((p) => [p.playerId, p]));
    for (const p of players) {
      expect(p.roomAddr, `${p.playerId} on a server of ${regionOf(p)}`).to.equal(roomOf[regionOf(p)]!.address);
      const opponent = byId.get(p.assignments.at(-1)!.opponentId);
      expect(opponent && regionOf(opponent), 'the opponent is of the same region').to.equal(regionOf(p));
      expect(new Set(p.assignments.map((a) => a.roomId)).size, 'one room per player').to.equal(1);
    }
  }

  it('matches and plays within each region, records each result in its region, and spreads the keys over the masters', async () => {
    const players = await playGames(2);
    expectPlayedInRegion(players);
    for (const region of regions) {
      const master = await cluster.masterOf(keys.region(region).roomResults());
      const node = new Redis(master, '127.0.0.1');
      try {
        // A player hears the game is over before its room server's report of it reaches the Matcher.
        await eventually(`both results of ${region}`, async () => (await node.xlen(keys.region(region).roomResults())) === 2);
      } finally {
        node.disconnect();
      }
    }
    // Sessions live in their players' slots: every master holds some.
    const sizes = await Promise.all(
      (await cluster.masters()).map(async ({ port }) => {
        const node = new Redis(port, '127.0.0.1');
        try {
          return await node.dbsize();
        } finally {
          node.disconnect();
        }
      }),
    );
    expect(sizes.every((size) => size > 0), `keys on every master: ${sizes.join(', ')}`).to.equal(true);
    for (const service of [...matchers, ...Object.values(roomOf)]) {
      expect(service.output.filter((line) => /CROSSSLOT|same slot/.test(line)), 'no cross-slot command').to.deep.equal([]);
    }
  });

  it('carries on by itself when the master of a region’s slot is SIGKILLed: its replica takes over, and once the lost node is back as a replica, new games play there', async () => {
    const region = 'eu-west';
    const victim = await cluster.masterOf(keys.region(region).queue());
    await cluster.killMaster(victim);
    await cluster.untilFailedOver(victim);
    // The promoted master has no replica: acknowledged writes to its slots wait (UNAVAILABLE) until
    // one is back. The operator's part: the lost node comes back, as that master's replica.
    await cluster.restartNode(victim);
    // No service restarted: the same Matchers and room servers match and play in both regions again.
    const players = await playGames(1);
    expectPlayedInRegion(players);
    for (const service of [...matchers, ...Object.values(roomOf)]) expect(service.running, 'still running').to.equal(true);
  });
});
