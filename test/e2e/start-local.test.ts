import { expect } from 'chai';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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

/** A UDP port that was free a moment ago on 127.0.0.1 (room servers listen on UDP; a free TCP port may not be). */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => socket.once('error', reject).bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}

/** The variables that would choose another Redis than the one a test gives. */
const { REDIS_URL: _url, REDIS_SENTINELS: _sentinels, REDIS_SENTINEL_PASSWORD: _password, ...envWithoutRedis } = process.env;

/** `npm start` (scripts/start-local.ts) on free ports, its output collected. */
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

  /** Against the Redis at `redisUrl`, or with `--redis-ha` flags in `redisArgs` and no Redis variable. */
  static async start(redisUrl: string | undefined, redisArgs: string[] = []): Promise<LocalSystem> {
    const [matcherPort, gatewayPort] = await distinctFreePorts(2);
    const roomPorts = new Set<number>();
    while (roomPorts.size < 3) roomPorts.add(await freeUdpPort());
    const metricsFrom = await freePortRun(5);
    const args = ['--matcher-port', matcherPort, '--gateway-port', gatewayPort, '--room-ports', [...roomPorts].join(','), '--metrics-ports-from', metricsFrom];
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-local.ts', ...args.map(String), ...redisArgs], {
      env: { ...envWithoutRedis, ...(redisUrl ? { REDIS_URL: redisUrl } : {}), LOG_LEVEL: 'info' },
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

  /** Waits for a line matching `pattern`; fails at once if npm start exits without printing it. */
  waitFor(pattern: RegExp, timeoutMs = 30000): Promise<string> {
    const find = (): string | undefined => this.lines.find((line) => pattern.test(line));
    const exitedFirst = this.exited.then((code) => find() ?? Promise.reject(new Error(`npm start exited (${code}) without printing ${pattern}`)));
    return Promise.race([eventually(`npm start to print ${pattern}`, find, timeoutMs), exitedFirst]);
  }

  /** The services it started that are still running: its children running a service's main (tsx may add an esbuild child). */
  services(): number[] {
    return this.children(/src\/(matcher|gateway|room)\/main\.ts/);
  }

  /** The Redis data nodes and Sentinels it started that are still running. */
  redisServers(): number[] {
    return this.children(/redis-server/);
  }

  private children(args: RegExp): number[] {
    const ps = spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(this.child.pid)], { encoding: 'utf8' });
    return ps.stdout
      .split('\n')
      .filter((line) => args.test(line))
      .map((line) => Number.parseInt(line, 10));
  }
}

