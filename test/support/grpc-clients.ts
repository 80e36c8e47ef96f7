import { credentials } from '@grpc/grpc-js';
import { MatcherClient } from '../../src/gen/mini/matcher/v1/matcher.js';
import { RoomRegistryClient } from '../../src/gen/mini/room/v1/registry.js';
import { SessionsClient } from '../../src/gen/mini/session/v1/session.js';
import { bearerMetadata, promiseUnary } from '../../src/shared/grpc/client.js';
import { deriveRoomKeys } from '../../src/shared/secrets.js';
import { testRoomSecret } from './service-process.js';

const deadlineMs = 5000;

/** Promise-style gRPC clients (over the generated stubs) for a Matcher at host:port. */
export function connect(address: string) {
  const creds = credentials.createInsecure();
  const sessions = new SessionsClient(address, creds);
  const matcher = new MatcherClient(address, creds);
  const registry = new RoomRegistryClient(address, creds);
  return {
    matcher,
    authenticateDevice: promiseUnary(sessions, sessions.authenticateDevice, deadlineMs),
    revokeSession: promiseUnary(sessions, sessions.revokeSession, deadlineMs),
    revokeAllSessions: promiseUnary(sessions, sessions.revokeAllSessions, deadlineMs),
    enqueue: promiseUnary(matcher, matcher.enqueue, deadlineMs),
    dequeue: promiseUnary(matcher, matcher.dequeue, deadlineMs),
    getAssignment: promiseUnary(matcher, matcher.getAssignment, deadlineMs),
    reportRoomUnreachable: promiseUnary(matcher, matcher.reportRoomUnreachable, deadlineMs),
    register: promiseUnary(registry, registry.register, deadlineMs),
    heartbeat: promiseUnary(registry, registry.heartbeat, deadlineMs),
    deregister: promiseUnary(registry, registry.deregister, deadlineMs),
    reportRoomEnded: promiseUnary(registry, registry.reportRoomEnded, deadlineMs),
    close: () => {
      sessions.close();
      matcher.close();
      registry.close();
    },
  };
}

export type Clients = ReturnType<typeof connect>;

export { bearerMetadata as bearer };

/** Metadata carrying the registry key that the test room secret gives. */
export function registryAuth() {
  return bearerMetadata(deriveRoomKeys(testRoomSecret).registryBearer);
}
