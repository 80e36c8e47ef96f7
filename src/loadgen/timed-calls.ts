import { performance } from 'node:perf_hooks';
import type { WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import type { AssignmentSource } from '../client/attach.js';
import { toClientError } from '../client/errors.js';
import type { RpcMethod, RpcRecorder } from './load-metrics.js';

/** What a load client needs from matchmaking, over gRPC or REST. */
export interface LoadMatchmaking extends AssignmentSource {
  login(deviceId: string, signal?: AbortSignal): Promise<unknown>;
  close(): void;
}

/** Runs one call and reports its duration (retries included) and failure to the recorder. */
export async function timedCall<T>(recorder: RpcRecorder, method: RpcMethod, call: () => Promise<T>): Promise<T> {
  const startedMs = performance.now();
  try {
    const result = await call();
    recorder.rpcDone(method, performance.now() - startedMs, undefined);
    return result;
  } catch (err) {
    recorder.rpcDone(method, performance.now() - startedMs, toClientError(err));
    throw err;
  }
}

/**
 * Passes a watch's events through, reporting the time from opening it to its first event as the
 * WatchAssignment latency (the Matcher answers the current status first), or its failure before that.
 */
export async function* timedWatch(
  recorder: RpcRecorder,
  watch: AsyncGenerator<WatchAssignmentResponse, void, undefined>,
): AsyncGenerator<WatchAssignmentResponse, void, undefined> {
  const startedMs = performance.now();
  let first = true;
  try {
    for await (const event of watch) {
      if (first) recorder.rpcDone('WatchAssignment', performance.now() - startedMs, undefined);
      first = false;
      yield event;
    }
  } catch (err) {
    if (first) recorder.rpcDone('WatchAssignment', performance.now() - startedMs, toClientError(err));
    throw err;
  }
}
