import { type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnRedisServer, withRedisClient } from './redis-process.js';

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
  /** requirepass of every Sentinel (they also log in to each other with it). */
  sentinelPassword?: string;
  /** Pins every process to this core (benchmarks). */
  cpu?: number;
  /**
   * Puts every process in its own process group, so that a terminal's Ctrl-C reaches only the parent,
   * which stops them after the services (`npm start`).
   */
  ownGroup?: boolean;
}

/**
 * A primary, its replicas and three Sentinels as real redis-server processes on loopback, built from
 * deploy/redis/redis-ha.conf and sentinel.conf (the shipped layout, with ports and timings set), so
 * a failover can be caused and watched: `npm start -- --redis-ha`, the tests and `bench:redis-ha`.
 */
export class RedisHa {
  private readonly processes = new Map<number, ChildProcess>();

  private constructor(readonly layout: RedisHaLayout) {}

  /**
   * Starts the layout with fresh config files. In a folder kept from an earlier run (`npm start`),
   * the node its Sentinels last named primary starts as primary again, whatever its place in
   * `dataPorts`: it holds the newest data, which the others then copy. On failure, stops what started.
   */
  static async start(layout: RedisHaLayout): Promise<RedisHa> {
    const ha = new RedisHa(layout);
    const last = lastPrimary(layout);
    const [primary, ...replicas] = last === undefined ? layout.dataPorts : [last, ...layout.dataPorts.filter((port) => port !== last)];
    if (primary === undefined) throw new Error('a Sentinel layout needs a primary');
    try {
      await ha.spawnNode(primary, ha.nodeConfig(primary, undefined));
      await Promise.all(replicas.map((port) => ha.spawnNode(port, ha.nodeConfig(port, primary))));
      await ha.untilReplicasOnline(primary, replicas.length);
      await Promise.all(layout.sentinelPorts.map((port) => ha.spawnSentinel(port, primary)));
      await ha.untilSentinelsSeeLayout();
    } catch (err) {
      await ha.stop();
      throw err;
    }
    return ha;
  }

  /** The environment a service needs to find the primary through these Sentinels. */
  get env(): Record<string, string> {
    return {
      REDIS_SENTINELS: this.layout.sentinelPorts.map((port) => `${host}:${port}`).join(','),
      REDIS_SENTINEL_MASTER: this.layout.masterName,
      ...(this.layout.password ? { REDIS_URL: `redis://:${encodeURIComponent(this.layout.password)}@${host}` } : {}),
      ...(this.layout.sentinelPassword ? { REDIS_SENTINEL_PASSWORD: this.layout.sentinelPassword } : {}),
    };
  }

