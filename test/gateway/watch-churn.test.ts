import { expect } from 'chai';
import { churnSseWatches } from '../../bench/attacks/sse-churn.js';
import { GatewayFixture } from '../support/gateway-fixture.js';
import { sampleValue, scrapeMetrics } from '../support/prom-text.js';

/**
 * More cancellations than Node's HTTP/2 server takes from one connection before it sends GOAWAY:
 * a burst of 1,000, then 33 a second for the up to 12 s the attack may take.
 */
const churnsPastTheResetLimit = 1500;

describe('Gateway under one client churning watch streams (real gateway, Matcher and Redis processes)', () => {
  let fx: GatewayFixture;

  before(async () => {
    // No watch-open rate limit: the attack must reach the cancellations, not stop at a 429. One
    // connection for watches: spreading them over several is not what keeps it open, pacing is.
    fx = await GatewayFixture.start({ GATEWAY_WATCH_RATE_MAX: '0', GATEWAY_WATCH_CHANNELS: '1' });
  });
  after(async () => fx?.stop());

  it("bystanders' held watches and calls see no error while one client opens and drops watches as fast as it can", async function () {
    this.timeout(40000);
    const attackers = await Promise.all(Array.from({ length: 8 }, (_, i) => fx.player(`churn-attacker-${i}`)));
    const bystanders = await Promise.all(Array.from({ length: 20 }, (_, i) => fx.player(`churn-bystander-${i}`)));
    const report = await churnSseWatches({
      baseUrl: fx.url(''),
      attackerTokens: attackers.map((a) => a.token),
      bystanderTokens: bystanders.map((b) => b.token),
      durationMs: 20000, // the attack stops at its target; a busy machine needs longer to reach it
      targetChurns: churnsPastTheResetLimit,
      bystanderCallGapMs: 20,
    });
    expect(report.churned, 'an attack strong enough to trip the reset limit').to.be.at.least(churnsPastTheResetLimit);
    expect(report.bystanderCalls).to.be.greaterThan(0);
    expect(report.bystanderCallErrors, "bystanders' calls").to.deep.equal([]);
    expect(report.bystanderWatchErrors, "bystanders' watches").to.deep.equal([]);
    // More than one connection may reset at once: the rest wait their turn (and are sent, 25 a second).
    const waiting = sampleValue(await scrapeMetrics(fx.gateway.metricsPort), 'gateway_watch_cancellations_waiting');
    expect(waiting, 'cancellations held back').to.be.greaterThan(0);
  });
});
