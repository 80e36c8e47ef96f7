import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';
import type { Assignment } from '../../src/gen/mini/matcher/v1/matcher.js';
import { bearer, connect, type Clients } from '../support/grpc-clients.js';
import { expectStatus } from '../support/matcher-fixture.js';
import { RedisServer } from '../support/redis-server.js';
import { startRoomServer, type TestPlayer } from '../support/room-fixture.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { UdpPlayer, policies } from '../support/udp-player.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

const leaseMs = 2000;
const matcherEnv = { ROOM_SERVER_HEARTBEAT_INTERVAL_MS: '200', ROOM_SERVER_LEASE_TTL_MS: String(leaseMs) };
const roomEnv = { ROOM_SCORE_LIMIT: '1000', ROOM_REGISTRY_RETRY_MS: '100' };
/** Redis expires keys on its own clock and the test polls: this much later than the lease still counts. */
const expirySlackMs = 1000;

describe('chaos: a room server SIGKILLed (real processes)', function () {
  this.timeout(40000);
  const stack = new Stack();
  let redis: RedisServer;
  let matcher: ServiceProcess;
  let victim: ServiceProcess;
  let survivor: ServiceProcess;
  let grpc: Clients;
  let nextMmr = 1000;

  before(async function () {
    this.timeout(40000);
    redis = stack.add(await RedisServer.start());
    matcher = stack.add(await startMatcher(redis.url, matcherEnv));
    victim = stack.add(await startRoomServer(redis.url, matcher.address, roomEnv, 0, ['--max-rooms', '10']));
    survivor = stack.add(await startRoomServer(redis.url, matcher.address, roomEnv, 0, ['--max-rooms', '2']));
    grpc = connect(matcher.address);
    stack.add({ stop: () => grpc.close() });
  });
  after(async () => stack.stop());

  const player = async (): Promise<TestPlayer> => {
    const session = await grpc.authenticateDevice({ deviceId: deviceIdOf(`chaos-room-${Math.random().toString(36).slice(2)}`) });
    return { id: session.playerId, auth: bearer(session.token) };
  };
  /** Two new players queued with the same MMR, far from every other pair's. */
  const queuePair = async (): Promise<[TestPlayer, TestPlayer]> => {
    const mmr = (nextMmr += 1000);
    const pair: [TestPlayer, TestPlayer] = [await player(), await player()];
    for (const p of pair) await grpc.enqueue({ mmr }, p.auth);
    return pair;
  };
  const assignment = (p: TestPlayer): Promise<Assignment> =>
    eventually('an assignment', async () => (await grpc.getAssignment({}, p.auth).catch(() => undefined))?.assignment, 15000);
  const join = async (p: TestPlayer): Promise<UdpPlayer> => {
    const { roomAddr, connectToken } = await assignment(p);
    const udp = await UdpPlayer.connect(roomAddr, connectToken, policies.track);
    stack.add({ stop: () => udp.close() });
    return udp;
  };

  it('leaves the live set within the lease; its room moves to the survivor; players queued without capacity are matched later', async () => {
    const check = redis.client();
    stack.add({ stop: () => check.disconnect() });
    // Least loaded: the first two rooms go one to each server, so the victim is in the live set.
    const firstPairs = [await queuePair(), await queuePair()];
    const firstRooms = await Promise.all(firstPairs.map(([a]) => assignment(a)));
    expect(new Set(firstRooms.map((a) => a.roomAddr))).to.deep.equal(new Set([victim.address, survivor.address]));
    const survivorPair = firstPairs[firstRooms.findIndex((a) => a.roomAddr === survivor.address)]!;
    const victimPair = firstPairs[firstRooms.findIndex((a) => a.roomAddr === victim.address)]!;
    const survivorGame = [await join(survivorPair[0]), await join(survivorPair[1])];

    await victim.kill();
    const killedAt = performance.now();
    await eventually('the victim out of the live set', async () => (await check.exists(dk.roomServer(victim.address))) === 0, leaseMs + 5000);
    expect(performance.now() - killedAt, 'ms from the kill to leaving the live set').to.be.at.most(leaseMs + expirySlackMs);

    // The victim's room (nobody had joined it) moves to the survivor, which is then full; its players join there.
    const moved = await eventually('the victim’s room moved', async () => {
      const a = await assignment(victimPair[0]);
      return a.roomAddr === survivor.address ? a : undefined;
    });
    expect(moved.roomEpoch).to.equal(1);
    const movedGame = [await join(victimPair[0]), await join(victimPair[1])];
    expect(movedGame[0]!.welcome.roomId).to.equal(moved.roomId);

    // No capacity anywhere (the dead server had plenty): two more pairs stay queued, none lost.
    const starvedBefore = starvedLines(matcher);
    const waiting = [await queuePair(), await queuePair()];
    await eventually('the matcher to find no capacity', () => starvedLines(matcher) > starvedBefore, 10000);
    for (const p of waiting.flat()) {
      await expectStatus(grpc.getAssignment({}, p.auth), status.NOT_FOUND);
      expect(await check.zscore(dk.queue(), p.id), `${p.id} still queued`).to.not.equal(null);
    }
    expect(await check.zscore(dk.roomServerLoad(), victim.address), 'the dead server in the load set').to.equal(null);

    // Two games on the survivor end (a player leaves): their slots go to the waiting pairs.
    await survivorGame[0]!.leave();
    await movedGame[0]!.leave();
    const later = await Promise.all(waiting.flat().map((p) => assignment(p)));
    expect(later.map((a) => a.roomAddr)).to.deep.equal(later.map(() => survivor.address));
    for (const [a, b] of waiting) {
      const [roomA, roomB] = [later[waiting.flat().indexOf(a)]!, later[waiting.flat().indexOf(b)]!];
      expect(roomA.roomId).to.equal(roomB.roomId);
      expect(roomA.opponentId).to.equal(b.id);
      const welcome = (await join(a)).welcome;
      expect(welcome.roomId).to.equal(roomA.roomId);
    }
  });
});

/** How many times the Matcher has logged that no live room server had capacity. */
function starvedLines(matcher: ServiceProcess): number {
  return matcher.output.filter((line) => line.includes('no live room server has capacity')).length;
}
