import { credentials } from '@grpc/grpc-js';
import { MatcherClient } from '../gen/mini/matcher/v1/matcher.js';
import { SessionsClient } from '../gen/mini/session/v1/session.js';
import { matcherChannelOptions, promiseUnary } from '../shared/grpc/client.js';
import { WatchChannels, type WatchChannelsOptions } from './watch-channels.js';

export interface MatcherRpcOptions {
  /** Deadline of every unary call. */
  rpcDeadlineMs: number;
  watch: WatchChannelsOptions;
}

/**
 * The Matcher and Sessions RPCs the gateway calls, each with a deadline. Unary calls share one
 * connection; watch streams have their own (WatchChannels), so their churn never reaches it.
 */
export function connectMatcher(address: string, options: MatcherRpcOptions) {
  const creds = credentials.createInsecure();
  const sessions = new SessionsClient(address, creds, matcherChannelOptions);
  const matcher = new MatcherClient(address, creds, matcherChannelOptions);
  const watches = new WatchChannels(address, options.watch);
  const deadline = options.rpcDeadlineMs;
  return {
    authenticateDevice: promiseUnary(sessions, sessions.authenticateDevice, deadline),
    revokeSession: promiseUnary(sessions, sessions.revokeSession, deadline),
    revokeAllSessions: promiseUnary(sessions, sessions.revokeAllSessions, deadline),
    enqueue: promiseUnary(matcher, matcher.enqueue, deadline),
    dequeue: promiseUnary(matcher, matcher.dequeue, deadline),
    getAssignment: promiseUnary(matcher, matcher.getAssignment, deadline),
    reportRoomUnreachable: promiseUnary(matcher, matcher.reportRoomUnreachable, deadline),
    watches,
    close: (): void => {
      watches.close();
      sessions.close();
      matcher.close();
    },
  };
}

export type MatcherRpc = ReturnType<typeof connectMatcher>;
