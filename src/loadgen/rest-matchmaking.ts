import { status as GrpcStatus } from '@grpc/grpc-js';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import type { Assignment, DequeueResponse, EnqueueResponse, WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import { isTerminalStatus } from '../client/assignment-watch.js';
import { backoffDelayMs, defaultBackoff, delay, type BackoffPolicy } from '../client/backoff.js';
import { abortedError, ClientError, grpcCodeOf, toClientError } from '../client/errors.js';
import { findMatch } from '../client/find-match.js';
import { retryUnavailable } from '../client/retry.js';
import type { RpcRecorder } from './load-metrics.js';
import { assignmentOfJson, dequeueResponseOfJson, enqueueResponseOfJson, RestCallError, restErrorOf, watchResponseOfJson } from './rest-json.js';
import { timedCall, timedWatch, type LoadMatchmaking } from './timed-calls.js';

/** Deadline of each REST call, as the gRPC client's (each retry gets a new one). */
const callDeadlineMs = 5000;

type Json = Record<string, unknown>;

/**
 * Matchmaking through the REST gateway (the client library speaks gRPC only): the same flow as
 * MatchmakingClient — POST /session, POST /match/enqueue, GET /match/watch (Server-Sent Events),
 * GET /match/status, POST /match/dequeue — with the same retries after 503 and the same typed
 * ClientErrors, and findMatch shared with the library. Every call is timed under its RPC's name.
 */
export class RestMatchmaking implements LoadMatchmaking {
  private token: string | undefined;
  private readonly baseUrl: string;

  private readonly backoff: BackoffPolicy;
  private readonly onRetry: ((err: unknown, delayMs: number) => void) | undefined;
  /** Sent as the body's "region" (unset: not sent, the default region). */
  private readonly region: string | undefined;

  constructor(
    gatewayAddr: string,
    private readonly recorder: RpcRecorder,
    options: { backoff?: BackoffPolicy; onRetry?: (err: unknown, delayMs: number) => void; region?: string } = {},
  ) {
    this.baseUrl = `http://${gatewayAddr}`;
    this.region = options.region;
    this.backoff = options.backoff ?? defaultBackoff;
    this.onRetry = options.onRetry;
  }

  async login(deviceId: string, signal?: AbortSignal): Promise<{ playerId: string }> {
    const body = await timedCall(this.recorder, 'AuthenticateDevice', () => this.retry((s) => this.call('POST', '/session', { device_id: deviceId }, s), signal));
    this.token = String(body.token);
    return { playerId: String(body.player_id) };
  }

  enqueue(mmr: number, signal?: AbortSignal): Promise<EnqueueResponse> {
    return timedCall(this.recorder, 'Enqueue', async () => enqueueResponseOfJson(await this.retry((s) => this.call('POST', '/match/enqueue', { mmr, region: this.region }, s), signal)));
  }

  dequeue(signal?: AbortSignal): Promise<DequeueResponse> {
    return timedCall(this.recorder, 'Dequeue', async () => dequeueResponseOfJson(await this.retry((s) => this.call('POST', '/match/dequeue', {}, s), signal)));
  }

  getAssignment(signal?: AbortSignal): Promise<Assignment | undefined> {
    return timedCall(this.recorder, 'GetAssignment', async () => {
      try {
        return assignmentOfJson(await this.retry((s) => this.call('GET', '/match/status', undefined, s), signal));
      } catch (err) {
        if (err instanceof ClientError && err.kind === 'not_found') return undefined;
        throw err;
      }
    });
  }

  /** POST /match/unreachable, once (a hint, not retried and not timed); failures are ignored. */
  async reportUnreachable(roomId: string, signal?: AbortSignal): Promise<void> {
    await this.call('POST', '/match/unreachable', { room_id: roomId }, signal).catch(() => undefined);
  }

  /** GET /match/watch, opened again after a backoff when it fails UNAVAILABLE / DEADLINE_EXCEEDED or ends early. */
  watchAssignment(signal?: AbortSignal): AsyncGenerator<WatchAssignmentResponse, void, undefined> {
    return timedWatch(this.recorder, this.watchWithReopen(signal));
  }

  findMatch(mmr: number, signal?: AbortSignal): Promise<Assignment> {
    return findMatch(this, mmr, signal);
  }

  /** Nothing to close: fetch keeps no connection of its own to this client. */
  close(): void {}

  private async *watchWithReopen(signal?: AbortSignal): AsyncGenerator<WatchAssignmentResponse, void, undefined> {
    for (let attempt = 0; ; attempt++) {
      if (signal?.aborted) throw abortedError(signal);
      let failure: unknown = new RestCallError(GrpcStatus.UNAVAILABLE, 'watch stream ended before a terminal status', 200);
      try {
        for await (const event of this.watchOnce(signal)) {
          attempt = 0;
          yield event;
          if (isTerminalStatus(event.status)) return;
        }
      } catch (err) {
        if (signal?.aborted) throw abortedError(signal);
        const code = grpcCodeOf(err);
        if (code !== GrpcStatus.UNAVAILABLE && code !== GrpcStatus.DEADLINE_EXCEEDED) throw toClientError(err);
        failure = err;
      }
      const waitMs = backoffDelayMs(attempt, this.backoff, Math.random());
      this.onRetry?.(failure, waitMs);
      await delay(waitMs, signal);
    }
  }

  private async *watchOnce(signal?: AbortSignal): AsyncGenerator<WatchAssignmentResponse, void, undefined> {
    const own = new AbortController();
    const both = signal ? AbortSignal.any([signal, own.signal]) : own.signal;
    try {
      const response = await fetch(`${this.baseUrl}/match/watch`, { headers: { ...this.auth(), accept: 'text/event-stream' }, signal: both }).catch((err: unknown) => {
        throw fetchFailure(err, signal, undefined);
      });
      if (!response.ok || !response.body) throw restErrorOf(response.status, await response.json().catch(() => undefined));
      const events: EventSourceMessage[] = [];
      const parser = createParser({ onEvent: (event) => events.push(event) });
      const decoder = new TextDecoder();
      for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
        parser.feed(decoder.decode(chunk, { stream: true }));
        for (const event of events.splice(0)) {
          if (event.event === 'status') yield watchResponseOfJson(JSON.parse(event.data) as Json);
          else if (event.event === 'error') throw restErrorOf(200, JSON.parse(event.data));
        }
      }
    } catch (err) {
      throw err instanceof RestCallError || err instanceof ClientError ? err : fetchFailure(err, signal, undefined);
    } finally {
      own.abort();
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body: Json | undefined, signal?: AbortSignal): Promise<Json> {
    const deadline = AbortSignal.timeout(callDeadlineMs);
    const headers: Record<string, string> = { ...this.auth() };
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      const json = parseJson(await response.text(), response.status);
      if (!response.ok) throw restErrorOf(response.status, json);
      return json;
    } catch (err) {
      throw err instanceof RestCallError ? err : fetchFailure(err, signal, deadline);
    }
  }

  private auth(): Record<string, string> {
    return this.token === undefined ? {} : { authorization: `Bearer ${this.token}` };
  }

  private retry<T>(call: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return retryUnavailable(call, { backoff: this.backoff, signal, onRetry: this.onRetry });
  }
}

function parseJson(text: string, httpStatus: number): Json {
  try {
    return text ? (JSON.parse(text) as Json) : {};
  } catch {
    throw new RestCallError(GrpcStatus.INTERNAL, `gateway answered HTTP ${httpStatus} with a body that is not JSON`, httpStatus);
  }
}

/** A fetch that failed without an answer: aborted by the caller, past its deadline, or the gateway unreachable. */
function fetchFailure(err: unknown, signal: AbortSignal | undefined, deadline: AbortSignal | undefined): Error {
  if (signal?.aborted) return abortedError(signal);
  if (deadline?.aborted) return new RestCallError(GrpcStatus.DEADLINE_EXCEEDED, 'gateway call deadline exceeded', 0);
  return new RestCallError(GrpcStatus.UNAVAILABLE, `gateway unreachable: ${err instanceof Error ? err.message : String(err)}`, 0);
}
