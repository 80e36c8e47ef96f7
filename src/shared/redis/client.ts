import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';
import type { Logger } from 'pino';
import { ConfigError } from '../config/env.js';
import type { RedisConfig } from '../config/redis.js';

/** A connection to one Redis (given or found through Sentinels), or to a Redis Cluster. */
export type RedisConnection = Redis | Cluster;

/**
 * Where to connect (a service passes its RedisConfig; without Sentinels or cluster nodes only `url`
 * is needed), and how.
 */
export type RedisClientOptions = Partial<Pick<RedisConfig, 'url' | 'sentinels' | 'clusterNodes' | 'sentinelMaster' | 'sentinelPassword'>> &
  Pick<RedisConfig, 'commandTimeoutMs'> & {
    /** Longest wait between reconnect attempts. */
    maxReconnectDelayMs: number;
    /** A name that shows in CLIENT LIST, to tell connections apart. */
    connectionName: string;
  };

/** Longest wait between reconnect tries under Sentinel. */
const sentinelReconnectCapMs = 200;
/**
 * How often a cluster connection reads the slot map again. A master that dies with its connections
 * closed is noticed at once; one that goes silent (a host or network lost) only answers with
 * timeouts, which make ioredis read nothing: this bounds how long it keeps sending to it.
 */
const slotsRefreshIntervalMs = 2000;

/**
 * A Redis connection that fails fast instead of queueing: while disconnected, commands reject at
 * once (no offline queue) and every command has a timeout, so callers can answer UNAVAILABLE within
 * a bounded time. It reconnects by itself, forever, with capped backoff. Under Sentinel every
 * (re)connect asks the Sentinels for the primary and checks its role; a switch announced by a
 * Sentinel, or a READONLY reply (the server was demoted), makes it reconnect to the new primary.
 * With cluster nodes it is a Cluster, which sends each command to the master of its keys' slot and
 * follows MOVED and ASK; a closed connection to a master, CLUSTERDOWN or a MOVED reply makes it read
 * the slot map again, so after a failover it writes to the promoted replica.
 */
export function createRedis(options: RedisClientOptions & { clusterNodes?: [] }, log: Logger): Redis;
export function createRedis(options: RedisClientOptions, log: Logger): RedisConnection;
export function createRedis(options: RedisClientOptions, log: Logger): RedisConnection {
  const redis = (options.clusterNodes ?? []).length > 0 ? createCluster(options, log) : createServer(options, log);
  let down = false;
  redis.on('error', (err: Error) => {
    if (!down) log.warn({ err: err.message, connection: options.connectionName }, 'redis connection error');
    down = true;
  });
  redis.on('ready', () => {
    if (down) log.info({ connection: options.connectionName }, 'redis connection restored');
    down = false;
  });
  return redis;
}

