import { expect } from 'chai';
import type { Welcome } from '../../src/gen/mini/room/v1/packets.js';
import { WorldState } from '../../src/gen/mini/room/v1/world.js';
import { LibraryPlayer, type SeenTick } from '../support/library-player.js';
import { NetnsLink } from '../support/netns.js';
import { sampleValue, scrapeMetrics } from '../support/prom-text.js';
import { RedisServer } from '../support/redis-server.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startService, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const leaseMs = 2000;
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: String(leaseMs), ROOM_FAILOVER_INTERVAL_MS: '200' };
// Games that never end by themselves here: no score limit reached, and a grace longer than the
// partition, so the cut-off server holds its rooms (rather than forfeiting them) until it is fenced.
// The checkpoint TTL passes the Matcher's check (lease + failover interval + 5 s).
const roomEnv = {
  ROOM_SCORE_LIMIT: '1000',
  ROOM_RECONNECT_GRACE_SEC: '60',
  ROOM_ABANDON_TIMEOUT_SEC: '300',
  ROOM_CHECKPOINT_TTL_SEC: '30',
  ROOM_REGISTRY_RETRY_MS: '100',
  ROOM_SWEEP_INTERVAL_MS: '200',
};
const gameCount = 3;

/** A game on the library: a ball chaser against a player who stands still, so points are scored. */
interface Game {
  roomId: string;
  players: Player[];
}

/** A library player, with the connections it made (welcome, and the snapshots seen on that connection). */
interface Player {
  lib: LibraryPlayer;
  connections: { welcome: Welcome; addr: string; ticks: SeenTick[] }[];
  ended: unknown[];
}

const pointsSeen = (tick: SeenTick | undefined): number => (tick ? tick.scores[0] + tick.scores[1] : 0);
const pointsIn = (state: WorldState): number => (state.left?.score ?? 0) + (state.right?.score ?? 0);

/**
 * Redis, the Matcher, a survivor room server and the players run here; the room server that gets cut
 * off runs in a network namespace of its own (NetnsLink), reaching Redis and the Matcher over a veth
 * pair, and its players reaching it the same way. Cutting that link is a real partition: nothing
 * crashes, both sides just stop hearing each other, and when it heals the lost server is still there,
 * holding rooms that were moved away meanwhile. Needs root and iproute2 (fails without, never skips).
 */
