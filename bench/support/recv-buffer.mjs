// What-if for `bench:rooms --room-recv-buffer <bytes>`: loaded into the room server (node --import),
// it gives every UDP socket created without a receive buffer size this one (SO_RCVBUF, capped by
// net.core.rmem_max), so a run can show how much of a capacity limit the default buffer is. The
// room server's code is not changed; nothing loads this file unless that flag is given.
import dgram from 'node:dgram';
import { syncBuiltinESMExports } from 'node:module';

const recvBufferSize = Number(process.env.BENCH_UDP_RECV_BUFFER_BYTES);
if (Number.isInteger(recvBufferSize) && recvBufferSize > 0) {
  const createSocket = dgram.createSocket;
  dgram.createSocket = (options, callback) =>
    createSocket(typeof options === 'string' ? { type: options, recvBufferSize } : { recvBufferSize, ...options }, callback);
  syncBuiltinESMExports();
}
