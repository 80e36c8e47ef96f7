import { expect } from 'chai';
import { GatewayFixture } from '../support/gateway-fixture.js';
import { sampleValue, scrapeMetrics } from '../support/prom-text.js';

describe('gateway metrics', () => {
  let fixture: GatewayFixture;

  before(async () => {
    fixture = await GatewayFixture.start();
  });
  after(() => fixture.stop());

  it('counts requests by method, route pattern and status, unknown paths under one label', async () => {
    await fixture.player();
    await fixture.player();
    expect((await fixture.call('POST', '/match/enqueue', { json: { mmr: 1 } })).status).to.equal(401);
    expect((await fixture.call('GET', '/no/such/path/1')).status).to.equal(404);
    expect((await fixture.call('GET', '/no/such/path/2')).status).to.equal(404);

    const samples = await scrapeMetrics(fixture.gateway.metricsPort);
    expect(sampleValue(samples, 'http_requests_total', { method: 'POST', route: '/session', status: '200' })).to.equal(2);
    expect(sampleValue(samples, 'http_requests_total', { method: 'POST', route: '/match/enqueue', status: '401' })).to.equal(1);
    expect(sampleValue(samples, 'http_requests_total', { route: 'unmatched', status: '404' })).to.equal(2);
    expect(sampleValue(samples, 'http_request_duration_seconds_count', { method: 'POST', route: '/session' })).to.equal(2);
    expect(samples.some((s) => s.labels.route?.startsWith('/no/such'))).to.equal(false);
  });
});
