import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { RedisServer } from '../support/redis-server.js';
import { startMatcher, startService, type ServiceProcess } from '../support/service-process.js';
import { Stack } from '../support/stack.js';

/** The fields of a room server's start-up line. */
function listening(room: ServiceProcess): { udp_recv_buffer_bytes: number } {
  return JSON.parse(room.output.find((line) => line.includes('room listening on'))!) as { udp_recv_buffer_bytes: number };
}

describe('room server UDP receive buffer (real processes, real sockets)', function () {
  this.timeout(30000);
  const stack = new Stack();
  let start: (env: Record<string, string>) => Promise<ServiceProcess>;

  before(async () => {
    const redis = stack.add(await RedisServer.start());
    const matcher = stack.add(await startMatcher(redis.url));
    start = async (env) =>
      stack.add(await startService('src/room/main.ts', ['--port', '0', '--host', '127.0.0.1', '--matcher', matcher.address], { REDIS_URL: redis.url, ...env }));
  });
  after(async () => stack.stop());

  it('asks for ROOM_UDP_RECV_BUFFER_BYTES and logs what the kernel granted, which beats the default', async () => {
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const asked = Math.min(1024 * 1024, rmemMax);
    const kernelDefault = listening(await start({ ROOM_UDP_RECV_BUFFER_BYTES: '0' })).udp_recv_buffer_bytes;
    const sized = listening(await start({ ROOM_UDP_RECV_BUFFER_BYTES: String(asked) })).udp_recv_buffer_bytes;
    expect(sized, 'granted at least what was asked (Linux doubles it)').to.be.at.least(asked);
    expect(sized, 'more than the kernel default').to.be.greaterThan(kernelDefault);
  });

  it('says so when the kernel caps the buffer below what was asked', async () => {
    const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
    const room = await start({ ROOM_UDP_RECV_BUFFER_BYTES: String(Math.min(4 * rmemMax, 256 * 1024 * 1024)) });
    expect(room.output.some((line) => line.includes('the kernel capped the UDP receive buffer'))).to.equal(true);
  });
});
