import { type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pinnedSpawn } from './pinned-spawn.js';

const deployDir = new URL('../../deploy/redis/', import.meta.url).pathname;
const host = '127.0.0.1';

/** Where a Sentinel layout runs: its ports and folder, and how fast the Sentinels fail over. */
export interface RedisHaLayout {
  /** Each node's data and config file go in a subfolder of this one. */
  dir: string;
  /** The first primary, then the replicas. */
  dataPorts: number[];
  sentinelPorts: number[];
  masterName: string;
  /** Silence before a Sentinel calls the primary down (deploy default 5000). */
  downAfterMs: number;
  /** requirepass and masterauth of every data node (and the Sentinels' auth-pass). */
  password?: string;
  /** Pins every process to this core (benchmarks). */
  cpu?: number;
}

/**
 * A primary, its replicas and three Sentinels as real redis-server processes on loopback, built from
 * deploy/redis/redis-ha.conf and sentinel.conf (the shipped layout, with ports and timings set), so
 * a failover can be caused and watched: `npm start -- --redis-ha`, the tests and `bench:redis-ha`.
 */
export class RedisHa {
  private readonly processes = new Map<number, ChildProcess>();

  private constructor(readonly layout: RedisHaLayout) {}

  static async start(layout: RedisHaLayout): Promise<RedisHa> {
    const ha = new RedisHa(layout);
    const [primary, ...replicas] = layout.dataPorts;
    if (primary === undefined) throw new Error('a Sentinel layout needs a primary');
    await ha.spawnNode(primary, ha.nodeConfig(primary, undefined));
    await Promise.all(replicas.map((port) => ha.spawnNode(port, ha.nodeConfig(port, primary))));
    await ha.untilReplicasOnline(primary, replicas.length);
    await Promise.all(layout.sentinelPorts.map((port) => ha.spawnSentinel(port, primary)));
    await ha.untilSentinelsSeeLayout();
    return ha;
  }

  /** The environment a service needs to find the primary through these Sentinels. */
  get env(): Record<string, string> {
    return {
      REDIS_SENTINELS: this.layout.sentinelPorts.map((port) => `${host}:${port}`).join(','),
      REDIS_SENTINEL_MASTER: this.layout.masterName,
      ...(this.layout.password ? { REDIS_URL: `redis://:${encodeURIComponent(this.layout.password)}@${host}` } : {}),
    };
  }

  /** The port of the primary, as the first Sentinel that answers names it. */
  async primaryPort(): Promise<number> {
    for (const port of this.layout.sentinelPorts) {
      const reply = await withClient(port, (c) => c.call('SENTINEL', 'get-master-addr-by-name', this.layout.masterName)).catch(() => null);
      if (Array.isArray(reply)) return Number(reply[1]);
    }
    throw new Error('no Sentinel names a primary');
  }

  /** SIGKILLs the current primary and returns its port. */
  async killPrimary(): Promise<number> {
    const port = await this.primaryPort();
    await this.kill(port);
    return port;
  }

  /** SIGKILLs the node on a port and waits for it to be gone. */
  async kill(port: number): Promise<void> {
    const child = this.processes.get(port);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** Waits until the Sentinels name a primary other than `oldPort` and it has `replicas` replicas online. */
  async untilFailedOver(oldPort: number, replicas: number, timeoutMs = 30000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const port = await this.primaryPort().catch(() => oldPort);
      if (port !== oldPort && (await this.onlineReplicas(port).catch(() => -1)) >= replicas) return port;
      if (Date.now() > deadline) throw new Error(`no failover from ${oldPort} with ${replicas} replicas within ${timeoutMs} ms`);
      await pause(50);
    }
  }

  /** Starts a killed node again from its config file, which the Sentinels rewrote: it rejoins as a replica. */
  async restart(port: number): Promise<void> {
    await this.spawnNode(port, join(this.layout.dir, `node-${port}`, 'redis.conf'));
  }

  /** Process id of the node on a port (for CPU accounting). */
  pid(port: number): number | undefined {
    return this.processes.get(port)?.pid;
  }

