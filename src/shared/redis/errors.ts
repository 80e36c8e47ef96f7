import { AppError } from '../errors.js';

/**
 * Redis replies that mean "not now" rather than "wrong": the server is starting, busy or failing
 * over, or refuses writes for now (OOM: at maxmemory with noeviction; MISCONF: it cannot persist;
 * NOREPLICAS: too few replicas acknowledge).
 */
const transientReplyPrefixes = ['LOADING', 'BUSY', 'MASTERDOWN', 'READONLY', 'TRYAGAIN', 'CLUSTERDOWN', 'OOM', 'MISCONF', 'NOREPLICAS'];

/**
 * Client-side failures ioredis reports when the connection is down or a command took too long (the
 * last four: a Cluster that has no usable node or slot map for now, e.g. during a failover).
 */
const unreachableMessages = [
  "Stream isn't writeable",
  'Connection is closed',
  'Command timed out',
  'Reached the max retries per request limit',
  'connect ECONNREFUSED',
  'read ECONNRESET',
  'write EPIPE',
  "Cluster isn't ready",
  'None of startup nodes is available',
  'Too many Cluster redirections',
  'Failed to refresh slots cache',
];

/** Replicas did not confirm a write (ReplicaAcks): it may be lost in a failover, so it is not acknowledged. */
export class ReplicaAckTimeout extends Error {
  override name = 'ReplicaAckTimeout';
}

/** True when the error says Redis could not be reached (or answered "try again"), not that a command was wrong. */
export function isRedisUnavailable(err: unknown): boolean {
  if (err instanceof ReplicaAckTimeout) return true;
  if (!(err instanceof Error)) return false;
  if (err.name === 'ReplyError') return transientReplyPrefixes.some((p) => err.message.startsWith(p));
  return unreachableMessages.some((m) => err.message.includes(m));
}

/** Turns an unreachable-Redis failure into the typed UNAVAILABLE error; anything else passes through. */
export function redisFailure(err: unknown): unknown {
  return isRedisUnavailable(err) ? new AppError('unavailable', 'storage unavailable, retry later', { cause: err }) : err;
}