describe('chaos: a room server cut off by a real network partition (network namespace, real processes)', function () {
  this.timeout(60000);
  const stack = new Stack();
  const tag = Math.random().toString(36).slice(2, 8);
  let link: NetnsLink;
  let redis: RedisServer;
  let matcher: ServiceProcess;
  let matcherAddr: string;
  let cutOff: ServiceProcess;
  let cutOffAddr: string;

  before(async function () {
    this.timeout(40000);
    link = stack.add(NetnsLink.create());
    // Redis and the Matcher listen on this side's veth address too, where the namespace reaches them.
    redis = stack.add(await RedisServer.start({ alsoBind: [link.rootIp] }));
    matcher = stack.add(await startService('src/matcher/main.ts', ['--port', '0', '--host', link.rootIp], { REDIS_URL: redis.url, ...matcherEnv }));
    matcherAddr = `${link.rootIp}:${matcher.port}`;
    const args = ['--port', '0', '--host', link.nsIp, '--matcher', matcherAddr, '--max-rooms', '10'];
    const env = { REDIS_URL: `redis://${link.rootIp}:${redis.port}`, ...roomEnv };
    cutOff = stack.add(await startService('src/room/main.ts', args, env, { wrap: link.exec }));
    cutOffAddr = `${link.nsIp}:${cutOff.port}`;
    await eventually('the cut-off server to register', () => registrations(cutOff) > 0);
    // The stack stops in reverse: whatever happened, the link is back before the services shut down.
    stack.add({ stop: () => link.heal() });
  });
  after(async () => stack.stop());

  it('moves its games to the survivor, where they go on; back, it is fenced, drops them and rejoins empty', async () => {
    const check = redis.client();
    stack.add({ stop: () => check.disconnect() });
    const info = async (roomId: string) => {
      const [addr, epoch, status] = await check.hmget(dk.roomInfo(roomId), 'addr', 'epoch', 'status');
      return { addr, epoch: Number(epoch ?? 0), status };
    };
    const checkpoint = async (roomId: string) => {
      const bytes = await check.getBuffer(dk.roomCheckpoint(roomId));
      return bytes ? WorldState.decode(bytes) : undefined;
    };
    const cutOffMetric = async (name: string, labels?: Record<string, string>) => sampleValue(await scrapeMetrics(cutOff.metricsPort, link.nsIp), name, labels);

    // Games on the server that is cut off later, the only one yet: both players in, points scored.
    const games = await Promise.all(Array.from({ length: gameCount }, (_, g) => play(matcherAddr, `${tag}-${g}`, 1000 + 1000 * g, stack)));
    for (const game of games) for (const p of game.players) expect(p.connections[0]!.addr).to.equal(cutOffAddr);
    await eventually('a point scored in every game', () => games.every((g) => pointsSeen(g.players[0]!.lib.lastTick) > 0), 20000);

    const survivor = stack.add(await startRoomServer(redis.url, matcherAddr, roomEnv, 0, ['--max-rooms', '10']));
    const [cutOffOwner, survivorOwner] = [ownerOf(cutOff), ownerOf(survivor)];
    const firstLease = leaseOf(cutOff);
    expect(await check.hget(dk.roomServer(cutOffAddr), 'server_id')).to.equal(firstLease);
    expect(await cutOffMetric('room_moved_away_total')).to.equal(0);

    link.cut();
    // Nothing the cut-off server does reaches Redis now: these are the states the games resume from.
    const saved = new Map<string, WorldState>();
    for (const game of games) {
      const state = await checkpoint(game.roomId);
      expect(state?.owner, 'the cut-off server wrote the checkpoint').to.equal(cutOffOwner);
      expect(pointsIn(state!), 'points in the checkpoint').to.be.greaterThan(0);
      saved.set(game.roomId, state!);
    }

    // Its lease lapses (or its players report it): each room moves to the survivor at the next placement epoch.
    for (const game of games) {
      await eventually(`room ${game.roomId} moved`, async () => (await info(game.roomId)).addr === survivor.address, leaseMs + 8000);
      expect((await info(game.roomId)).epoch, 'placement epoch').to.equal(1);
      for (const p of game.players) {
        const [addr, epoch] = await check.hmget(dk.roomMap(p.lib.playerId!), 'addr', 'epoch');
        expect({ addr, epoch }).to.deep.equal({ addr: survivor.address, epoch: '1' });
      }
    }

    // The players follow: the same game on the survivor, from the checkpoint, and going on.
    const onSurvivor = (p: Player) => p.connections.at(-1)!.addr === survivor.address && p.connections.at(-1)!.ticks.length >= 60;
    await eventually('every player playing on the survivor', () => games.every((g) => g.players.every(onSurvivor)), 20000);
    for (const game of games) {
      const state = saved.get(game.roomId)!;
      for (const p of game.players) {
        const { welcome, ticks } = p.connections.at(-1)!;
        expect(welcome).to.include({ roomId: game.roomId, resumed: true });
        expect(ticks[0]!.tick, 'resumes at or after the checkpointed tick').to.be.at.least(state.tick);
        expect(ticks[0]!.scores[0], 'left score kept').to.be.at.least(state.left!.score);
        expect(ticks[0]!.scores[1], 'right score kept').to.be.at.least(state.right!.score);
        expect(ticks.at(-1)!.tick, 'the game ticks on').to.be.at.least(ticks[0]!.tick + 59);
      }
      await eventually('the survivor checkpointing the room', async () => (await checkpoint(game.roomId))?.owner === survivorOwner);
    }
    const matcherMetrics = await scrapeMetrics(matcher.metricsPort, link.rootIp);
    expect(sampleValue(matcherMetrics, 'room_moves_total'), 'rooms moved (any cause)').to.equal(gameCount);
    expect(sampleValue(matcherMetrics, 'room_ended_unmovable_total')).to.equal(0);

    // The link comes back: the server's writes for those rooms are refused, it drops them, and its
    // heartbeat is refused too, so it registers again, with nothing assigned.
    const connectionsAtHeal = games.map((g) => g.players.map((p) => p.connections.length));
    const ticksAtHeal = games.map((g) => g.players[0]!.lib.lastTick!.tick);
    link.heal();
    await eventually('the rooms dropped by the cut-off server', async () => (await cutOffMetric('room_moved_away_total')) === gameCount, 15000);
    expect(await cutOffMetric('room_fenced_writes_total'), 'fenced checkpoint or info writes').to.be.greaterThan(0);
    expect(await cutOffMetric('room_active_rooms')).to.equal(0);
    expect(await cutOffMetric('room_players')).to.equal(0);
    expect(await cutOffMetric('room_games_ended_total'), 'it ended none of the games').to.equal(0);
    // Registered again under a new lease: the one in Redis is the one it was given (not the first).
    await eventually('the cut-off server registered again', () => registrations(cutOff) >= 2, 15000);
    const lease = await check.hget(dk.roomServer(cutOffAddr), 'server_id');
    expect(lease).to.equal(leaseOf(cutOff)).and.not.equal(firstLease);
    expect(registrations(cutOff)).to.equal(2);
    expect(await check.hget(dk.roomServer(cutOffAddr), 'status')).to.equal('live');
    expect(await check.scard(dk.roomServerRooms(cutOffAddr)), 'rooms assigned to it').to.equal(0);
    expect(await check.scard(dk.roomServerRooms(survivor.address))).to.equal(gameCount);

    // Nobody plays a game in two places: every game goes on on the survivor alone, its checkpoints the survivor's.
    await eventually('a second of play after the heal', () => games.every((g, i) => g.players[0]!.lib.lastTick!.tick > ticksAtHeal[i]! + 60), 10000);
    const sinceHeal = games.flatMap((g, i) => g.players.flatMap((p, j) => p.connections.slice(connectionsAtHeal[i]![j]!)));
    expect(sinceHeal.map((c) => c.addr), 'connections since the heal: to the survivor only').to.deep.equal(sinceHeal.map(() => survivor.address));
    for (const game of games) {
      expect(await info(game.roomId)).to.deep.equal({ addr: survivor.address, epoch: 1, status: 'playing' });
      const state = await checkpoint(game.roomId);
      expect(state).to.deep.include({ owner: survivorOwner, placementEpoch: 1 });
      for (const p of game.players) {
        expect(p.lib.errors.map(String), 'client errors').to.deep.equal([]);
        expect(p.ended, 'games ended').to.deep.equal([]);
      }
    }

    // Live again and empty, it is the least loaded server: the next game is placed on it.
    const next = await play(matcherAddr, `${tag}-next`, 50_000, stack);
    expect(next.players.map((p) => p.connections[0]!.addr)).to.deep.equal([cutOffAddr, cutOffAddr]);
  });
});

