import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LocalRedisHaConfig } from '../../src/shared/config/local-system.js';
import { canListen } from './ports.js';
import { RedisHa } from './redis-ha.js';
import { redisAnswers, spawnRedisServer } from './redis-process.js';

const defaultUrl = 'redis://127.0.0.1:6379';
const root = new URL('../../', import.meta.url).pathname;

export interface LocalRedis {
  url: string;
  /** How it was found: given by REDIS_URL, reused on 127.0.0.1:6379, or started here. */
  origin: 'given' | 'reused' | 'started';
  stop(): Promise<void>;
}

/** The Redis for the local system: REDIS_URL, else the one on 6379, else a new one with AOF under .data/redis. */
export async function localRedis(givenUrl: string | undefined): Promise<LocalRedis> {
  if (givenUrl) return { url: givenUrl, origin: 'given', stop: async () => {} };
  if (await redisAnswers(defaultUrl)) return { url: defaultUrl, origin: 'reused', stop: async () => {} };
  const dir = `${root}.data/redis`;
  mkdirSync(dir, { recursive: true });
  // Its own process group: a terminal's Ctrl-C reaches only npm start, which stops Redis after the services.
  const args = [`${root}deploy/redis/redis.conf`, '--dir', dir];
  const child = await spawnRedisServer(args, defaultUrl, { detached: true, installAlternative: ' or set REDIS_URL' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return {
    url: defaultUrl,
    origin: 'started',
    stop: async () => {
      child.kill('SIGTERM'); // Redis flushes the AOF and exits.
      await exited;
    },
  };
}

/** How long the local Sentinels wait before calling a silent primary down: a failover by hand takes ~2 s. */
const localDownAfterMs = 1000;

/**
 * The `--redis-ha` layout: a primary, replicas and Sentinels (RedisHa) on the configured ports, under
 * .data/redis-ha unless told otherwise. The folder is kept between runs: each run writes fresh config
 * files, and the node last named primary there starts as primary (RedisHa.start).
 */
export async function localRedisHa(config: LocalRedisHaConfig): Promise<RedisHa> {
  for (const port of [...config.dataPorts, ...config.sentinelPorts]) {
    if (!(await canListen(port))) {
      throw new Error(`port ${port} is in use (another npm start -- --redis-ha?): stop it, or choose others with --redis-ha-data-ports and --redis-ha-sentinel-ports`);
    }
  }
  const dir = resolve(config.dir ?? `${root}.data/redis-ha`);
  mkdirSync(dir, { recursive: true });
  const { dataPorts, sentinelPorts, masterName } = config;
  return RedisHa.start({ dir, dataPorts, sentinelPorts, masterName, downAfterMs: localDownAfterMs, ownGroup: true });
}
