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

describe('chaos: the Redis primary lost (SIGKILL, SIGSTOP) while sessions are created through REST (Sentinel)', function () {
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
    const run = await createSessionsThrough(gateway.address, sessionsWanted, killAfterAcknowledged, () => ha.killPrimary());
    const oldPrimary = await run.outage;
    expect(await ha.primaryPort(), 'the Sentinels promoted a replica').to.not.equal(oldPrimary);

    const afterKill = run.attempts.filter((a) => a.startedAt >= run.outageAt);
    const firstOkAfterOutage = afterKill.find((a, i) => a.status === 200 && afterKill.slice(0, i).some((b) => b.status === 503));
    expect(afterKill.some((a) => a.status === 503), 'the gateway answered 503 during the failover').to.equal(true);
    expect(firstOkAfterOutage, 'REST recovered by itself').to.not.equal(undefined);
    expect(run.attempts.filter((a) => a.status === 503).every((a) => a.retryAfter === '1'), 'every 503 carries Retry-After').to.equal(true);
    expect(Math.max(...run.attempts.map((a) => a.tookMs)), 'the longest call (ms): none hangs').to.be.below(longestCallMs);
    // A figure, not a check: how long REST was unavailable.
    console.log(`      time to recovery: ${firstOkAfterOutage!.startedAt - run.outageAt} ms from SIGKILL to the first 200 after the outage`);

    await expectSessionsValid(gateway.address, run.acknowledged, sessionsWanted);
    expect(matcher.child.exitCode ?? matcher.child.signalCode, 'the Matcher was never restarted').to.equal(null);
    expect(matcher.output.some((line) => line.includes('redis connection restored')), 'the Matcher followed the new primary').to.equal(true);
    // The killed node comes back as a replica of the new primary, for the next test.
    await ha.restart(oldPrimary);
    await ha.untilFailedOver(oldPrimary, 2);
  });

  it('follows a failover away from a hung primary (SIGSTOP); resumed, the old primary takes none of the acknowledged writes', async () => {
    let frozen = 0;
    const run = await createSessionsThrough(gateway.address, 120, 40, async () => {
      frozen = await ha.primaryPort();
      ha.freeze(frozen, true);
      return frozen;
    });
    await run.outage;
    const newPrimary = await ha.untilFailedOver(frozen, 1);
    expect(run.attempts.some((a) => a.status === 503), 'the gateway answered 503 while the primary hung').to.equal(true);
    expect(Math.max(...run.attempts.map((a) => a.tookMs)), 'the longest call (ms): none hangs').to.be.below(longestCallMs);

    // Resumed, the old primary believes it is the primary until a Sentinel turns it into a replica.
    ha.freeze(frozen, false);
    await eventually('the old primary demoted to a replica of the new one', () => ha.roleOf(frozen).then((role) => role === `slave of ${newPrimary}`), 30000, 100);
    await ha.untilFailedOver(frozen, 2);
    await expectSessionsValid(gateway.address, run.acknowledged, 120);
  });
});

interface SessionRun {
  acknowledged: { token: string; playerId: string }[];
  attempts: Attempt[];
  /** When the outage was caused, and the port of the primary it hit. */
  outageAt: number;
  outage: Promise<number>;
}

/**
 * Creates `wanted` sessions through REST from 8 clients back to back, each retrying 503 after its
 * Retry-After; once `outageAfter` are acknowledged, `cause` makes the outage.
 */
async function createSessionsThrough(gatewayAddr: string, wanted: number, outageAfter: number, cause: () => Promise<number>): Promise<SessionRun> {
  const run = { acknowledged: [], attempts: [], outageAt: 0 } as unknown as SessionRun;
  let next = 0;
  const giveUpAt = Date.now() + 60000;
  const label = `ha-session-${Math.random().toString(36).slice(2)}`;
  const createOne = async (): Promise<void> => {
    const deviceId = deviceIdOf(`${label}-${next++}`);
    for (;;) {
      const startedAt = Date.now();
      const response = await fetch(`http://${gatewayAddr}/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ device_id: deviceId }),
      });
      const body = (await response.json()) as { token?: string; player_id?: string };
      run.attempts.push({ status: response.status, retryAfter: response.headers.get('retry-after'), startedAt, tookMs: Date.now() - startedAt });
      if (response.status === 200) {
        run.acknowledged.push({ token: body.token!, playerId: body.player_id! });
        if (run.acknowledged.length === outageAfter) {
          run.outageAt = Date.now();
          run.outage = cause();
        }
        return;
      }
      expect(response.status, 'only 503 is retried').to.equal(503);
      if (Date.now() > giveUpAt) throw new Error(`REST still answers 503 after 60 s: ${run.acknowledged.length} of ${wanted} sessions made`);
      // The client's backoff: it waits out the Retry-After (a tenth of it here, to keep the test short).
      await new Promise((resolve) => setTimeout(resolve, Number(response.headers.get('retry-after')) * 100));
    }
  };
  const worker = async (): Promise<void> => {
    while (next < wanted) await createOne();
  };
  await Promise.all(Array.from({ length: clients }, worker));
  return run;
}

/** Every acknowledged session works on the primary of now: its token authenticates (404: no ticket, not 401). */
async function expectSessionsValid(gatewayAddr: string, acknowledged: SessionRun['acknowledged'], wanted: number): Promise<void> {
  expect(acknowledged.length).to.equal(wanted);
  for (const { token, playerId } of acknowledged) {
    const status = await eventually(`GET /match/status for ${playerId}`, async () => {
      const response = await fetch(`http://${gatewayAddr}/match/status`, { headers: { authorization: `Bearer ${token}` } });
      return response.status === 503 ? undefined : response.status;
    });
    expect(status, `session of ${playerId}`).to.equal(404);
  }
}
