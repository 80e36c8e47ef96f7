/**
 * The baseline for the Enqueue benchmark: a grpc-js server with the same Matcher service definition
 * whose Enqueue answers at once, touching nothing. Prints "noop listening on ..." like the services.
 */
import { Server, ServerCredentials, status } from '@grpc/grpc-js';
import { MatcherService, TicketStatus, type MatcherServer } from '../src/gen/mini/matcher/v1/matcher.js';

const unimplemented = (_call: unknown, callback: (err: { code: number }) => void) => callback({ code: status.UNIMPLEMENTED });
const implementation: MatcherServer = {
  enqueue: (_call, callback) => callback(null, { status: TicketStatus.TICKET_STATUS_QUEUED, created: true }),
  dequeue: unimplemented,
  getAssignment: unimplemented,
  reportRoomUnreachable: unimplemented,
  watchAssignment: (call) => call.emit('error', { code: status.UNIMPLEMENTED }),
};
const server = new Server();
server.addService(MatcherService, implementation);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port, msg: `noop listening on 127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
