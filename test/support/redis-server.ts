import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort } from './ports.js';
import { pinnedSpawn } from '../../scripts/lib/pinned-spawn.js';
import type { TestCertificates } from './test-certificates.js';
import { eventually } from './wait.js';

const installHint = 'redis-server is required for the tests: install it (Debian/Ubuntu: apt-get install redis-server)';
const tlsHint = 'the TLS tests need a redis-server built with TLS: Debian/Ubuntu\'s redis-server package is';

/** How a test's redis-server runs; none of it: no password, plain TCP. */
export interface RedisServerOptions {
  /** Pins it to this core with taskset (benchmarks). */
  cpu?: number;
  /** Addresses it listens on besides loopback (e.g. a test's veth, for a service in another network namespace). */
  alsoBind?: string[];
  /** requirepass: a client must log in with it (as the default user). */
  password?: string;
  /** ACL users besides the default one (`rules` as in ACL SETUSER, e.g. `~*`, `+@read`). */
  users?: { name: string; password: string; rules: string[] }[];
  /** TLS only (the plain port is off), with this server certificate; clients are not asked for one. */
  tls?: TestCertificates;
}

/**
 * A real redis-server on a free loopback port, in its own data folder, that a test can kill and
 * start again on the same port (with AOF on, so a restart keeps what was acknowledged).
 */
export class RedisServer {
  private process: ChildProcess | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), 'mini-redis-'));

  private constructor(
    readonly port: number,
    private readonly options: RedisServerOptions,
  ) {}

  /** Starts one and waits until it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    if (spawnSync('redis-server', ['--version']).error) throw new Error(installHint);
    const server = new RedisServer(await freePort(), options);
    await server.restart();
    return server;
  }

  /** Process id of the running server (for CPU accounting in benchmarks). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** The URL a service connects with: rediss:// under TLS, with the password if it has one. */
  get url(): string {
    return this.urlAs(this.options.password === undefined ? {} : { password: this.options.password });
  }

  /** The URL with other credentials (none: no user and no password), e.g. an ACL user's or a wrong one. */
  urlAs(credentials: { username?: string; password?: string }): string {
    const { username = '', password } = credentials;
    const auth = password === undefined ? '' : `${encodeURIComponent(username)}:${encodeURIComponent(password)}@`;
    return `${this.options.tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${this.port}`;
  }

  /** Starts redis-server on this port (again) and waits until it answers PING. */
  async restart(): Promise<void> {
    const { alsoBind = [], password, users = [], tls } = this.options;
    // Protected mode refuses every client not on loopback: off only when the test asked for another address.
    const bind = ['--bind', '127.0.0.1', ...alsoBind, ...(alsoBind.length > 0 ? ['--protected-mode', 'no'] : [])];
    const files = tls ? ['--tls-cert-file', tls.certFile, '--tls-key-file', tls.keyFile, '--tls-ca-cert-file', tls.caFile] : [];
    const ports = tls ? ['--port', '0', '--tls-port', String(this.port), ...files, '--tls-auth-clients', 'no'] : ['--port', String(this.port)];
    const auth = [...(password === undefined ? [] : ['--requirepass', password]), ...users.flatMap((u) => ['--user', u.name, 'on', `>${u.password}`, ...u.rules])];
    const args = [...ports, ...bind, ...auth, '--dir', this.dir, '--save', '', '--appendonly', 'yes', '--appendfsync', 'always'];
    const child = pinnedSpawn(this.options.cpu, 'redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // The end of its log, to say why it would not start (e.g. a build without TLS, a bad certificate).
    let logTail = '';
    const keep = (chunk: Buffer): void => {
      logTail = (logTail + chunk.toString()).slice(-2000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    this.process = child;
    await eventually(`redis-server on port ${this.port}`, async () => {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}${tls ? ` (${tlsHint})` : ''}:\n${logTail.trim()}`);
      const probe = this.connect({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
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

  /** A client for the test's own checks (as the default user, over TLS if the server has it). */
  client(): Redis {
    return this.connect({ maxRetriesPerRequest: 1 });
  }

  private connect(options: RedisOptions): Redis {
    const { password, tls } = this.options;
    return new Redis({ host: '127.0.0.1', port: this.port, password, ...(tls ? { tls: { ca: readFileSync(tls.caFile) } } : {}), ...options });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
