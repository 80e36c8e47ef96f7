import { credentials, type ClientReadableStream, type Metadata } from '@grpc/grpc-js';
import { MatcherClient, type WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import { SessionsClient } from '../gen/mini/session/v1/session.js';
import { matcherChannelOptions, promiseUnary } from '../shared/grpc/client.js';
import { withTraceContext } from '../shared/telemetry/trace-context.js';

export interface MatcherRpcOptions {
  /** Deadline of every unary call. */
  rpcDeadlineMs: number;
  /** Deadline of a whole watch stream. */
  watchDeadlineMs: number;
}

/** The Matcher and Sessions RPCs the gateway calls, each with a deadline. */
export function connectMatcher(address: string, options: MatcherRpcOptions) {
  const creds = credentials.createInsecure();
  const sessions = new SessionsClient(address, creds, matcherChannelOptions);
  const matcher = new MatcherClient(address, creds, matcherChannelOptions);
  const deadline = options.rpcDeadlineMs;
  return {
    authenticateDevice: promiseUnary(sessions, sessions.authenticateDevice, deadline),
    revokeSession: promiseUnary(sessions, sessions.revokeSession, deadline),
    revokeAllSessions: promiseUnary(sessions, sessions.revokeAllSessions, deadline),
    enqueue: promiseUnary(matcher, matcher.enqueue, deadline),
    dequeue: promiseUnary(matcher, matcher.dequeue, deadline),
    getAssignment: promiseUnary(matcher, matcher.getAssignment, deadline),
    reportRoomUnreachable: promiseUnary(matcher, matcher.reportRoomUnreachable, deadline),
    watchAssignment: (metadata: Metadata): ClientReadableStream<WatchAssignmentResponse> =>
      matcher.watchAssignment({}, withTraceContext(metadata), { deadline: Date.now() + options.watchDeadlineMs }),
    close: (): void => {
      sessions.close();
      matcher.close();
    },
  };
}

export type MatcherRpc = ReturnType<typeof connectMatcher>;
