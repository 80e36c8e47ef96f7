import { churnSseWatches } from '../../bench/attacks/sse-churn.js';
import { GatewayFixture } from '../support/gateway-fixture.js';

describe('scratch churn', () => {
  it('churns', async function () {
    this.timeout(60000);
    const fx = await GatewayFixture.start();
    try {
      const attacker = await fx.player();
      const bystanders = await Promise.all(Array.from({ length: 20 }, () => fx.player()));
      const report = await churnSseWatches({ baseUrl: fx.url(''), attackerToken: attacker.token, bystanderTokens: bystanders.map((b) => b.token), durationMs: 15000, attackerConcurrency: 16, bystanderCallGapMs: 20 });
      console.log(JSON.stringify({ ...report, bystanderCallErrors: report.bystanderCallErrors.slice(0, 5), nCallErr: report.bystanderCallErrors.length, bystanderWatchErrors: report.bystanderWatchErrors.slice(0, 3), nWatchErr: report.bystanderWatchErrors.length }, null, 1));
    } finally {
      console.log(fx.gateway.output.filter((l) => /warn|error/i.test(l)).slice(0, 5).join('\n'));
      await fx.stop();
    }
  });
});
