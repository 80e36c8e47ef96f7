import { execFile, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Cluster } from 'ioredis';
import { canListen } from './ports.js';
import { spawnRedisServer, withRedisClient } from './redis-process.js';

const host = '127.0.0.1';
/** A node's cluster bus listens on its port plus this (Redis's fixed offset). */
const busPortOffset = 10000;
/**
 * Node ports are drawn from here, so that they and their bus ports stay below Linux's ephemeral
 * range (32768 and up), where the ports the system hands out to other tests' sockets live.
 */
const portRange = { first: 10000, last: 22767 };
const masterCount = 3;
/** Silence before the nodes call a master down and its replica takes over (Redis's default: 15000). */
const nodeTimeoutMs = 1000;

/** A master: the slots it serves, as inclusive [first, last] ranges, and its replicas' ports. */
export interface ClusterMaster {
  port: number;
  slots: [number, number][];
  replicas: number[];
}

/**
 * A Redis Cluster of three masters with a replica each, as real redis-server processes on free
 * loopback ports in a temporary folder, without persistence and with a short node time-out, so that
 * a master can be killed (or frozen) and its replica's promotion watched within seconds.
 */
export class RedisCluster {
  private readonly processes = new Map<number, ChildProcess>();
  /** The slots of the masters killed or frozen, for untilFailedOver. */
  private readonly slotsOfLost = new Map<number, [number, number][]>();

  private constructor(
    private readonly dir: string,
    private readonly ports: number[],
    private readonly password: string | undefined,
    /** The core every node is pinned to (benchmarks); unset: not pinned. */
    private readonly cpu: number | undefined,
  ) {}

