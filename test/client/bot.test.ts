import { expect } from 'chai';
import { Slot } from '../../src/gen/mini/matcher/v1/matcher.js';
import { RoomEventKind } from '../../src/gen/mini/room/v1/packets.js';
import { EndReason } from '../../src/gen/mini/room/v1/registry.js';
import { Bot, chaseBall } from '../../src/client/bot.js';
import { MatchmakingClient } from '../../src/client/matchmaking.js';
import { registryAuth } from '../support/grpc-clients.js';
import { MatcherFixture } from '../support/matcher-fixture.js';
import { eventually } from '../support/wait.js';
import { ScriptedRoom, snapshot } from './scripted-room.js';
import { newDeviceId } from '../../src/client/device-id.js';

const device = newDeviceId;

describe('bot paddle policy (pure)', () => {
  const at = (ballY: number, leftY: number, rightY: number) =>
    snapshot(1, { ball: { x: 1, y: ballY, vx: 0, vy: 0 }, left: { playerId: 'l', status: 2, y: leftY, score: 0 }, right: { playerId: 'r', status: 2, y: rightY, score: 0 } });

  it('moves its own paddle towards the ball, and stays within the dead zone', () => {
    expect(chaseBall(at(500_000, 300_000, 500_000), Slot.SLOT_LEFT, 10_000)).to.equal(1);
    expect(chaseBall(at(500_000, 300_000, 500_000), Slot.SLOT_RIGHT, 10_000)).to.equal(0);
    expect(chaseBall(at(100_000, 300_000, 300_000), Slot.SLOT_RIGHT, 10_000)).to.equal(-1);
    expect(chaseBall(at(309_999, 300_000, 0), Slot.SLOT_LEFT, 10_000)).to.equal(0);
    expect(chaseBall(snapshot(1, { ball: undefined }), Slot.SLOT_LEFT, 10_000)).to.equal(0);
  });
});

describe('Bot against a real Matcher and a scripted UDP room', () => {
  let fx: MatcherFixture;
  let room: ScriptedRoom;
  let serverId: string;
  const partners: MatchmakingClient[] = [];

  before(async () => (fx = await MatcherFixture.start({ ROOM_SERVER_LEASE_TTL_MS: '600000' })));
  beforeEach(async () => {
    room = await ScriptedRoom.start();
    serverId = await fx.roomServer(room.address, 10);
  });
  afterEach(async () => {
    partners.splice(0).forEach((p) => p.close());
    room.close();
    await fx.clients.deregister({ serverId, handOver: false }, registryAuth()); // new pairs go to the next test's room only
  });
  after(async () => fx.stop());

  /** Queues an opponent for the bot, so that a match forms. */
  async function partner(mmr: number): Promise<void> {
    const p = new MatchmakingClient(fx.matcher.address);
    partners.push(p);
    await p.login(device());
    await p.enqueue(mmr);
  }

  it('logs in, gets matched, chases the ball every tick and stops when the game ends', async () => {
    const bot = new Bot(fx.matcher.address, { deviceId: device(), mmr: 1400 });
    const running = bot.run();
    await partner(1450);
    await eventually('welcomed', () => room.welcomed.length === 1);
    room.startTicking({ ball: { x: 500_000, y: 550_000, vx: 0, vy: 0 } });
    await eventually('10 input batches', () => room.packets('inputs').length >= 10);
    expect(room.packets('inputs').at(-1)!.body.inputs.at(-1)!.direction, 'down towards the ball').to.equal(1);
    const result = { reason: EndReason.END_REASON_SCORE_LIMIT, winnerId: 'x', scores: [], ticks: 10 };
    room.send(room.welcomed[0]!, { event: { kind: RoomEventKind.ROOM_EVENT_KIND_GAME_ENDED, slot: 0, tick: room.tick, result } });
    expect(await running).to.deep.equal({ reason: 'game_ended', result });
  });

  it('drops its link at the scripted tick and reconnects on a new socket', async () => {
    const bot = new Bot(fx.matcher.address, { deviceId: device(), mmr: 1800, drop: { atTick: 5, afterMs: 50 } });
    const running = bot.run();
    const reconnected = new Promise((resolve) => bot.game.once('reconnected', resolve));
    await partner(1800);
    await eventually('welcomed', () => room.welcomed.length === 1);
    room.startTicking();
    await reconnected;
    expect(room.welcomed).to.have.length(2);
    expect(room.packets('disconnect'), 'a drop says nothing').to.have.length(0);
    bot.stop();
    expect(await running.catch((e: unknown) => e)).to.have.property('kind', 'aborted');
    await eventually('Disconnect on stop', () => room.packets('disconnect').length === 1);
  });
});
