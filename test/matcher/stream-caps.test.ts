import { expect } from 'chai';
import { credentials } from '@grpc/grpc-js';
import { MatcherClient, type WatchAssignmentResponse } from '../../src/gen/mini/matcher/v1/matcher.js';
import { MatcherFixture } from '../support/matcher-fixture.js';
import { eventually } from '../support/wait.js';

describe('Matcher streams per connection (real Matcher process)', function () {
  this.timeout(30000);
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start({ MATCHER_MAX_STREAMS_PER_CONNECTION: '10' })));
  after(async () => fx.stop());

  /** A client on a connection of its own (grpc-js would otherwise share one between equal clients). */
  const ownConnection = (): MatcherClient => new MatcherClient(fx.matcher.address, credentials.createInsecure(), { 'grpc.use_local_subchannel_pool': 1 });

  it('holds one connection to its stream cap: the rest wait their turn, other connections are served', async () => {
    const greedy = ownConnection();
    const players = await Promise.all(Array.from({ length: 11 }, () => fx.player()));
    const watches = players.map((p) => {
      const call = greedy.watchAssignment({}, p.auth);
      const events: WatchAssignmentResponse[] = [];
      call.on('data', (event: WatchAssignmentResponse) => events.push(event));
      call.on('error', () => {});
      return { call, events };
    });
    try {
      await eventually('ten streams answered', () => watches.filter((w) => w.events.length > 0).length === 10);
      // Another connection is served at once; by then the eleventh stream would have answered had it been let in.
      const bystander = ownConnection();
      const other = await fx.player();
      await new Promise<void>((resolve, reject) => bystander.getAssignment({}, other.auth, (err) => (err && err.code !== 5 ? reject(err) : resolve())));
      bystander.close();
      const waiting = watches.filter((w) => w.events.length === 0);
      expect(waiting, 'one stream past the cap waits').to.have.length(1);
      watches.find((w) => w.events.length > 0)!.call.cancel();
      await eventually('the waiting stream let in once another ends', () => waiting[0]!.events.length > 0);
    } finally {
      for (const w of watches) w.call.cancel();
      greedy.close();
    }
  });
});