async function postSession(gatewayPort: number, deviceId: string): Promise<Response> {
  return fetch(`http://127.0.0.1:${gatewayPort}/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ device_id: deviceId }),
  });
}

/** What the Sentinel on `port` names as the primary's port. */
function primaryNamedBy(port: number, masterName: string): number {
  const reply = spawnSync('redis-cli', ['-p', String(port), 'sentinel', 'get-master-addr-by-name', masterName], { encoding: 'utf8' });
  return Number(reply.stdout.trim().split('\n').at(-1));
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
    const response = await postSession(system.gatewayPort, deviceIdOf('npm-start'));
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

  describe('--redis-ha', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'mini-start-ha-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    /** Starts on a Sentinel layout in `dir` on the given ports; waits for the banner. */
    const startHa = async (dataPorts: number[], sentinelPorts: number[]): Promise<{ system: LocalSystem; redisServers: number[] }> => {
      const system = await LocalSystem.start(undefined, [
        '--redis-ha-data-ports',
        dataPorts.join(','),
        '--redis-ha-sentinel-ports',
        sentinelPorts.join(','),
        '--redis-ha-dir',
        dir,
      ]);
      const started = { system, services: [] as number[] };
      running.push(started);
      await system.waitFor(/Ctrl-C stops everything/, 60000);
      started.services.push(...system.services(), ...system.redisServers());
      return { system, redisServers: system.redisServers() };
    };

    /** Ctrl-C: exits 0 and leaves no service and no Redis process of its own. */
    const ctrlC = async (system: LocalSystem, redisServers: number[]): Promise<void> => {
      const services = system.services();
      system.child.kill('SIGINT');
      expect(await system.exited).to.equal(0);
      expect(services.filter(isRunning), 'services left running').to.deep.equal([]);
      expect(redisServers.filter(isRunning), 'redis-server processes left running').to.deep.equal([]);
    };

    it('runs the system on a primary, two replicas and three Sentinels; the printed command fails it over; Ctrl-C stops Redis too; a restart keeps the data', async function () {
      this.timeout(120000);
      const [d1, d2, d3, s1, s2, s3] = await distinctFreePorts(6);
      const { system, redisServers } = await startHa([d1!, d2!, d3!], [s1!, s2!, s3!]);
      expect(redisServers, '3 data nodes, 3 Sentinels').to.have.length(6);
      expect(system.services(), 'Matcher, gateway, 3 room servers').to.have.length(5);
      expect(system.lines).to.include(`                   primary 127.0.0.1:${d1}, replicas 127.0.0.1:${d2}, 127.0.0.1:${d3}`);
      expect(system.lines).to.include(`                   Sentinels 127.0.0.1:${s1},127.0.0.1:${s2},127.0.0.1:${s3}`);
      const matcherStarted = system.lines.find((line) => line.includes('"msg":"matcher listening on'));
      expect(matcherStarted, 'the Matcher finds Redis through the Sentinels').to.include(`sentinel mymaster via 127.0.0.1:${s1}`);
      const login = await postSession(system.gatewayPort, deviceIdOf('npm-start-ha'));
      expect(login.status).to.equal(200);
      const { token } = (await login.json()) as { token: string };

      // The one command the banner prints.
      const kill = (await system.waitFor(/^ {2}Kill the primary /)).replace(/^ {2}Kill the primary /, '');
      expect(spawnSync('sh', ['-c', kill]).status, kill).to.equal(0);
      await eventually('the Sentinels to promote a replica', () => primaryNamedBy(s1!, 'mymaster') !== d1, 20000, 100);
      await system.waitFor(/"service":"matcher".*"connection":"matcher".*"msg":"redis connection restored"/, 20000);
      await eventually('REST to log in again', async () => (await postSession(system.gatewayPort, deviceIdOf('npm-start-ha'))).status === 200, 20000, 100);
      const newPrimary = primaryNamedBy(s1!, 'mymaster');
      expect(redisServers.filter(isRunning), 'the killed primary is gone, the rest run').to.have.length(5);
      await ctrlC(system, redisServers);

      // Started again on the same folder: the last primary is primary again, and the data is kept.
      const again = await startHa([d1!, d2!, d3!], [s1!, s2!, s3!]);
      const replicas = [d1, d2, d3].filter((port) => port !== newPrimary);
      expect(again.system.lines).to.include(`                   primary 127.0.0.1:${newPrimary}, replicas ${replicas.map((port) => `127.0.0.1:${port}`).join(', ')}`);
      const status = await fetch(`http://127.0.0.1:${again.system.gatewayPort}/match/status`, { headers: { authorization: `Bearer ${token}` } });
      expect(status.status, 'the session from the first run is known (404: not matched)').to.equal(404);
      await ctrlC(again.system, again.redisServers);
    });

    it('refuses REDIS_URL', async () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start-local.ts', '--redis-ha', '--redis-ha-dir', dir], {
        env: { ...envWithoutRedis, REDIS_URL: 'redis://127.0.0.1:6379' },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = (await once(child, 'exit')) as [number | null];
      expect(code).to.not.equal(0);
      expect(stderr).to.include('--redis-ha starts its own Redis and tells every service where it is: unset REDIS_URL');
    });
  });
});
