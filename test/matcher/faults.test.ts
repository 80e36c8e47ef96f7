import { expect } from 'chai';
import { status } from '@grpc/grpc-js';
import { TicketStatus, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { MatcherFixture, expectStatus } from '../support/matcher-fixture.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

/** The default region's keys. */
const dk = new Keys('').region('default');

describe('Matcher when Redis fails (real Redis killed and restarted)', () => {
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start()));
  after(async () => fx.stop());

  it('answers UNAVAILABLE (not a hang) while Redis is down and recovers by itself, keeping sessions', async () => {
    const a = await fx.player();
    await fx.clients.enqueue({ mmr: 1000 }, a.auth);
    await fx.redis.kill();
    // The client deadline is 5 s: a hanging call would end DEADLINE_EXCEEDED, not UNAVAILABLE.
    await expectStatus(fx.clients.dequeue({}, a.auth), status.UNAVAILABLE);
    await expectStatus(fx.clients.authenticateDevice({ deviceId: deviceIdOf('during-outage') }), status.UNAVAILABLE);
    await fx.redis.restart();
    // AOF: the session and the queued ticket acknowledged before the crash are still there.
    const back = await eventually('matcher answers again', () => fx.clients.dequeue({}, a.auth).catch(() => undefined));
    expect(back).to.deep.equal({ removed: true, status: TicketStatus.TICKET_STATUS_DEQUEUED });
    expect((await fx.player('after-outage')).id).to.be.a('string');
  });

  it('keeps a watch stream alive across a Redis restart and pushes what changed meanwhile', async () => {
    const a = await fx.player();
    const events: WatchAssignmentResponse[] = [];
    const stream = fx.clients.matcher.watchAssignment({}, a.auth);
    const ended = new Promise<number>((resolve) => stream.on('error', (err: { code: number }) => resolve(err.code)));
    stream.on('data', (event: WatchAssignmentResponse) => events.push(event));
    await eventually('first status', () => events.length === 1);
    await fx.redis.kill();
    await fx.redis.restart();
    await eventually('enqueue works again', () => fx.clients.enqueue({ mmr: 1000 }, a.auth).catch(() => undefined));
    await eventually('queued pushed after the restart', () => events.some((e) => e.status === TicketStatus.TICKET_STATUS_QUEUED));
    stream.cancel();
    expect(await ended).to.equal(status.CANCELLED);
  });
});

describe('Matcher queue time-out', () => {
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start({ MATCH_MAX_WAIT_SEC: '1' })));
  after(async () => fx.stop());

  it('times out a player who waits past the maximum, pushes TIMED_OUT and ends the stream', async () => {
    const a = await fx.player();
    const events: WatchAssignmentResponse[] = [];
    const stream = fx.clients.matcher.watchAssignment({}, a.auth);
    stream.on('data', (event: WatchAssignmentResponse) => events.push(event));
    const ended = new Promise<void>((resolve) => stream.on('end', resolve));
    await eventually('first status', () => events.length === 1);
    await fx.clients.enqueue({ mmr: 4242 }, a.auth);
    await ended;
    expect(events.map((e) => e.status)).to.deep.equal([
      TicketStatus.TICKET_STATUS_NOT_QUEUED,
      TicketStatus.TICKET_STATUS_QUEUED,
      TicketStatus.TICKET_STATUS_TIMED_OUT,
    ]);
    const redis = fx.redis.client();
    expect(await redis.zscore(dk.queue(), a.id)).to.equal(null);
    redis.disconnect();
  });
});
