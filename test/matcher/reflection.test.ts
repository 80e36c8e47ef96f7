import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { credentials, makeGenericClientConstructor } from '@grpc/grpc-js';
import { service as healthService } from 'grpc-health-check';
import { MatcherFixture } from '../support/matcher-fixture.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

const run = promisify(execFile);

/** `buf curl` with no .proto files: everything it knows about the service comes from server reflection. */
async function bufCurl(address: string, method: string, body: object, headers: string[] = []): Promise<unknown> {
  const args = ['buf', 'curl', '--protocol', 'grpc', '--http2-prior-knowledge', '-d', JSON.stringify(body)];
  for (const header of headers) args.push('-H', header);
  const { stdout } = await run('npx', [...args, `http://${address}/${method}`], { timeout: 30000 });
  return JSON.parse(stdout);
}

describe('operator tooling: reflection (buf curl) and health checks against a real Matcher', function () {
  this.timeout(60000);
  let fx: MatcherFixture;
  before(async () => (fx = await MatcherFixture.start()));
  after(async () => fx.stop());

  it('serves the pinned calls through reflection alone, with the pinned JSON names', async () => {
    const session = (await bufCurl(fx.matcher.address, 'mini.session.v1.Sessions/AuthenticateDevice', { device_id: deviceIdOf('ops-1') })) as {
      playerId: string;
      token: string;
    };
    expect(session.playerId).to.be.a('string').with.length.greaterThan(0);
    const enqueued = await bufCurl(fx.matcher.address, 'mini.matcher.v1.Matcher/Enqueue', { mmr: 1200 }, [`Authorization: Bearer ${session.token}`]);
    expect(enqueued).to.deep.equal({ status: 'TICKET_STATUS_QUEUED', created: true });
  });

  it('answers gRPC health checks: SERVING while Redis is up, NOT_SERVING while it is down', async () => {
    const Health = makeGenericClientConstructor(healthService, 'grpc.health.v1.Health');
    const client = new Health(fx.matcher.address, credentials.createInsecure()) as unknown as {
      check(req: { service: string }, cb: (err: Error | null, res: { status: string }) => void): void;
      close(): void;
    };
    const check = (service: string) =>
      new Promise<string>((resolve, reject) => client.check({ service }, (err, res) => (err ? reject(err) : resolve(res.status))));
    expect(await check('mini.matcher.v1.Matcher')).to.equal('SERVING');
    expect(await check('')).to.equal('SERVING');
    await fx.redis.kill();
    await eventually('NOT_SERVING while Redis is down', async () => (await check('')) === 'NOT_SERVING');
    await fx.redis.restart();
    await eventually('SERVING again', async () => (await check('mini.matcher.v1.Matcher')) === 'SERVING');
    client.close();
  });
});