/** Starts two library players with this MMR (a chaser and one who stands still) and waits for their game to tick. */
async function play(matcherAddr: string, id: string, mmr: number, stack: Stack): Promise<Game> {
  const players = [true, false].map((chase) => watch(new LibraryPlayer(matcherAddr, { deviceId: deviceIdOf(`chaos-partition-${id}-${chase}`), mmr, chase })));
  stack.add({ stop: () => players.forEach((p) => p.lib.close()) });
  const welcomes = await Promise.all(players.map((p) => p.lib.play()));
  expect(welcomes[0]!.roomId, 'the pair in one room').to.equal(welcomes[1]!.roomId);
  await eventually('the game ticking', () => players.every((p) => (p.connections.at(-1)?.ticks.length ?? 0) > 0), 10000);
  return { roomId: welcomes[0]!.roomId, players };
}

/** Records a player's connections (and where they went) and any end of its game. */
function watch(lib: LibraryPlayer): Player {
  const player: Player = { lib, connections: [], ended: [] };
  let addr = '';
  lib.game.on('assigned', (a) => (addr = a.roomAddr));
  lib.game.on('connected', (welcome) => player.connections.push({ welcome, addr, ticks: [] }));
  lib.game.on('snapshot', () => player.connections.at(-1)?.ticks.push(lib.lastTick!));
  lib.game.on('ended', (over) => player.ended.push(over));
  return player;
}

const registeredLines = (room: ServiceProcess): string[] => room.output.filter((line) => line.includes('registered with the matcher'));

/** How many times the room server has registered with the Matcher. */
function registrations(room: ServiceProcess): number {
  return registeredLines(room).length;
}

/** The server id (lease) of the room server's latest registration, as it logged it. */
function leaseOf(room: ServiceProcess): string {
  return String((JSON.parse(registeredLines(room).at(-1)!) as { server_id?: string }).server_id);
}

/** The process owner id a room server writes into its checkpoints (from its start-up line). */
function ownerOf(room: ServiceProcess): string {
  const line = room.output.find((l) => l.includes(' listening on '));
  return String((JSON.parse(line!) as { owner?: string }).owner);
}
