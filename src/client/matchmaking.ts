import { credentials, type Metadata } from '@grpc/grpc-js';
import {
  MatcherClient,
  type Assignment,
  type DequeueResponse,
  type EnqueueResponse,
  type WatchAssignmentResponse,
} from '../gen/mini/matcher/v1/matcher.js';
import { SessionsClient, type AuthenticateDeviceResponse } from '../gen/mini/session/v1/session.js';
import { bearerMetadata, promiseUnary, reconnectBackoff } from '../shared/grpc/client.js';
import { defaultBackoff, type BackoffPolicy } from './backoff.js';
import { ClientError } from './errors.js';
import { retryUnavailable } from './retry.js';
import { watchWithReopen } from './assignment-watch.js';
import { findMatch } from './find-match.js';

/** How the Matcher client behaves; every field has a default. */
export interface MatchmakingOptions {
  /** Deadline of each unary call (each retry gets a new one). */
  rpcDeadlineMs: number;
  /** Deadline of one watch stream; the watch then opens a new one. */
  watchDeadlineMs: number;
  /** Backoff between retries after UNAVAILABLE, and between watch streams. */
  backoff: BackoffPolicy;
  /** Called before each backoff wait, e.g. to show "matcher unavailable, retrying". */
  onRetry?: (err: unknown, delayMs: number) => void;
  /** Region to be matched in (Enqueue's `region`); unset: the default region. */
  region?: string;
}

const defaults: MatchmakingOptions = { rpcDeadlineMs: 5000, watchDeadlineMs: 600_000, backoff: defaultBackoff };

/**
 * The player's side of the Matcher and Sessions services: log in, queue, watch, get the assignment.
 * Every call carries the session token and a deadline, and is retried with backoff while the
 * Matcher answers UNAVAILABLE; other failures reject with a typed ClientError.
 */
export class MatchmakingClient {
  private readonly options: MatchmakingOptions;
  private readonly sessions: SessionsClient;
  private readonly matcher: MatcherClient;
  private readonly rpc: ReturnType<typeof unaryCalls>;
  private auth: Metadata | undefined;
  /** The logged-in player, once `login` succeeded. */
  playerId: string | undefined;

  constructor(address: string, options: Partial<MatchmakingOptions> = {}) {
    this.options = { ...defaults, ...options };
    this.sessions = new SessionsClient(address, credentials.createInsecure(), reconnectBackoff);
    this.matcher = new MatcherClient(address, credentials.createInsecure(), reconnectBackoff);
    this.rpc = unaryCalls(this.sessions, this.matcher, this.options.rpcDeadlineMs);
  }

  /** Sessions/AuthenticateDevice: the same device id is always the same player. */
  async login(deviceId: string, signal?: AbortSignal): Promise<AuthenticateDeviceResponse> {
    const session = await this.retry((s) => this.rpc.authenticateDevice({ deviceId }, undefined, s), signal);
    this.auth = bearerMetadata(session.token);
    this.playerId = session.playerId;
    return session;
  }

  /** Matcher/Enqueue; idempotent, so it is safe to repeat. */
  enqueue(mmr: number, signal?: AbortSignal): Promise<EnqueueResponse> {
    return this.retry((s) => this.rpc.enqueue({ mmr, region: this.options.region }, this.metadata(), s), signal);
  }

  /** Matcher/Dequeue; a no-op when not queued. */
  dequeue(signal?: AbortSignal): Promise<DequeueResponse> {
    return this.retry((s) => this.rpc.dequeue({}, this.metadata(), s), signal);
  }

  /** Matcher/GetAssignment: the current room with a fresh connect token, or undefined (NOT_FOUND). */
  async getAssignment(signal?: AbortSignal): Promise<Assignment | undefined> {
    try {
      return (await this.retry((s) => this.rpc.getAssignment({}, this.metadata(), s), signal)).assignment;
    } catch (err) {
      if (err instanceof ClientError && err.kind === 'not_found') return undefined;
      throw err;
    }
  }

  /** Matcher/ReportRoomUnreachable, once (a hint, not retried); failures are ignored. */
  async reportUnreachable(roomId: string, signal?: AbortSignal): Promise<void> {
    await this.rpc.reportRoomUnreachable({ roomId }, this.metadata(), signal).catch(() => undefined);
  }

  /** Matcher/WatchAssignment, re-opened after outages; ends after a terminal status (see watchWithReopen). */
  watchAssignment(signal?: AbortSignal): AsyncGenerator<WatchAssignmentResponse, void, undefined> {
    const metadata = this.metadata();
    const open = () => this.matcher.watchAssignment({}, metadata, { deadline: Date.now() + this.options.watchDeadlineMs });
    return watchWithReopen(open, { backoff: this.options.backoff, signal, onRetry: this.options.onRetry });
  }

  /**
   * Queues with this MMR and waits until assigned. Rejects with `match_timed_out` when the Matcher
   * gives up on the ticket, `match_dequeued` / `match_ended` when it leaves the queue otherwise, and
   * `aborted` (after a best-effort Dequeue) when the signal aborts.
   */
  findMatch(mmr: number, signal?: AbortSignal): Promise<Assignment> {
    return findMatch(this, mmr, signal);
  }

  /** Closes the gRPC channels. */
  close(): void {
    this.sessions.close();
    this.matcher.close();
  }

  private metadata(): Metadata {
    if (!this.auth) throw new ClientError('not_logged_in', 'call login() first');
    return this.auth;
  }

  private retry<T>(call: (signal?: AbortSignal) => Promise<T>, signal?: AbortSignal): Promise<T> {
    return retryUnavailable(call, { backoff: this.options.backoff, signal, onRetry: this.options.onRetry });
  }
}

function unaryCalls(sessions: SessionsClient, matcher: MatcherClient, deadlineMs: number) {
  return {
    authenticateDevice: promiseUnary(sessions, sessions.authenticateDevice, deadlineMs),
    enqueue: promiseUnary(matcher, matcher.enqueue, deadlineMs),
    dequeue: promiseUnary(matcher, matcher.dequeue, deadlineMs),
    getAssignment: promiseUnary(matcher, matcher.getAssignment, deadlineMs),
    reportRoomUnreachable: promiseUnary(matcher, matcher.reportRoomUnreachable, deadlineMs),
  };
}
