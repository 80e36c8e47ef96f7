import type { Assignment, DequeueResponse, EnqueueResponse, WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import type { AuthenticateDeviceResponse } from '../gen/mini/session/v1/session.js';
import { MatchmakingClient, type MatchmakingOptions } from '../client/matchmaking.js';
import type { RpcRecorder } from './load-metrics.js';
import { timedCall, timedWatch, type LoadMatchmaking } from './timed-calls.js';

/**
 * The client library's MatchmakingClient with every call timed on the client side. findMatch and
 * GameClient's reconnects go through these overrides, so every Matcher call the library makes counts.
 * A call's time includes the library's retries after UNAVAILABLE.
 */
export class TimedGrpcMatchmaking extends MatchmakingClient implements LoadMatchmaking {
  constructor(
    address: string,
    private readonly recorder: RpcRecorder,
    options: Partial<MatchmakingOptions> = {},
  ) {
    super(address, options);
  }

  override login(deviceId: string, signal?: AbortSignal): Promise<AuthenticateDeviceResponse> {
    return timedCall(this.recorder, 'AuthenticateDevice', () => super.login(deviceId, signal));
  }

  override enqueue(mmr: number, signal?: AbortSignal): Promise<EnqueueResponse> {
    return timedCall(this.recorder, 'Enqueue', () => super.enqueue(mmr, signal));
  }

  override dequeue(signal?: AbortSignal): Promise<DequeueResponse> {
    return timedCall(this.recorder, 'Dequeue', () => super.dequeue(signal));
  }

  override getAssignment(signal?: AbortSignal): Promise<Assignment | undefined> {
    return timedCall(this.recorder, 'GetAssignment', () => super.getAssignment(signal));
  }

  override watchAssignment(signal?: AbortSignal): AsyncGenerator<WatchAssignmentResponse, void, undefined> {
    return timedWatch(this.recorder, super.watchAssignment(signal));
  }
}
