import { isIPv6 } from 'node:net';
import { z } from 'zod';
import { ConfigError, intVar } from './env.js';

export interface RedisEndpoint {
  host: string;
  port: number;
}

/** Where Redis is and how much a write must be replicated before it is acknowledged. */
export interface RedisConfig {
  /**
   * Password, username, db and TLS (rediss://); also host and port when there are neither Sentinels
   * nor cluster nodes. Undefined only under Sentinel or a cluster with nothing to add.
   */
  url: string | undefined;
  /** Sentinels to ask for the current primary; empty: connect to `url` directly. */
  sentinels: RedisEndpoint[];
  /** Nodes of a Redis Cluster to learn the slot map from (any few will do); empty: not a cluster. */
  clusterNodes: RedisEndpoint[];
  sentinelMaster: string;
  sentinelPassword: string | undefined;
  keyPrefix: string;
  commandTimeoutMs: number;
  /** Replicas that must hold a write (WAIT) before the API acknowledges it; 0: do not wait. */
  minReplicasAck: number;
  /** Longest a WAIT for those replicas takes before the call answers UNAVAILABLE. */
  replicaAckTimeoutMs: number;
}

const defaultUrl = 'redis://127.0.0.1:6379';
/** A host name or an IPv4 address: dot-separated labels that neither start nor end with '-'. */
const hostNamePattern = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*$/;
/** A host name or IPv4 address, or a bracketed IPv6 address, then a port. */
const endpointPattern = /^(?:\[([^\]]*)\]|([^:[\]]*)):(\d{1,5})$/;

/** Whether ioredis can connect with this URL as it is: host, port, db number, nothing after a '#'. */
function isRedisUrl(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  const port = url.port === '' ? 6379 : Number(url.port);
  return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '' && port >= 1 && /^(\/\d*)?$/.test(url.pathname) && url.hash === '';
}

// The message never repeats the value: it may hold a password.
const urlVar = z
  .string()
  .refine(isRedisUrl, "must be redis://[user:password@]host[:port][/db] or rediss://... (percent-encode '@', ':', '/', '#' in the password)");

/** The variables every service that talks to Redis reads. */
export const redisEnv = {
  REDIS_URL: urlVar.optional(),
  REDIS_SENTINELS: z.string().optional(),
  REDIS_CLUSTER_NODES: z.string().optional(),
  REDIS_SENTINEL_MASTER: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, "must be 1 to 64 letters, digits, '.', '_' or '-'")
    .default('mymaster'),
  REDIS_SENTINEL_PASSWORD: z.string().min(1, 'must not be empty (unset it for Sentinels without a password)').optional(),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^([A-Za-z0-9_.-]+:)?$/, "must be empty or letters, digits, '_', '.', '-' ending in ':'")
    .default(''),
  REDIS_COMMAND_TIMEOUT_MS: intVar(1000, 50, 60000),
  REDIS_MIN_REPLICAS_ACK: z.coerce.number().int().min(0).max(16).optional(),
  REDIS_REPLICA_ACK_TIMEOUT_MS: intVar(500, 10, 60000),
};

type RedisEnv = z.infer<z.ZodObject<typeof redisEnv>>;

/** Reads the Redis variables; throws ConfigError naming the one that is wrong. */
export function redisConfigOf(e: RedisEnv): RedisConfig {
  if (e.REDIS_SENTINELS !== undefined && e.REDIS_CLUSTER_NODES !== undefined) {
    throw new ConfigError('invalid environment: REDIS_CLUSTER_NODES and REDIS_SENTINELS are both set: a Redis Cluster fails over by itself, set only one');
  }
  const sentinels = e.REDIS_SENTINELS === undefined ? [] : parseEndpoints('REDIS_SENTINELS', e.REDIS_SENTINELS);
  const clusterNodes = e.REDIS_CLUSTER_NODES === undefined ? [] : parseEndpoints('REDIS_CLUSTER_NODES', e.REDIS_CLUSTER_NODES);
  if (clusterNodes.length > 0 && e.REDIS_URL !== undefined && Number(new URL(e.REDIS_URL).pathname.slice(1)) !== 0) {
    throw new ConfigError('invalid environment: REDIS_URL: a Redis Cluster has only db 0: drop the /db from the URL');
  }
  // Sentinel primaries and cluster masters have replicas: an acknowledged write waits for one of them.
  const replicated = sentinels.length > 0 || clusterNodes.length > 0;
  const minReplicasAck = e.REDIS_MIN_REPLICAS_ACK ?? (replicated ? 1 : 0);
  if (minReplicasAck > 0 && e.REDIS_REPLICA_ACK_TIMEOUT_MS >= e.REDIS_COMMAND_TIMEOUT_MS) {
    throw new ConfigError('invalid environment: REDIS_REPLICA_ACK_TIMEOUT_MS must be below REDIS_COMMAND_TIMEOUT_MS (a WAIT is a command)');
  }
  return {
    url: e.REDIS_URL ?? (replicated ? undefined : defaultUrl),
    sentinels,
    clusterNodes,
    sentinelMaster: e.REDIS_SENTINEL_MASTER,
    sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
    keyPrefix: e.REDIS_KEY_PREFIX,
    commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
    minReplicasAck,
    replicaAckTimeoutMs: e.REDIS_REPLICA_ACK_TIMEOUT_MS,
  };
}

/** A list `host:port,host:port,...` ([v6]:port for IPv6) read from `variable`. */
function parseEndpoints(variable: string, list: string): RedisEndpoint[] {
  const items = list.split(',').map((item) => item.trim());
  return items.map((item) => {
    const [, ipv6, name, portText] = endpointPattern.exec(item) ?? [];
    const port = Number(portText);
    const host = ipv6 ?? name ?? '';
    const validHost = ipv6 !== undefined ? isIPv6(ipv6) : hostNamePattern.test(host);
    if (!validHost || !(port >= 1 && port <= 65535)) {
      throw new ConfigError(`invalid environment: ${variable}: '${item}' is not host:port (the list is host:port,host:port,... with [v6]:port for IPv6)`);
    }
    return { host, port };
  });
}

/** Where a config points, for logs: never the password. */
export function describeRedis(config: RedisConfig): string {
  const tls = config.url?.startsWith('rediss://') ? ' (TLS)' : '';
  if (config.clusterNodes.length > 0) return `cluster via ${endpointList(config.clusterNodes)}${tls}`;
  if (config.sentinels.length > 0) return `sentinel ${config.sentinelMaster} via ${endpointList(config.sentinels)}${tls}`;
  const url = new URL(config.url ?? defaultUrl);
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}${tls}`;
}

function endpointList(endpoints: RedisEndpoint[]): string {
  return endpoints.map((e) => `${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`).join(',');
}
