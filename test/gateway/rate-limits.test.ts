import { expect } from 'chai';
import { deviceIdOf } from '../support/device-id.js';
import { GatewayFixture } from '../support/gateway-fixture.js';
import { requestFrom, type FromResult } from './http-from.js';

// Every test client is on loopback: 127.0.0.1 floods, 127.0.0.2 is the other client (its own address).
const flooder = '127.0.0.1';
const other = '127.0.0.2';

describe('Gateway per-client rate limits (real gateway, Matcher and Redis processes)', () => {
  let fx: GatewayFixture;
  // Windows far longer than a test, so that no count starts over in the middle of one.
  const windowMs = 60000;

  before(async () => {
    fx = await GatewayFixture.start({ GATEWAY_RATE_WINDOW_MS: String(windowMs), GATEWAY_LOGIN_RATE_MAX: '5', GATEWAY_WATCH_RATE_MAX: '3' });
  });
  after(async () => fx?.stop());

  const login = (from: string, label: string): Promise<FromResult> =>
    requestFrom(fx.url('/session'), { method: 'POST', localAddress: from, json: { device_id: deviceIdOf(label) } });

  const expectRateLimited = (res: FromResult): void => {
    expect(res.status).to.equal(429);
    const retryAfterSec = Number(res.headers['retry-after']);
    expect(retryAfterSec, 'Retry-After in whole seconds, within the window').to.be.within(1, windowMs / 1000);
    expect(res.body).to.have.all.keys('error', 'code');
    expect(res.body).to.include({ code: 'RESOURCE_EXHAUSTED' });
    expect(res.body?.error).to.be.a('string').and.match(/retry in/);
  };

  it('answers a login flood from one client 429 with Retry-After, while another client logs in', async () => {
    const flood = await Promise.all(Array.from({ length: 8 }, (_, i) => login(flooder, `flood-${i}`)));
    expect(flood.filter((res) => res.status === 200), 'the limit').to.have.length(5);
    for (const res of flood.filter((r) => r.status !== 200)) expectRateLimited(res);
    expect((await login(other, 'other-client')).status).to.equal(200);
  });

  it('answers a flood of watch opens from one client 429 with Retry-After, while another client watches', async () => {
    const token = String((await login(other, 'watcher')).body?.token);
    const opens = [];
    for (let i = 0; i < 5; i++) opens.push(await requestFrom(fx.url('/match/watch'), { localAddress: flooder, token }));
    expect(opens.map((res) => res.status)).to.deep.equal([200, 200, 200, 429, 429]);
    expectRateLimited(opens[4]!);
    expect((await requestFrom(fx.url('/match/watch'), { localAddress: other, token })).status).to.equal(200);
  });

  it('limits only logins and watch opens: other calls from the same client go on', async () => {
    const token = String((await login(other, 'caller')).body?.token);
    for (let i = 0; i < 10; i++) {
      expect((await requestFrom(fx.url('/match/status'), { localAddress: flooder, token })).status).to.equal(404);
    }
  });
});