/** A connection to one Redis: `url`, or the primary the Sentinels name. */
function createServer(options: RedisClientOptions, log: Logger): Redis {
  const sentinels = options.sentinels ?? [];
  // Under Sentinel a lost primary is replaced within seconds and each try only asks a Sentinel first:
  // try often, so the service is back within a short cap of the switch rather than a long one.
  const capMs = sentinels.length > 0 ? Math.min(options.maxReconnectDelayMs, sentinelReconnectCapMs) : options.maxReconnectDelayMs;
  const retry = backoff(capMs);
  const common: RedisOptions = { ...nodeOptions(options), enableOfflineQueue: false, enableAutoPipelining: true, retryStrategy: retry };
  const tls = options.url?.startsWith('rediss://') ?? false;
  const sentinelOptions: RedisOptions =
    sentinels.length === 0
      ? {}
      : {
          sentinels,
          name: options.sentinelMaster ?? 'mymaster',
          sentinelPassword: options.sentinelPassword,
          sentinelCommandTimeout: options.commandTimeoutMs,
          sentinelRetryStrategy: retry,
          failoverDetector: true,
          // rediss:// means TLS to the Sentinels as well as to the primary.
          ...(tls ? { enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
          reconnectOnError: (err) => err.message.startsWith('READONLY'),
        };
  const settings = { ...common, ...sentinelOptions };
  const redis = options.url === undefined ? new Redis(settings) : new Redis(options.url, settings);
  // ioredis gives up for good when a reconnect is interrupted (its failover detector closing the
  // connection while it asks the Sentinels): status 'end'. Only closeRedis may end a connection.
  redis.on('end', () => {
    if (closedOnPurpose.has(redis)) return;
    log.warn({ connection: options.connectionName }, 'redis connection given up by the client: connecting again');
    setTimeout(() => redis.connect().catch(() => {}), capMs).unref();
  });
  return redis;
}

/**
 * A connection to a Redis Cluster, with the credentials and TLS of `url` for every node. Its
 * retry strategy (the whole cluster unreachable) never gives up, so, unlike a single connection, it
 * never ends by itself.
 */
function createCluster(options: RedisClientOptions, log: Logger): Cluster {
  const retry = backoff(options.maxReconnectDelayMs);
  const url = options.url === undefined ? undefined : new URL(options.url);
  const credentials: RedisOptions = {
    ...(url?.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url?.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url?.protocol === 'rediss:' ? { tls: {} } : {}),
  };
  const settings: ClusterOptions = {
    // The cluster's own queue; ioredis keeps each node's on, but sends a node nothing until it is up.
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    clusterRetryStrategy: retry,
    // redisOptions.retryStrategy is not used for cluster nodes: this is the one they reconnect with.
    clusterNodeRetryStrategy: retry,
    slotsRefreshTimeout: options.commandTimeoutMs,
    slotsRefreshInterval: slotsRefreshIntervalMs,
    redisOptions: { ...nodeOptions(options), ...credentials },
  };
  const cluster = new Cluster(options.clusterNodes ?? [], settings);
  // One warning per node while it fails (each reconnect try errs again), one line when it is back.
  const failing = new Set<string>();
  cluster.on('node error', (err: Error, node: string) => {
    if (!failing.has(node)) log.warn({ err: err.message, node, connection: options.connectionName }, 'redis cluster node connection error');
    failing.add(node);
  });
  cluster.on('+node', (node: Redis) => {
    node.on('ready', () => {
      const key = `${node.options.host}:${node.options.port}`;
      if (failing.delete(key)) log.info({ node: key, connection: options.connectionName }, 'redis cluster node connection restored');
    });
  });
  return cluster;
}

/** Delays between reconnect tries: doubling from 100 ms up to `capMs`. */
function backoff(capMs: number): (attempt: number) => number {
  return (attempt) => Math.min(50 * 2 ** Math.min(attempt, 10), capMs);
}

/** What every connection to a Redis server has, single, under Sentinel or a cluster node. */
function nodeOptions(options: RedisClientOptions): RedisOptions {
  return {
    connectionName: options.connectionName,
    // CLIENT SETINFO, sent on every connect, is unknown before Redis 7.2: its refusal would count as an error.
    disableClientInfo: true,
    commandTimeout: options.commandTimeoutMs,
    connectTimeout: options.commandTimeoutMs * 2,
    maxRetriesPerRequest: 1,
  };
}

/** Replies that mean the credentials are wrong: retrying will not help. */
const refusedCredentials = /WRONGPASS|NOAUTH|invalid username-password|invalid password/;
/**
 * What a Sentinel answers for a primary it does not monitor: ioredis asks for its address (null)
 * and then for the Sentinels that watch it (an error).
 */
const unknownMaster = /No such master with that name|invalid reply: null/;
/** What a Redis without cluster mode answers the CLUSTER SLOTS a cluster connection starts with. */
const notClusterNode = /cluster support disabled/;
/**
 * A TLS certificate this process does not trust or that names another host, by Node's error code
 * or, once ioredis has wrapped the error (Sentinels), by OpenSSL's text.
 */
const untrustedCertificateCodes = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);
const untrustedCertificate = new RegExp(
  [
    'unable to (get (local )?issuer certificate|verify the first certificate)',
    'self[- ]signed certificate',
    'certificate (has expired|is not yet valid)',
    "does not match certificate's altnames",
  ].join('|'),
);

/**
 * The start-up failure a connection error means when retrying cannot help (wrong credentials, a
 * certificate this process does not trust, a primary the Sentinels do not know, a cluster node that
 * is not one), naming the variable to fix; undefined for an error that may pass (Redis not up yet).
 */
export function startRefusalOf(err: Error & { code?: unknown }, masterName: string | undefined): ConfigError | undefined {
  const reply = err.message.split('\n')[0];
  if (refusedCredentials.test(err.message)) {
    const variable = /sentinel/i.test(err.message) ? 'REDIS_SENTINEL_PASSWORD' : 'REDIS_URL';
    return new ConfigError(`${variable}: Redis refused the credentials (${reply}): fix the user or password in ${variable}`);
  }
  if ((typeof err.code === 'string' && untrustedCertificateCodes.has(err.code)) || untrustedCertificate.test(err.message)) {
    return new ConfigError(
      `REDIS_URL: rediss:// but the server's TLS certificate is not trusted here (${reply}): ` +
        'for a private CA set NODE_EXTRA_CA_CERTS to its certificate (PEM file); the certificate must name the host connected to',
    );
  }
  if (unknownMaster.test(err.message)) {
    return new ConfigError(`REDIS_SENTINEL_MASTER: the Sentinels monitor no primary named '${masterName}' (${reply})`);
  }
  if (notClusterNode.test(err.message)) {
    return new ConfigError(`REDIS_CLUSTER_NODES: a node listed is not in cluster mode (${reply}): list Redis Cluster nodes, or unset it and use REDIS_URL`);
  }
  return undefined;
}

/**
 * Waits for the first connection at start-up. An error that retrying cannot mend (startRefusalOf)
 * stops the service with a ConfigError naming the variable; Redis merely being away only returns
 * false after the timeout, as the service answers UNAVAILABLE until it is back.
 */
export async function awaitRedisAtStart(redis: RedisConnection, timeoutMs: number): Promise<boolean> {
  if (redis.status === 'ready') return true;
  const masterName = redis instanceof Cluster ? undefined : redis.options.name;
  // A Sentinel's errors and a cluster node's come as events of their own.
  const errorEvents = ['error', 'sentinelError', 'node error'];
  return new Promise<boolean>((resolve, reject) => {
    const finish = (settle: () => void): void => {
      clearTimeout(timer);
      redis.off('ready', onReady);
      for (const event of errorEvents) redis.off(event, onError);
      settle();
    };
    const onReady = (): void => finish(() => resolve(true));
    // A cluster that could read the slot map from no node tells why in the last node's error.
    const onError = (err: Error & { lastNodeError?: Error }): void => {
      const refusal = startRefusalOf(err.lastNodeError ?? err, masterName);
      if (refusal) finish(() => reject(refusal));
    };
    const timer = setTimeout(() => finish(() => resolve(false)), timeoutMs);
    redis.on('ready', onReady);
    for (const event of errorEvents) redis.on(event, onError);
  });
}

/** Resolves once the connection is ready, or rejects after the timeout. */
export async function waitForRedis(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      reject(new Error(`redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve();
    };
    redis.once('ready', onReady);
  });
}

/** Connections closed by closeRedis: the only ones that stay closed. */
const closedOnPurpose = new WeakSet<RedisConnection>();

/** Closes the connection for good: QUIT when connected, and stop reconnecting. */
export async function closeRedis(redis: RedisConnection): Promise<void> {
  closedOnPurpose.add(redis);
  if (redis.status === 'ready') await redis.quit().catch(() => {});
  // Also after QUIT: it is what stops the Sentinel subscriptions of the failover detector.
  redis.disconnect();
}
