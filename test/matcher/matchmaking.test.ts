import { expect } from 'chai';
import type { Metadata } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import { Slot, TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { verifyConnectToken } from '../../src/shared/connect-token.js';
import { deriveRoomKeys } from '../../src/shared/secrets.js';
import { MatcherFixture, expectStatus } from '../support/matcher-fixture.js';
import { testRoomSecret } from '../support/service-process.js';
import { eventually } from '../support/wait.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

describe('Matcher matchmaking over gRPC (real Redis, real Matcher process)', () => {
  let fx: MatcherFixture;
  const serverAddr = '127.0.0.1:7777';

  before(async () => {
    fx = await MatcherFixture.start();
    await fx.roomServer(serverAddr, 1000);
  });
  after(async () => fx.stop());

  const assignmentOf = async (auth: Metadata) => (await fx.clients.getAssignment({}, auth)).assignment;

  it('seed §11.1: ten bots with MMR 1000..1500 make five pairs, each within 200', async () => {
    const mmrs = [1000, 1055, 1110, 1165, 1220, 1275, 1330, 1385, 1440, 1500];
    const bots = await Promise.all(mmrs.map(async (mmr) => ({ mmr, ...(await fx.player()) })));
    await Promise.all(bots.map((bot) => fx.clients.enqueue({ mmr: bot.mmr }, bot.auth)));
    const assignments = await eventually('all ten assigned', async () => {
      const all = await Promise.all(bots.map((bot) => assignmentOf(bot.auth).catch(() => undefined)));
      return all.every(Boolean) ? all.map((a) => a!) : undefined;
    });
    const rooms = new Map<string, string[]>();
    bots.forEach((bot, i) => {
      const a = assignments[i]!;
      expect(a.roomAddr).to.equal(serverAddr);
      const opponent = bots.find((b) => b.id === a.opponentId);
      expect(opponent, 'opponent is one of the bots').to.not.equal(undefined);
      expect(Math.abs(opponent!.mmr - bot.mmr)).to.be.at.most(200);
      rooms.set(a.roomId, [...(rooms.get(a.roomId) ?? []), bot.id]);
    });
    expect(rooms.size).to.equal(5);
    for (const members of rooms.values()) expect(members).to.have.length(2);
  });

  it('seed §11.1: MMR 1000 and 1500 alone stay queued', async () => {
    const low = await fx.player();
    const high = await fx.player();
    await fx.clients.enqueue({ mmr: 1000 }, low.auth);
    await fx.clients.enqueue({ mmr: 1500 }, high.auth);
    // A pair enqueued afterwards is matched by a later pass, which also saw 1000 and 1500.
    const sentinels = [await fx.player(), await fx.player()];
    await fx.clients.enqueue({ mmr: 5000 }, sentinels[0]!.auth);
    await fx.clients.enqueue({ mmr: 5050 }, sentinels[1]!.auth);
    await eventually('sentinel pair assigned', () => assignmentOf(sentinels[0]!.auth).catch(() => undefined));
    await expectStatus(assignmentOf(low.auth), status.NOT_FOUND);
    await expectStatus(assignmentOf(high.auth), status.NOT_FOUND);
    expect((await fx.clients.enqueue({ mmr: 1000 }, low.auth)).status).to.equal(TicketStatus.TICKET_STATUS_QUEUED);
    await fx.clients.dequeue({}, low.auth);
    await fx.clients.dequeue({}, high.auth);
  });

  it('Enqueue is idempotent while queued and while assigned', async () => {
    const a = await fx.player();
    const first = await fx.clients.enqueue({ mmr: 7000 }, a.auth);
    const again = await fx.clients.enqueue({ mmr: 7100 }, a.auth);
    expect(first).to.deep.equal({ status: TicketStatus.TICKET_STATUS_QUEUED, created: true });
    expect(again).to.deep.equal({ status: TicketStatus.TICKET_STATUS_QUEUED, created: false });
    const redis = fx.redis.client();
    expect(await redis.zscore(dk.queue(), a.id)).to.equal('7000');
    const b = await fx.player();
    await fx.clients.enqueue({ mmr: 7050 }, b.auth);
    await eventually('a assigned', () => assignmentOf(a.auth).catch(() => undefined));
    expect(await fx.clients.enqueue({ mmr: 7000 }, a.auth)).to.deep.equal({
      status: TicketStatus.TICKET_STATUS_ASSIGNED,
      created: false,
    });
    expect(await redis.zscore(dk.queue(), a.id)).to.equal(null);
    redis.disconnect();
  });

  it('GetAssignment gives a fresh connect token bound to player, room and server', async () => {
    const a = await fx.player();
    const b = await fx.player();
    await expectStatus(assignmentOf(a.auth), status.NOT_FOUND);
    await fx.clients.enqueue({ mmr: 9000 }, a.auth);
    await fx.clients.enqueue({ mmr: 9001 }, b.auth);
    const first = await eventually('assigned', () => assignmentOf(a.auth).catch(() => undefined));
    const second = (await assignmentOf(a.auth))!;
    expect(second.roomId).to.equal(first.roomId);
    expect(second.connectToken).to.not.equal(first.connectToken);
    const check = verifyConnectToken(second.connectToken, deriveRoomKeys(testRoomSecret).connectTokenKey, Date.now());
    expect(check.ok).to.equal(true);
    if (!check.ok) return;
    expect(check.claims).to.include({ playerId: a.id, roomId: first.roomId, serverAddr: serverAddr, opponentId: b.id });
    expect(check.claims.expiresAtMs).to.be.greaterThan(Date.now());
    const bSide = (await assignmentOf(b.auth))!;
    expect(new Set([first.slot, bSide.slot])).to.deep.equal(new Set([Slot.SLOT_LEFT, Slot.SLOT_RIGHT]));
    const redis = fx.redis.client();
    expect(await redis.hgetall(dk.roomMap(a.id))).to.include({ room_id: first.roomId, addr: serverAddr });
    expect(await redis.ttl(dk.roomMap(a.id))).to.be.within(1, 300);
    redis.disconnect();
  });

  it('Dequeue leaves the queue and is a no-op when not queued', async () => {
    const a = await fx.player();
    expect(await fx.clients.dequeue({}, a.auth)).to.deep.equal({ removed: false, status: TicketStatus.TICKET_STATUS_NOT_QUEUED });
    await fx.clients.enqueue({ mmr: 20000 }, a.auth);
    expect(await fx.clients.dequeue({}, a.auth)).to.deep.equal({ removed: true, status: TicketStatus.TICKET_STATUS_DEQUEUED });
    const redis = fx.redis.client();
    expect(await redis.zscore(dk.queue(), a.id)).to.equal(null);
    redis.disconnect();
  });

  it('WatchAssignment pushes queued, then assigned, across two players', async () => {
    const a = await fx.player();
    const b = await fx.player();
    const events: WatchAssignmentResponse[] = [];
    const stream = fx.clients.matcher.watchAssignment({}, a.auth);
    stream.on('data', (event: WatchAssignmentResponse) => events.push(event));
    const ended = new Promise<number>((resolve) => stream.on('error', (err: { code: number }) => resolve(err.code)));
    await eventually('first status', () => events.length >= 1);
    expect(events[0]!.status).to.equal(TicketStatus.TICKET_STATUS_NOT_QUEUED);
    await fx.clients.enqueue({ mmr: 30000 }, a.auth);
    await eventually('queued pushed', () => events.some((e) => e.status === TicketStatus.TICKET_STATUS_QUEUED));
    await fx.clients.enqueue({ mmr: 30010 }, b.auth);
    const assigned = await eventually('assigned pushed', () =>
      events.find((e) => e.status === TicketStatus.TICKET_STATUS_ASSIGNED),
    );
    expect(assigned.assignment?.opponentId).to.equal(b.id);
    expect(assigned.assignment?.connectToken).to.be.a('string').and.not.equal('');
    stream.cancel();
    expect(await ended).to.equal(status.CANCELLED);
  });

  it('holds at most 4 watches per player: a fifth ends the oldest with RESOURCE_EXHAUSTED, the others go on', async () => {
    const a = await fx.player();
    const watches = Array.from({ length: 5 }, () => {
      const call = fx.clients.matcher.watchAssignment({}, a.auth);
      const events: WatchAssignmentResponse[] = [];
      const ended = new Promise<number>((resolve) => call.on('error', (err: { code: number }) => resolve(err.code)));
      call.on('data', (event: WatchAssignmentResponse) => events.push(event));
      return { call, events, ended };
    });
    await eventually('each watch answered', () => watches.slice(1).every((w) => w.events.length > 0));
    expect(await watches[0]!.ended).to.equal(status.RESOURCE_EXHAUSTED);
    await fx.clients.enqueue({ mmr: 4321 }, a.auth);
    await eventually('QUEUED pushed to the four left', () => watches.slice(1).every((w) => w.events.some((e) => e.status === TicketStatus.TICKET_STATUS_QUEUED)));
    for (const w of watches.slice(1)) w.call.cancel();
    await fx.clients.dequeue({}, a.auth);
  });

  it('rejects bad input with INVALID_ARGUMENT and changes nothing', async () => {
    const a = await fx.player();
    for (const mmr of [-1, Number.NaN, Number.POSITIVE_INFINITY, 1e9]) {
      await expectStatus(fx.clients.enqueue({ mmr }, a.auth), status.INVALID_ARGUMENT);
    }
    // A device id is a bearer secret: too short, too long, outside A-Z a-z 0-9 . _ ~ -, or too few different characters.
    const refused = ['', 'short-id-15char', 'x'.repeat(129), 'has space but long enough', 'tab\there-and-long-enough', 'é-non-ascii-0123456789', 'aaaaaaaaaaaaaaaaaaaa', '0101010101010101'];
    for (const deviceId of refused) {
      await expectStatus(fx.clients.authenticateDevice({ deviceId }), status.INVALID_ARGUMENT);
    }
    expect(await fx.clients.dequeue({}, a.auth)).to.include({ removed: false });
  });
});