  /** SIGKILLs every process (the folder stays: `npm start` keeps its data). */
  async stop(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((port) => this.kill(port)));
  }

  private nodeConfig(port: number, primary: number | undefined): string {
    const dir = join(this.layout.dir, `node-${port}`);
    mkdirSync(dir, { recursive: true });
    // No wait for more replicas to share a full sync: on one machine they start together anyway.
    const lines = [`include ${deployDir}redis-ha.conf`, `bind ${host}`, `port ${port}`, `dir ${dir}`, 'repl-diskless-sync-delay 0'];
    if (primary !== undefined) lines.push(`replicaof ${host} ${primary}`);
    if (this.layout.password) lines.push(`requirepass ${this.layout.password}`, `masterauth ${this.layout.password}`);
    const file = join(dir, 'redis.conf');
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  }

  private async spawnSentinel(port: number, primary: number): Promise<void> {
    const dir = join(this.layout.dir, `sentinel-${port}`);
    mkdirSync(dir, { recursive: true });
    const { masterName, downAfterMs, password } = this.layout;
    const shipped = readFileSync(`${deployDir}sentinel.conf`, 'utf8')
      .replace(/^port \d+$/m, `port ${port}\nbind ${host}\ndir ${dir}`)
      .replace(/^sentinel monitor mymaster \S+ \d+ (\d+)$/m, `sentinel monitor ${masterName} ${host} ${primary} $1`)
      .replace(/^sentinel (down-after-milliseconds|failover-timeout|parallel-syncs) mymaster/gm, `sentinel $1 ${masterName}`)
      .replace(/^(sentinel down-after-milliseconds \S+) \d+$/m, `$1 ${downAfterMs}`)
      // A quick test failover may need a second one soon after.
      .replace(/^(sentinel failover-timeout \S+) \d+$/m, `$1 ${Math.max(3000, downAfterMs * 3)}`);
    const file = join(dir, 'sentinel.conf');
    writeFileSync(file, password ? `${shipped}sentinel auth-pass ${masterName} ${password}\n` : shipped);
    await this.spawn(port, [file, '--sentinel'], password);
  }

  private async spawnNode(port: number, configFile: string): Promise<void> {
    await this.spawn(port, [configFile], this.layout.password);
  }

  private async spawn(port: number, args: string[], password: string | undefined): Promise<void> {
    const child = pinnedSpawn(this.layout.cpu, 'redis-server', args, { stdio: 'ignore' });
    this.processes.set(port, child);
    const failed = new Promise<never>((_, reject) => {
      child.once('error', () => reject(new Error('redis-server not found: install it (Debian/Ubuntu: apt-get install redis-server)')));
      child.once('exit', (code) => reject(new Error(`redis-server ${args.join(' ')} exited with ${code}`)));
    });
    failed.catch(() => {});
    const deadline = Date.now() + 10000;
    // Sentinels have no password of their own here; data nodes do when the layout has one.
    const auth = args.includes('--sentinel') ? undefined : password;
    while (!(await Promise.race([answers(port, auth), failed]))) {
      if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not answer within 10 s`);
      await pause(20);
    }
  }

  private async onlineReplicas(port: number): Promise<number> {
    const info = await withClient(port, (c) => c.info('replication'), this.layout.password);
    if (!/^role:master/m.test(info)) return -1;
    return [...info.matchAll(/^slave\d+:.*state=online/gm)].length;
  }

  private async untilReplicasOnline(primary: number, replicas: number): Promise<void> {
    const deadline = Date.now() + 15000;
    while ((await this.onlineReplicas(primary).catch(() => -1)) < replicas) {
      if (Date.now() > deadline) throw new Error(`replicas of ${primary} not online within 15 s`);
      await pause(20);
    }
  }

  /** Each Sentinel knows every replica and the other Sentinels (else a failover cannot start). */
  private async untilSentinelsSeeLayout(): Promise<void> {
    const { sentinelPorts, dataPorts, masterName } = this.layout;
    const deadline = Date.now() + 20000;
    for (const port of sentinelPorts) {
      for (;;) {
        const master = await withClient(port, (c) => c.call('SENTINEL', 'master', masterName)).catch(() => []);
        const fields = pairs(master as string[]);
        if (Number(fields['num-slaves']) >= dataPorts.length - 1 && Number(fields['num-other-sentinels']) >= sentinelPorts.length - 1) break;
        if (Date.now() > deadline) throw new Error(`Sentinel ${port} did not discover the layout within 20 s`);
        await pause(50);
      }
    }
  }
}

async function withClient<T>(port: number, use: (client: Redis) => Promise<T>, password?: string): Promise<T> {
  const client = new Redis(port, host, { lazyConnect: true, password, connectTimeout: 1000, commandTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  try {
    await client.connect();
    return await use(client);
  } finally {
    client.disconnect();
  }
}

async function answers(port: number, password: string | undefined): Promise<boolean> {
  return withClient(port, async (c) => (await c.ping()) === 'PONG', password).catch(() => false);
}

function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
