/**
 * The baseline for the WatchAssignment benchmark: a grpc-js server with the same Matcher service that
 * holds every WatchAssignment stream open after one NOT_QUEUED message, with no Redis and no checks.
 * Enqueue finds the caller's stream by its bearer token (kept as is, no session lookup) and writes
 * QUEUED and then ASSIGNED (a canned assignment) to it at once: the messages the Matcher sends, without
 * the matching. Prints "noop-streams listening on ..." like the services.
 */
import { Server, ServerCredentials, status, type ServerWritableStream } from '@grpc/grpc-js';
import {
  MatcherService,
  Slot,
  TicketStatus,
  type MatcherServer,
  type WatchAssignmentRequest,
  type WatchAssignmentResponse,
} from '../src/gen/mini/matcher/v1/matcher.js';

type Watch = ServerWritableStream<WatchAssignmentRequest, WatchAssignmentResponse>;

const streams = new Map<string, Watch>();
const tokenOf = (metadata: { get(key: string): unknown[] }): string => String(metadata.get('authorization')[0] ?? '');
const unimplemented = (_call: unknown, callback: (err: { code: number }) => void) => callback({ code: status.UNIMPLEMENTED });

const implementation: MatcherServer = {
  enqueue: (call, callback) => {
    const watch = streams.get(tokenOf(call.metadata));
    const now = Date.now();
    if (watch) {
      watch.write({ status: TicketStatus.TICKET_STATUS_QUEUED, assignment: undefined, changedAtMs: now });
      watch.write({
        status: TicketStatus.TICKET_STATUS_ASSIGNED,
        changedAtMs: now,
        assignment: {
          roomId: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
          roomAddr: '127.0.0.1:7777',
          opponentId: '9f8e7d6c-5b4a-4392-8170-6e5d4c3b2a19',
          // A connect token is ~200 bytes; a canned one keeps the message the same size.
          connectToken: 'x'.repeat(200),
          connectTokenExpiresAtMs: now + 30_000,
          slot: Slot.SLOT_LEFT,
          assignedAtMs: now,
          roomEpoch: 0,
        },
      });
    }
    callback(null, { status: TicketStatus.TICKET_STATUS_QUEUED, created: true });
  },
  dequeue: unimplemented,
  getAssignment: unimplemented,
  reportRoomUnreachable: unimplemented,
  watchAssignment: (call) => {
    const token = tokenOf(call.metadata);
    streams.set(token, call);
    const forget = (): void => {
      if (streams.get(token) === call) streams.delete(token);
    };
    call.once('cancelled', forget);
    call.once('close', forget);
    call.write({ status: TicketStatus.TICKET_STATUS_NOT_QUEUED, assignment: undefined, changedAtMs: 0 });
  },
};

const server = new Server();
server.addService(MatcherService, implementation);
server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, port) => {
  if (err) throw err;
  console.log(JSON.stringify({ port, msg: `noop-streams listening on 127.0.0.1:${port}` }));
});
process.on('SIGTERM', () => {
  for (const watch of streams.values()) watch.emit('error', { code: status.UNAVAILABLE, details: 'shutting down' });
  server.tryShutdown(() => process.exit(0));
});
