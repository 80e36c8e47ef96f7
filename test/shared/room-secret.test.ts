import { expect } from 'chai';
import { ServiceProcess } from '../../scripts/lib/service-process.js';
import { RedisServer } from '../support/redis-server.js';
import { Stack } from '../support/stack.js';

/** Starts a service with exactly this environment on top of the runner's (no test room secret). */
const start = (entry: string, args: string[], env: Record<string, string>): Promise<ServiceProcess> => ServiceProcess.start(entry, args, env);

describe('ROOM_SECRET is required outside development mode (real processes)', function () {
  this.timeout(30000);
  const stack = new Stack();
  let redisUrl: string;
  before(async () => (redisUrl = stack.add(await RedisServer.start()).url));
  after(async () => stack.stop());

  for (const [service, entry, args] of [
    ['Matcher', 'src/matcher/main.ts', ['--port', '0', '--host', '127.0.0.1']],
    ['room server', 'src/room/main.ts', ['--port', '0', '--host', '127.0.0.1', '--matcher', '127.0.0.1:1']],
  ] as const) {
    it(`a ${service} without ROOM_SECRET refuses to start (exit 2) and names the variable`, async () => {
      const refused = await start(entry, [...args], { REDIS_URL: redisUrl }).then(
        (started) => {
          stack.add(started);
          return undefined;
        },
        (err: Error) => err.message,
      );
      expect(refused, 'it started').to.be.a('string');
      expect(refused).to.include('exited with 2').and.include('ROOM_SECRET is not set').and.include('MINI_DEV_MODE=1');
    });
  }

  it('MINI_DEV_MODE=1 lets it start on the public development secret, with a warning', async () => {
    const matcher = stack.add(await start('src/matcher/main.ts', ['--port', '0', '--host', '127.0.0.1'], { REDIS_URL: redisUrl, MINI_DEV_MODE: '1' }));
    expect(matcher.output.some((line) => line.includes('using the public development secret'))).to.equal(true);
  });
});
