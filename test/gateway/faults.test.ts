import { expect } from 'chai';
import { GatewayFixture, startGateway, type HttpResult } from '../support/gateway-fixture.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

describe('Gateway when its dependencies fail (real processes, killed and restarted)', () => {
  let fx: GatewayFixture;

  before(async () => {
    fx = await GatewayFixture.start();
  });
  after(async () => fx.stop());

  const expectUnavailable = (res: HttpResult): void => {
    expect(res.status).to.equal(503);
    expect(res.headers.get('retry-after')).to.equal('1');
    expect(res.body).to.deep.equal({ error: 'service unavailable, retry later', code: 'UNAVAILABLE' });
  };

  it('answers 503 with Retry-After while Redis is down and 200 once it is back, without a restart', async () => {
    const p = await fx.player();
    await fx.redis.kill();
    // Fast: the Matcher fails at once rather than waiting out the gateway's deadline (which would be 504).
    const down = await eventually('503 while Redis is down', async () => {
      const res = await fx.call('POST', '/session', { json: { device_id: deviceIdOf('while-redis-down') } });
      return res.status === 503 ? res : undefined;
    });
    expectUnavailable(down);
    expectUnavailable(await fx.call('GET', '/match/status', { token: p.token }));
    await fx.redis.restart();
    await eventually('200 after Redis is back', async () => (await fx.call('POST', '/session', { json: { device_id: deviceIdOf('after') } })).status === 200);
    // The session written before the outage survived it.
    expect((await fx.call('GET', '/match/status', { token: p.token })).status).to.equal(404);
  });

  it('on SIGTERM ends open watch streams with an UNAVAILABLE event and exits 0', async () => {
    const gateway = await startGateway(fx.matcher.address);
    const p = await fx.player();
    const watch = await fx.watch(p.token, gateway);
    await eventually('first event', () => watch.events.length >= 1);
    expect(watch.events[0]!.data).to.include({ status: 'NOT_QUEUED' });
    const exitCode = gateway.stop();
    await watch.closed;
    expect(watch.error, 'the stream ended cleanly').to.equal(undefined);
    expect(watch.events.at(-1)).to.deep.include({ event: 'error' });
    expect(watch.events.at(-1)!.data).to.include({ code: 'UNAVAILABLE' });
    expect(await exitCode).to.equal(0);
  });

  it('answers 503 with Retry-After when the Matcher is unreachable', async () => {
    const p = await fx.player();
    await fx.matcher.stop();
    expectUnavailable(await fx.call('POST', '/session', { json: { device_id: deviceIdOf('no-matcher') } }));
    expectUnavailable(await fx.call('POST', '/match/enqueue', { token: p.token, json: { mmr: 1200 } }));
    expectUnavailable(await fx.call('GET', '/match/status', { token: p.token }));
    const watch = await fx.watch(p.token);
    expect(watch.response.status).to.equal(503);
    expect(watch.response.headers.get('retry-after')).to.equal('1');
    await watch.closed;
    expect((await fx.call('GET', '/healthz')).status).to.equal(200);
  });
});
