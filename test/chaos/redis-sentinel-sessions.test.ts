import { expect } from 'chai';
import { startGateway } from '../support/gateway-fixture.js';
import { startRedisHa } from '../support/redis-sentinel.js';
import { startMatcher, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import type { RedisHa } from '../../scripts/lib/redis-ha.js';

/** Sessions created through REST in all; the primary dies once a third of them are acknowledged. */
const sessionsWanted = 240;
const killAfterAcknowledged = 80;
/** REST clients creating sessions back to back. */
const clients = 8;
/** Longest any one REST call may take: a command time-out (1 s) and a replica wait, with room to spare. It never hangs. */
const longestCallMs = 5000;

interface Attempt {
  status: number;
  retryAfter: string | null;
  startedAt: number;
  tookMs: number;
}

describe('chaos: the Redis primary SIGKILLed while sessions are created through REST (Sentinel)', function () {
  this.timeout(90000);
  const stack = new Stack();
  let ha: RedisHa;
  let matcher: ServiceProcess;
  let gateway: ServiceProcess;

  before(async function () {
    this.timeout(40000);
    ha = stack.add(await startRedisHa());
    matcher = stack.add(await startMatcher(ha.env));
    // One test client makes all the logins: the per-IP login limit would answer 429 long before 240.
    gateway = stack.add(await startGateway(matcher.address, { GATEWAY_LOGIN_RATE_MAX: '0' }));
  });
  after(async () => stack.stop());

  it('keeps every session it acknowledged with 200; answers 503 + Retry-After meanwhile; recovers by itself', async () => {
    const acknowledged: { token: string; playerId: string }[] = [];
    const attempts: Attempt[] = [];
    let killedAt: number | undefined;
    let killing: Promise<number> | undefined;
    let next = 0;
    const createOne = async (): Promise<void> => {
      const deviceId = deviceIdOf(`ha-session-${next++}`);
      for (;;) {
        const startedAt = Date.now();
        const response = await fetch(`http://${gateway.address}/session`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ device_id: deviceId }),
        });
        const body = (await response.json()) as { token?: string; player_id?: string };
        attempts.push({ status: response.status, retryAfter: response.headers.get('retry-after'), startedAt, tookMs: Date.now() - startedAt });
        if (response.status === 200) {
          acknowledged.push({ token: body.token!, playerId: body.player_id! });
          if (acknowledged.length === killAfterAcknowledged) {
            killedAt = Date.now();
            killing = ha.killPrimary();
          }
          return;
        }
        expect(response.status, 'only 503 is retried').to.equal(503);
        await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after')) * 100));
      }
    };
    const worker = async (): Promise<void> => {
      while (next < sessionsWanted) await createOne();
    };
    await Promise.all(Array.from({ length: clients }, worker));
    const oldPrimary = await killing!;
    expect(await ha.primaryPort(), 'the Sentinels promoted a replica').to.not.equal(oldPrimary);

    const afterKill = attempts.filter((a) => a.startedAt >= killedAt!);
    const firstOkAfterOutage = afterKill.find((a, i) => a.status === 200 && afterKill.slice(0, i).some((b) => b.status === 503));
    expect(afterKill.some((a) => a.status === 503), 'the gateway answered 503 during the failover').to.equal(true);
    expect(firstOkAfterOutage, 'REST recovered by itself').to.not.equal(undefined);
    expect(attempts.filter((a) => a.status === 503).every((a) => a.retryAfter === '1'), 'every 503 carries Retry-After').to.equal(true);
    expect(Math.max(...attempts.map((a) => a.tookMs)), 'the longest call (ms): none hangs').to.be.below(longestCallMs);
    // A figure, not a check: how long REST was unavailable.
    console.log(`      time to recovery: ${firstOkAfterOutage!.startedAt - killedAt!} ms from SIGKILL to the first 200 after the outage`);

    // Every acknowledged session works on the new primary: the token authenticates (404: no ticket, not 401).
    expect(acknowledged.length).to.equal(sessionsWanted);
    for (const { token, playerId } of acknowledged) {
      const status = await eventually(`GET /match/status for ${playerId}`, async () => {
        const response = await fetch(`http://${gateway.address}/match/status`, { headers: { authorization: `Bearer ${token}` } });
        return response.status === 503 ? undefined : response.status;
      });
      expect(status, `session of ${playerId} after the failover`).to.equal(404);
    }
    expect(matcher.child.exitCode ?? matcher.child.signalCode, 'the Matcher was never restarted').to.equal(null);
    expect(matcher.output.some((line) => line.includes('redis connection restored')), 'the Matcher followed the new primary').to.equal(true);
  });
});
