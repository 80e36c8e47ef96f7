import { abortedError } from './errors.js';

/** Exponential backoff: `initialMs` doubling (by `factor`) up to `maxMs`, each delay jittered. */
export interface BackoffPolicy {
  initialMs: number;
  maxMs: number;
  factor: number;
  /** Share of each delay that is random: 0 = none, 1 = anywhere from 0 to the full delay. */
  jitter: number;
}

/** 100 ms doubling to a 5 s cap, the lower half random (seed §8.1 backs off exponentially too). */
export const defaultBackoff: Readonly<BackoffPolicy> = { initialMs: 100, maxMs: 5000, factor: 2, jitter: 0.5 };

/**
 * Between attempts to get into a room: capped at 1 s, because a room that moved (failover) is worth
 * finding again soon, and each attempt is a handshake of its own (up to 3 s) anyway.
 */
export const attachBackoff: Readonly<BackoffPolicy> = { initialMs: 100, maxMs: 1000, factor: 2, jitter: 0.5 };

/**
 * The delay before retry number `attempt` (0 for the first retry). `random` is a number in [0, 1),
 * handed in so that the schedule is a pure function of its inputs.
 */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: number): number {
  const ceiling = Math.min(policy.maxMs, policy.initialMs * policy.factor ** Math.max(0, attempt));
  return Math.round(ceiling * (1 - policy.jitter * random));
}

/** Resolves after `ms`, or rejects with an aborted ClientError as soon as the signal aborts. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortedError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
