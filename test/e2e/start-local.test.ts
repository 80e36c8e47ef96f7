import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import { createInterface } from 'node:readline';
import { distinctFreePorts, freePortRun } from '../support/ports.js';
import { RedisServer } from '../support/redis-server.js';
import { eventually } from '../support/wait.js';
import { deviceIdOf } from '../support/device-id.js';

const isRunning = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** `npm start` (scripts/start-local.ts) on free ports against a test Redis, its output collected. */
class LocalSystem {
  readonly lines: string[] = [];
  readonly exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly gatewayPort: number,
  ) {
    createInterface({ input: child.stdout! }).on('line', (line) => this.lines.push(line));
    this.exited = once(child, 'exit').then(([code]) => code as number | null);
  }

  static async start(redisUrl: string): Promise<LocalSystem> {
    const [matcherPort, gatewayPort, ...roomPorts] = await distinctFreePorts(5);
    const metricsFrom = await freePortRun(5);
    const args = ['--matcher-port', matcherPort, '--gateway-port', gatewayPort, '--room-ports', roomPorts.join(','), '--metrics-ports-from', metricsFrom];
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-local.ts', ...args.map(String)], {
      env: { ...process.env, REDIS_URL: redisUrl, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new LocalSystem(child, gatewayPort!);
  }

  /** Ctrl-C unless it has exited; then SIGKILLs any service still running, so a failed test leaves nothing behind. */
  async stop(services: number[]): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGINT');
      const exitedInTime = await Promise.race([this.exited.then(() => true), delay(15000, false)]);
      if (!exitedInTime) this.child.kill('SIGKILL');
    }
    for (const pid of services.filter(isRunning)) process.kill(pid, 'SIGKILL');
  }

  /** Waits for a line matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs = 30000): Promise<string> {
    return eventually(`npm start to print ${pattern}`, () => this.lines.find((line) => pattern.test(line)), timeoutMs);
  }

  /** The services it started that are still running: its children running a service's main (tsx may add an esbuild child). */
  services(): number[] {
    const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(this.child.pid)], { encoding: 'utf8' });
    return ps.stdout
      .split('\n')
      .filter((line) => /src\/(matcher|gateway|room)\/main\.ts/.test(line))
      .map((line) => Number.parseInt(line, 10));
  }
}

describe('npm start (scripts/start-local.ts, real processes)', function () {
  this.timeout(60000);
  let redis: RedisServer;
  /** The systems started by the current test and the services seen running, stopped after it whatever happened. */
  let running: { system: LocalSystem; services: number[] }[] = [];
  before(async () => (redis = await RedisServer.start()));
  afterEach(async () => {
    for (const { system, services } of running) await system.stop([...services, ...system.services()]);
    running = [];
  });
  after(async () => redis.stop());

  it('starts the Matcher, the gateway and three room servers, serves REST, and stops them all on Ctrl-C', async () => {
    const system = await LocalSystem.start(redis.url);
    const started = { system, services: [] as number[] };
    running.push(started);
    await system.waitFor(/Ctrl-C stops everything/, 45000);
    const services = system.services();
    started.services.push(...services);
    expect(services, 'Matcher, gateway, 3 room servers').to.have.length(5);
    const response = await fetch(`http://127.0.0.1:${system.gatewayPort}/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: deviceIdOf('npm-start') }),
    });
    expect(response.status).to.equal(200);
    // A development system listens on loopback only, metrics included.
    for (const service of ['matcher', 'gateway', 'room']) {
      const lines = system.lines.filter((line) => line.includes(`"msg":"${service} listening on`));
      expect(lines, service).to.not.deep.equal([]);
      for (const line of lines) expect((JSON.parse(line) as { host: string }).host, line).to.equal('127.0.0.1');
    }

    system.child.kill('SIGINT');
    expect(await system.exited).to.equal(0);
    expect(services.filter(isRunning), 'services left running').to.deep.equal([]);
  });

  it('a Ctrl-C during start-up stops what has started and starts nothing more', async () => {
    const system = await LocalSystem.start(redis.url);
    const started = { system, services: [] as number[] };
    running.push(started);
    await system.waitFor(/matcher listening/);
    const startedSoFar = system.services();
    started.services.push(...startedSoFar);
    expect(startedSoFar.length, 'the Matcher, maybe the gateway starting').to.be.within(1, 2);
    system.child.kill('SIGINT');
    expect(await system.exited).to.equal(0);
    expect(startedSoFar.filter(isRunning), 'services left running').to.deep.equal([]);
    expect(system.lines.some((line) => /room listening/.test(line)), 'no room server started').to.equal(false);
  });
});
