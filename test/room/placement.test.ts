import { expect } from 'chai';
import { RefusedReason } from '../../src/gen/mini/room/v1/packets.js';
import { bearer } from '../support/grpc-clients.js';
import { FailoverSystem, scrapeMetric } from '../support/failover-system.js';
import { RedisServer } from '../support/redis-server.js';
import { startMatcher, startService } from '../support/service-process.js';
import { Stack } from '../support/stack.js';
import { handshake } from '../support/udp-player.js';
import { TestSocket } from '../support/udp-socket.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

describe('room server placement: the Matcher’s word on where a room runs (real processes)', function () {
  this.timeout(60000);

  it('exits 2, naming the settings, when its checkpoints would not outlive a failover', async () => {
    const stack = new Stack();
    try {
      const redis = stack.add(await RedisServer.start());
      const matcher = stack.add(await startMatcher(redis.url)); // default lease: 10 s
      const env = { REDIS_URL: redis.url, ROOM_CHECKPOINT_TTL_SEC: '10' };
      const room = await startService('src/room/main.ts', ['--port', '0', '--host', '127.0.0.1', '--matcher', matcher.address], env);
      const code = await new Promise<number | null>((resolve) => {
        if (room.child.exitCode !== null) resolve(room.child.exitCode);
        else room.child.once('exit', (exitCode) => resolve(exitCode));
      });
      expect(code).to.equal(2);
      expect(room.output.join('\n')).to.include('ROOM_CHECKPOINT_TTL_SEC').and.include('ROOM_SERVER_LEASE_TTL_MS');
    } finally {
      await stack.stop();
    }
  });

  it('refuses a token for a placement the room has moved away from with ROOM_MOVED', async () => {
    const system = await FailoverSystem.start();
    try {
      const first = await system.startRoom(5);
      const [a, b] = await Promise.all([0, 1].map((i) => system.grpc.authenticateDevice({ deviceId: deviceIdOf(`placement-${i}-${Math.random()}`) })));
      for (const p of [a!, b!]) await system.grpc.enqueue({ mmr: 77_000 }, bearer(p.token));
      const before = await eventually('assigned', async () => (await system.grpc.getAssignment({}, bearer(a!.token)).catch(() => undefined))?.assignment);
      expect(before.roomAddr).to.equal(first.address);

      // The first server hangs past its lease; the room (nobody joined yet) moves to a second one.
      first.child.kill('SIGSTOP');
      const second = await system.startRoom(5);
      await eventually('the room moved', async () => (await system.placement(before.roomId)).addr === second.address, 15000);
      first.child.kill('SIGCONT');

      // Back, the first server must not host the room for the old token: it says where to look.
      const socket = await TestSocket.open(first.address);
      try {
        expect(await handshake(socket, before.connectToken)).to.equal(RefusedReason.REFUSED_REASON_ROOM_MOVED);
      } finally {
        socket.close();
      }
      expect(await scrapeMetric(first, 'room_udp_dropped_packets_total', { reason: 'room_moved' })).to.equal(1);
      const after = (await system.grpc.getAssignment({}, bearer(a!.token))).assignment!;
      expect(after).to.include({ roomId: before.roomId, roomAddr: second.address, roomEpoch: 1 });
      const joined = await TestSocket.open(second.address);
      try {
        const welcome = await handshake(joined, after.connectToken);
        expect(welcome).to.include({ roomId: before.roomId });
      } finally {
        joined.close();
      }
    } finally {
      resumeAll(system);
      await system.stop();
    }
  });
});

/** No process is left stopped whatever failed. */
function resumeAll(system: FailoverSystem): void {
  for (const room of system.rooms) room.child.kill('SIGCONT');
}
