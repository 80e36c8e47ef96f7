import { expect } from 'chai';
import { once } from 'node:events';
import { RefusedReason, RoomEventKind } from '../../src/gen/mini/room/v1/packets.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { verifyConnectToken } from '../../src/shared/connect-token.js';
import { deriveRoomKeys } from '../../src/shared/secrets.js';
import { GameClient, type GameClientOptions } from '../../src/client/game-client.js';
import type { GameOver, Reconnected } from '../../src/client/game-events.js';
import { MatchmakingClient } from '../../src/client/matchmaking.js';
import { registryAuth } from '../support/grpc-clients.js';
import { MatcherFixture } from '../support/matcher-fixture.js';
import { testRoomSecret } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { ScriptedRoom, type ScriptedRoomOptions } from './scripted-room.js';
import { newDeviceId } from '../../src/client/device-id.js';

const device = newDeviceId;
const tokenKey = deriveRoomKeys(testRoomSecret).connectTokenKey;
const claimsOf = (token: string) => {
  const check = verifyConnectToken(token, tokenKey, Date.now());
  if (!check.ok) throw new Error(`bad token: ${check.reason}`);
  return check.claims;
};

describe('GameClient: connect and reconnect through a real Matcher to a scripted UDP room', () => {
  let fx: MatcherFixture;
  let room: ScriptedRoom;
  let serverId: string;
  const cleanup: (() => void)[] = [];

  before(async () => (fx = await MatcherFixture.start({ ROOM_SERVER_LEASE_TTL_MS: '600000' })));
  // A closed room's server is drained, so that new pairs go only to the room of the test at hand.
  const closeRoom = async () => {
    room.close();
    await fx.clients.deregister({ serverId, handOver: false }, registryAuth());
  };
  const startRoom = async (script: ScriptedRoomOptions = {}) => {
    await closeRoom();
    room = await ScriptedRoom.start(script);
    serverId = await fx.roomServer(room.address, 10);
  };
  beforeEach(async () => {
    room = await ScriptedRoom.start();
    serverId = await fx.roomServer(room.address, 10);
  });
  afterEach(async () => {
    cleanup.splice(0).forEach((fn) => fn());
    await closeRoom();
  });
  after(async () => fx.stop());

  /** Two players matched into the scripted room; the first one as a GameClient (1 s silence timeout). */
  async function matchedGame(options: Partial<GameClientOptions> = {}) {
    const [a, b] = [new MatchmakingClient(fx.matcher.address), new MatchmakingClient(fx.matcher.address)];
    const game = new GameClient(a, { link: { silenceTimeoutMs: 300, keepaliveMs: 250 }, connectDeadlineMs: 5000, ...options });
    cleanup.push(() => game.close(), () => a.close(), () => b.close());
    await Promise.all([a.login(device()), b.login(device())]);
    const [assignment] = await Promise.all([a.findMatch(1000), b.findMatch(1000)]);
    return { game, assignment, playerId: a.playerId! };
  }

  it('reconnects by itself after silence: fresh token from the Matcher, new source port, then a snapshot', async () => {
    const { game, assignment, playerId } = await matchedGame();
    expect(assignment.roomAddr).to.equal(room.address);
    const welcome = await game.connect(assignment);
    room.startTicking();
    await once(game, 'snapshot');
    const firstPort = room.welcomed[0]!;
    room.muted.add(firstPort);
    const [reconnecting] = await once(game, 'reconnecting');
    expect(reconnecting).to.deep.equal({ reason: 'silence' });
    const [reconnected] = (await once(game, 'reconnected')) as [Reconnected];
    expect(reconnected.reason).to.equal('silence');
    expect(reconnected.durationMs).to.be.greaterThan(0);
    expect(reconnected.welcome.connectionId).to.not.equal(welcome.connectionId);
    expect(room.welcomed).to.have.length(2);
    expect(room.welcomed[1]).to.not.equal(firstPort);
    const tokens = room.packets('connectRequest').map((p) => p.body.connectToken);
    expect(tokens.at(-1)).to.not.equal(assignment.connectToken);
    expect(claimsOf(tokens.at(-1)!)).to.deep.include({ playerId, roomId: assignment.roomId, serverAddr: room.address });
  });

  it('reconnects again when the new link stays quiet, timing the whole reconnect from the first decision', async () => {
    const { game, assignment } = await matchedGame();
    await game.connect(assignment);
    room.sendSnapshot();
    await once(game, 'snapshot');
    let reconnects = 0;
    game.on('reconnecting', () => reconnects++);
    await eventually('a second Welcome, then silence again', () => room.welcomed.length === 2);
    await eventually('a third Welcome', () => room.welcomed.length === 3);
    const reconnected = once(game, 'reconnected');
    room.sendSnapshot();
    const [done] = (await reconnected) as [Reconnected];
    expect(reconnects).to.equal(2);
    // From the first decision, so it includes the 300 ms the second link stayed quiet.
    expect(done.durationMs).to.be.greaterThan(300);
  });

  it('drop() kills the link without Disconnect and reconnect() brings it back', async () => {
    const { game, assignment } = await matchedGame();
    await game.connect(assignment);
    room.startTicking();
    await once(game, 'snapshot');
    game.drop();
    expect(game.welcome).to.equal(undefined);
    game.reconnect();
    const [reconnected] = (await once(game, 'reconnected')) as [Reconnected];
    expect(reconnected.reason).to.equal('requested');
    expect(room.packets('disconnect')).to.have.length(0);
  });

  it('reports opponent events once each, and ends on GAME_ENDED with the result and a Disconnect', async () => {
    const { game, assignment } = await matchedGame();
    await game.connect(assignment);
    const port = room.welcomed[0]!;
    const reconnecting = { kind: RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTING, slot: 2, tick: 50, result: undefined };
    let opponentEvents = 0;
    game.on('opponentReconnecting', () => opponentEvents++);
    game.on('opponentReconnected', () => opponentEvents++);
    room.send(port, { event: reconnecting });
    room.send(port, { event: reconnecting });
    room.send(port, { event: { ...reconnecting, kind: RoomEventKind.ROOM_EVENT_KIND_OPPONENT_RECONNECTED, tick: 55 } });
    const result = { reason: EndReason.END_REASON_SCORE_LIMIT, winnerId: 'p1', scores: [], ticks: 900 };
    const ended = once(game, 'ended');
    room.send(port, { event: { kind: RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED, slot: 0, tick: 900, result } });
    const [over] = (await ended) as [GameOver];
    expect(over).to.deep.equal({ reason: 'game_ended', result });
    expect(opponentEvents).to.equal(2);
    await eventually('Disconnect', () => room.packets('disconnect').length === 1);
  });

  it('ends with assignment_gone when the Matcher no longer has the game (NOT_FOUND on reconnect)', async () => {
    const { game, assignment } = await matchedGame();
    await game.connect(assignment);
    await fx.clients.reportRoomEnded({ serverId, roomId: assignment.roomId, result: undefined }, registryAuth());
    const [over] = (await once(game, 'ended')) as [GameOver];
    expect(over).to.deep.equal({ reason: 'assignment_gone', result: undefined });
  });

  it('retries a connect that timed out with a fresh token from the Matcher', async () => {
    await startRoom({ ignoreRequests: 4 });
    const { game, assignment } = await matchedGame({ handshake: { retransmitMs: 50, timeoutMs: 120 } });
    expect(assignment.roomAddr).to.equal(room.address);
    const assigned: unknown[] = [];
    game.on('assigned', (a) => assigned.push(a));
    await game.connect(assignment);
    const tokens = new Set(room.packets('connectRequest').map((p) => p.body.connectToken));
    expect(tokens.size).to.be.at.least(2);
    expect(assigned.length).to.equal(tokens.size);
  });

  it('rejects connect with match_ended when the room is gone', async () => {
    await startRoom({ refuse: RefusedReason.REFUSED_REASON_ROOM_GONE });
    const { game, assignment } = await matchedGame();
    expect(assignment.roomAddr).to.equal(room.address);
    expect(await game.connect(assignment).catch((e: unknown) => e)).to.have.property('kind', 'match_ended');
  });
});