  /** The port of the primary, as the first Sentinel that answers names it. */
  async primaryPort(): Promise<number> {
    for (const port of this.layout.sentinelPorts) {
      const reply = await withRedisClient(port, (c) => c.call('SENTINEL', 'get-master-addr-by-name', this.layout.masterName), this.layout.sentinelPassword).catch(() => null);
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

  /** What the node on a port says it is: 'master', or 'slave of <port>' once its link to that primary is up. */
  async roleOf(port: number): Promise<string> {
    const info = await withRedisClient(port, (c) => c.info('replication'), this.layout.password);
    if (/^role:master/m.test(info)) return 'master';
    const primary = /^master_port:(\d+)/m.exec(info)?.[1];
    return /^master_link_status:up/m.test(info) ? `slave of ${primary}` : `slave of ${primary} (link down)`;
  }

  /** SIGSTOPs (true) or SIGCONTs (false) the node on a port: a node that hangs without closing its connections. */
  freeze(port: number, frozen: boolean): void {
    this.processes.get(port)?.kill(frozen ? 'SIGSTOP' : 'SIGCONT');
  }

  /**
   * Waits until every Sentinel names the same primary, other than `oldPort`, none of them is still
   * failing over, and that primary has `replicas` replicas online. (One Sentinel's word is not
   * enough: a primary killed while another Sentinel still names the one before is never failed over.)
   */
  async untilFailedOver(oldPort: number, replicas: number, timeoutMs = 30000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const port = await this.agreedPrimary().catch(() => undefined);
      if (port !== undefined && port !== oldPort && (await this.onlineReplicas(port).catch(() => -1)) >= replicas) return port;
      if (Date.now() > deadline) throw new Error(`no settled failover from ${oldPort} with ${replicas} replicas within ${timeoutMs} ms`);
      await pause(50);
    }
  }

  /** The primary every Sentinel names with no failover in progress; undefined while they disagree. */
  private async agreedPrimary(): Promise<number | undefined> {
    const views = await Promise.all(
      this.layout.sentinelPorts.map(async (port) => {
        const reply = await withRedisClient(port, (c) => c.call('SENTINEL', 'master', this.layout.masterName), this.layout.sentinelPassword);
        return pairs(reply as string[]);
      }),
    );
    const ports = new Set(views.map((view) => view.port));
    const settled = views.every((view) => !view.flags?.includes('failover_in_progress'));
    return settled && ports.size === 1 ? Number([...ports][0]) : undefined;
  }

  /** Starts a killed node again, as a replica of the current primary: it copies what it missed. */
  async restart(port: number): Promise<void> {
    const file = join(this.layout.dir, `node-${port}`, 'redis.conf');
    // As a replica of the current primary from the start, which the Sentinels would make it some
    // seconds later anyway (as they do with a node that comes back on its own).
    const primary = await this.primaryPort().catch(() => undefined);
    if (primary !== undefined && primary !== port) {
      const kept = readFileSync(file, 'utf8').split('\n').filter((line) => !/^(replicaof|slaveof) /.test(line));
      writeFileSync(file, `${[...kept.filter((line) => line !== ''), `replicaof ${host} ${primary}`].join('\n')}\n`);
    }
    await this.spawnNode(port, file);
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
    const { masterName, downAfterMs, password, sentinelPassword } = this.layout;
    const shipped = readFileSync(`${deployDir}sentinel.conf`, 'utf8')
      .replace(/^port \d+$/m, `port ${port}\nbind ${host}\ndir ${dir}`)
      .replace(/^sentinel monitor mymaster \S+ \d+ (\d+)$/m, `sentinel monitor ${masterName} ${host} ${primary} $1`)
      .replace(/^sentinel (down-after-milliseconds|failover-timeout|parallel-syncs) mymaster/gm, `sentinel $1 ${masterName}`)
      .replace(/^(sentinel down-after-milliseconds \S+) \d+$/m, `$1 ${downAfterMs}`)
      // A quick test failover may need a second one soon after.
      .replace(/^(sentinel failover-timeout \S+) \d+$/m, `$1 ${Math.max(3000, downAfterMs * 3)}`);
    const file = join(dir, 'sentinel.conf');
    const auth = [...(password ? [`sentinel auth-pass ${masterName} ${password}`] : []), ...(sentinelPassword ? [`requirepass ${sentinelPassword}`] : [])];
    writeFileSync(file, `${shipped}${auth.map((line) => `${line}\n`).join('')}`);
    await this.spawn(port, [file, '--sentinel'], sentinelPassword);
  }

  private async spawnNode(port: number, configFile: string): Promise<void> {
    await this.spawn(port, [configFile], this.layout.password);
  }

  private async spawn(port: number, args: string[], password: string | undefined): Promise<void> {
    const url = `redis://${password ? `:${encodeURIComponent(password)}@` : ''}${host}:${port}`;
    this.processes.set(port, await spawnRedisServer(args, url, { cpu: this.layout.cpu, detached: this.layout.ownGroup ?? false }));
  }

  private async onlineReplicas(port: number): Promise<number> {
    const info = await withRedisClient(port, (c) => c.info('replication'), this.layout.password);
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
        const master = await withRedisClient(port, (c) => c.call('SENTINEL', 'master', masterName), this.layout.sentinelPassword).catch(() => []);
        const fields = pairs(master as string[]);
        if (Number(fields['num-slaves']) >= dataPorts.length - 1 && Number(fields['num-other-sentinels']) >= sentinelPorts.length - 1) break;
        if (Date.now() > deadline) throw new Error(`Sentinel ${port} did not discover the layout within 20 s`);
        await pause(50);
      }
    }
  }
}

/**
 * The data port an earlier run's Sentinels in the layout's folder last named primary: the one whose
 * config file (which Sentinel rewrites on every failover) has the highest config epoch.
 */
function lastPrimary(layout: RedisHaLayout): number | undefined {
  const name = layout.masterName.replace(/[.]/g, '\\.');
  let best: { port: number; epoch: number } | undefined;
  for (const sentinelPort of layout.sentinelPorts) {
    const file = join(layout.dir, `sentinel-${sentinelPort}`, 'sentinel.conf');
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const port = Number(new RegExp(`^sentinel monitor ${name} \\S+ (\\d+) \\d+$`, 'm').exec(text)?.[1]);
    const epoch = Number(new RegExp(`^sentinel config-epoch ${name} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
    if (layout.dataPorts.includes(port) && (best === undefined || epoch > best.epoch)) best = { port, epoch };
  }
  return best?.port;
}

function pairs(flat: string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]!] = flat[i + 1]!;
  return fields;
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