  /**
   * Starts the six nodes, joins them into a cluster (`redis-cli --cluster create`) and waits until
   * every node reports it whole and every master has its replica online. On failure, stops what started.
   */
  static async start(options: { password?: string; cpu?: number } = {}): Promise<RedisCluster> {
    const cluster = new RedisCluster(mkdtempSync(join(tmpdir(), 'mini-redis-cluster-')), await freeNodePorts(masterCount * 2), options.password, options.cpu);
    try {
      // Settled, not all: a node still starting when another failed would escape stop().
      const spawned = await Promise.allSettled(cluster.ports.map((port) => cluster.spawnNode(port)));
      const failed = spawned.find((result) => result.status === 'rejected');
      if (failed) throw failed.reason;
      await cluster.create();
      await cluster.untilSettled();
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Every node as host:port, as REDIS_CLUSTER_NODES lists them. */
  get nodes(): string[] {
    return this.ports.map((port) => `${host}:${port}`);
  }

  /** The environment a service needs to connect to this cluster. */
  env(): Record<string, string> {
    return {
      REDIS_CLUSTER_NODES: this.nodes.join(','),
      ...(this.password ? { REDIS_URL: `redis://:${encodeURIComponent(this.password)}@${host}` } : {}),
    };
  }

  /** A cluster client for a test's own reads and writes (disconnect it when done). */
  client(): Cluster {
    return new Cluster(
      this.ports.map((port) => ({ host, port })),
      { redisOptions: this.password ? { password: this.password } : {} },
    );
  }

  /** The masters and their slots, as the first live node that answers sees them. */
  async masters(): Promise<ClusterMaster[]> {
    return this.askLive(async (port) => mastersIn(await this.command(port, 'CLUSTER', 'SLOTS')));
  }

  /** The port of the master that serves the slot of `key`. */
  async masterOf(key: string): Promise<number> {
    const slot = Number(await this.askLive((port) => this.command(port, 'CLUSTER', 'KEYSLOT', key)));
    const master = ownerOf(await this.masters(), slot);
    if (master === undefined) throw new Error(`no master serves slot ${slot} (of key ${key})`);
    return master;
  }

  /** SIGKILLs the master on a port and waits for it to be gone. */
  async killMaster(port: number): Promise<void> {
    const child = await this.loseMaster(port);
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** SIGSTOPs the master on a port: it hangs with its connections open, as a lost host or network does. */
  async freezeMaster(port: number): Promise<void> {
    (await this.loseMaster(port)).kill('SIGSTOP');
  }

  /**
   * Waits until every live node reports the cluster whole and names one and the same other master
   * for all the slots of the master killed or frozen on `port`; returns that master's port.
   */
  async untilFailedOver(port: number, timeoutMs = 20000): Promise<number> {
    const slots = this.slotsOfLost.get(port);
    if (!slots) throw new Error(`${host}:${port} was neither killed nor frozen`);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const successor = await this.agreedSuccessor(slots).catch(() => undefined);
      if (successor !== undefined && successor !== port) return successor;
      if (Date.now() > deadline) throw new Error(`no replica took over the slots of ${host}:${port} within ${timeoutMs} ms`);
      await pause(50);
    }
  }

  /**
   * Starts the node killed on `port` again, on its old node file: it rejoins the cluster as a replica
   * of the master that took its slots. Resolves once every master has a replica online again.
   */
  async restartNode(port: number): Promise<void> {
    await this.spawnNode(port);
    this.slotsOfLost.delete(port);
    await this.untilSettled();
  }

  /** The process ids of the nodes running now (for CPU accounting). */
  get pids(): number[] {
    return [...this.processes.values()].flatMap((child) => (child.pid === undefined || child.exitCode !== null ? [] : [child.pid]));
  }

  /** SIGKILLs every node and removes the folder. */
  async stop(): Promise<void> {
    await Promise.all(
      [...this.processes.values()].map(async (child) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** The master every live node names for all of `slots`, when every one of them says cluster_state:ok. */
  private async agreedSuccessor(slots: [number, number][]): Promise<number | undefined> {
    const views = await Promise.all(
      this.livePorts().map(async (port) => {
        if (!/^cluster_state:ok/m.test(String(await this.command(port, 'CLUSTER', 'INFO')))) return undefined;
        const masters = mastersIn(await this.command(port, 'CLUSTER', 'SLOTS'));
        // A failover hands a master's ranges over whole: their ends tell who has them.
        const owners = new Set(slots.flatMap(([first, last]) => [ownerOf(masters, first), ownerOf(masters, last)]));
        return owners.size === 1 ? [...owners][0] : undefined;
      }),
    );
    const named = new Set(views);
    return named.size === 1 ? [...named][0] : undefined;
  }

  /** The process of the master on a port, which from now on counts as lost. */
  private async loseMaster(port: number): Promise<ChildProcess> {
    const master = (await this.masters()).find((m) => m.port === port);
    const child = this.processes.get(port);
    if (!master || !child) throw new Error(`${host}:${port} is not a master of this cluster`);
    this.slotsOfLost.set(port, master.slots);
    return child;
  }

  private async spawnNode(port: number): Promise<void> {
    const dir = join(this.dir, `node-${port}`);
    mkdirSync(dir, { recursive: true });
    const settings: Record<string, string> = {
      port: String(port),
      bind: host,
      dir,
      'cluster-enabled': 'yes',
      'cluster-config-file': join(dir, 'nodes.conf'),
      'cluster-node-timeout': String(nodeTimeoutMs),
      appendonly: 'no',
      save: '',
      // A replica copies its master at once instead of waiting for others to share the transfer.
      'repl-diskless-sync-delay': '0',
      ...(this.password ? { requirepass: this.password, masterauth: this.password } : {}),
    };
    const args = Object.entries(settings).flatMap(([name, value]) => [`--${name}`, value]);
    const url = `redis://${this.password ? `:${encodeURIComponent(this.password)}@` : ''}${host}:${port}`;
    this.processes.set(port, await spawnRedisServer(args, url, { cpu: this.cpu }));
  }

  /** Joins the nodes: redis-cli makes three of them masters and the others their replicas. */
  private async create(): Promise<void> {
    const args = ['--cluster', 'create', ...this.nodes, '--cluster-replicas', '1', '--cluster-yes'];
    // REDISCLI_AUTH rather than -a: redis-cli warns about a password on its command line.
    const env = { ...process.env, ...(this.password ? { REDISCLI_AUTH: this.password } : {}) };
    try {
      await promisify(execFile)('redis-cli', args, { env, timeout: 30000 });
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(`redis-cli --cluster create failed: ${(err as Error).message}\n${stdout}${stderr}`.trim());
    }
  }

  /** Every node knows all the others and reports the cluster whole, and every master's replica is online. */
  private async untilSettled(): Promise<void> {
    const deadline = Date.now() + 20000;
    for (;;) {
      const settled = await Promise.all(this.ports.map((port) => this.nodeSettled(port))).catch(() => [false]);
      if (settled.every(Boolean)) return;
      if (Date.now() > deadline) throw new Error('the cluster did not settle within 20 s');
      await pause(50);
    }
  }

  private async nodeSettled(port: number): Promise<boolean> {
    const info = String(await this.command(port, 'CLUSTER', 'INFO'));
    if (!/^cluster_state:ok/m.test(info) || !new RegExp(`^cluster_known_nodes:${this.ports.length}\\b`, 'm').test(info)) return false;
    const replication = String(await this.command(port, 'INFO', 'replication'));
    return /^role:slave/m.test(replication) || /^slave0:.*state=online/m.test(replication);
  }

  /** Nodes neither killed nor frozen. */
  private livePorts(): number[] {
    return this.ports.filter((port) => !this.slotsOfLost.has(port));
  }

  /** The answer of the first live node for which `ask` succeeds. */
  private async askLive<T>(ask: (port: number) => Promise<T>): Promise<T> {
    let lastError: unknown;
    for (const port of this.livePorts()) {
      try {
        return await ask(port);
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(`no live cluster node answered: ${lastError instanceof Error ? lastError.message : 'none is running'}`);
  }

  /** One command on its own short-lived connection to the node on a port. */
  private command(port: number, name: string, ...args: string[]): Promise<unknown> {
    return withRedisClient(port, (client) => client.call(name, ...args), this.password);
  }
}

/** Masters from a CLUSTER SLOTS reply: [first, last, master, ...replicas] per range, each node [host, port, id]. */
function mastersIn(reply: unknown): ClusterMaster[] {
  const byPort = new Map<number, ClusterMaster>();
  for (const [first, last, master, ...replicas] of reply as [number, number, [string, number], ...[string, number][]][]) {
    const port = Number(master[1]);
    const known = byPort.get(port) ?? { port, slots: [], replicas: replicas.map((replica) => Number(replica[1])) };
    known.slots.push([first, last]);
    byPort.set(port, known);
  }
  return [...byPort.values()].sort((a, b) => a.port - b.port);
}

function ownerOf(masters: ClusterMaster[], slot: number): number | undefined {
  return masters.find((m) => m.slots.some(([first, last]) => slot >= first && slot <= last))?.port;
}

/**
 * `count` ports, each with its bus port (port + 10000), that could all be listened on a moment ago
 * and are all different.
 */
async function freeNodePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const taken = new Set<number>();
  for (let attempt = 0; ports.length < count; attempt++) {
    if (attempt > 500) throw new Error(`no ${count} free port pairs (port and port + ${busPortOffset}) found`);
    const port = portRange.first + Math.floor(Math.random() * (portRange.last - portRange.first + 1));
    const bus = port + busPortOffset;
    if (taken.has(port) || taken.has(bus) || !(await canListen(port)) || !(await canListen(bus))) continue;
    ports.push(port);
    taken.add(port).add(bus);
  }
  return ports;
}
