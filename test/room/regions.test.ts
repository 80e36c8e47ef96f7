import { expect } from 'chai';
import { bearer, connect } from '../support/grpc-clients.js';
import { RedisServer } from '../support/redis-server.js';
import { startRoomServer } from '../support/room-fixture.js';
import { startMatcher, startService } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { startRefused } from '../support/start-refusal.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';
import { Keys } from '../../src/shared/redis/keys.js';

const keys = new Keys('');

describe('room servers of regions (real Redis, Matcher and room server processes)', function () {
  this.timeout(60000);

  it('--region registers the server in its region, and only that region’s rooms land on it', async () => {
    const stack = new Stack();
    try {
      const redis = stack.add(await RedisServer.start());
      const matcher = stack.add(await startMatcher(redis.url));
      const eu = stack.add(await startRoomServer(redis.url, matcher.address, {}, 0, ['--region', 'eu-west']));
      const us = stack.add(await startRoomServer(redis.url, matcher.address, {}, 0, ['--region', 'us-east']));
      const check = redis.client();
      stack.add({ stop: () => check.disconnect() });
      expect(await check.hget(keys.region('eu-west').roomServer(eu.address), 'region')).to.equal('eu-west');
      expect(await check.hget(keys.roomServerRegions(), us.address)).to.equal('us-east');
      expect(await check.exists(keys.region('default').roomServer(eu.address)), 'in its own region only').to.equal(0);

      const grpc = connect(matcher.address);
      stack.add({ stop: () => grpc.close() });
      const players = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const region = i % 2 === 0 ? 'eu-west' : 'us-east';
          const session = await grpc.authenticateDevice({ deviceId: deviceIdOf(`regions-${i}-${Math.random()}`) });
          await grpc.enqueue({ mmr: 1000, region }, bearer(session.token));
          return { region, id: session.playerId, auth: bearer(session.token) };
        }),
      );
      const serverOf: Record<string, string> = { 'eu-west': eu.address, 'us-east': us.address };
      const regionOf = new Map(players.map((p) => [p.id, p.region]));
      for (const p of players) {
        const assignment = await eventually(`${p.id} assigned`, async () => (await grpc.getAssignment({}, p.auth).catch(() => undefined))?.assignment);
        expect(assignment.roomAddr).to.equal(serverOf[p.region]);
        expect(regionOf.get(assignment.opponentId)).to.equal(p.region);
      }
    } finally {
      await stack.stop();
    }
  });

  it('refuses a malformed --region at start', async () => {
    const refusal = await startRefused(() => startService('src/room/main.ts', ['--port', '0', '--region', 'EU_West'], {}));
    expect(refusal.message).to.include('--region').and.include('a-z 0-9');
  });
});
