import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from './ports.js';
import { pinnedSpawn } from '../../scripts/lib/pinned-spawn.js';
import { eventually } from './wait.js';

const installHint = 'redis-server is required for the tests: install it (Debian/Ubuntu: apt-get install redis-server)';

/**
 * A real redis-server on a free loopback port, in its own data folder, that a test can kill and
 * start again on the same port (with AOF on, so a restart keeps what was acknowledged).
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'mini-redis-'));

  private constructor(
    readonly port: number,
    private readonly cpu: number | undefined,
    private readonly alsoBind: string[],
  ) {}

  /**
   * Starts one; `cpu` pins it to that core with taskset (benchmarks); `alsoBind` are addresses it
   * listens on besides loopback (e.g. a test's veth, for a service in another network namespace).
   */
  static async start(options: { cpu?: number; alsoBind?: string[] } = {}): Promise<RedisServer> {
    if (spawnSync('redis-server', ['--version']).error) throw new Error(installHint);
    const server = new RedisServer(await freePort(), options.cpu, options.alsoBind ?? []);
    await server.restart();
    return server;
  }

  /** Process id of the running server (for CPU accounting in benchmarks). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on this port (again) and waits until it answers PING. */
  async restart(): Promise<void> {
    // Protected mode refuses every client not on loopback: off only when the test asked for another address.
    const bind = ['--bind', '127.0.0.1', ...this.alsoBind, ...(this.alsoBind.length > 0 ? ['--protected-mode', 'no'] : [])];
    const args = ['--port', String(this.port), ...bind, '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    const child = pinnedSpawn(this.cpu, 'redis-server', args, { stdio: 'ignore' });
    this.process = child;
    await eventually(`redis-server on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
      const probe = new Redis(this.port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {}); // not up yet: the next poll tries again
      try {
        await probe.connect();
        return (await probe.ping()) === 'PONG';
      } finally {
        probe.disconnect();
      }
    });
  }

  /** SIGKILLs the server and waits for it to be gone. */
  async kill(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  /** A client for the test's own checks. */
  client(): Redis {
    return new Redis(this.port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
