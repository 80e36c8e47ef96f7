import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { freePort } from './ports.js';
import { eventually } from './wait.js';

const installHint = 'prometheus and promtool are required for the observability tests: install them (Debian/Ubuntu: apt-get install prometheus)';

/** One series of an instant query's answer; the value is Prometheus' string form ("NaN", "+Inf", "0.5"). */
export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

/** A scrape target as /api/v1/targets reports it. */
export interface Target {
  labels: Record<string, string>;
  scrapeUrl: string;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
}

/** A rule as /api/v1/rules reports it. */
export interface RuleStatus {
  name: string;
  query: string;
  health: 'ok' | 'err' | 'unknown';
  lastError?: string;
  state?: 'inactive' | 'pending' | 'firing';
}

/** Fails with the install hint when the binary is not on PATH. */
export function requireBinary(name: 'prometheus' | 'promtool'): void {
  if (spawnSync(name, ['--version']).error) throw new Error(installHint);
}

/** Runs promtool with these arguments; the exit code and everything it printed. */
export function promtool(...args: string[]): { status: number | null; output: string } {
  requireBinary('promtool');
  const run = spawnSync('promtool', args, { encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

/** A real Prometheus on a free loopback port, with the given configuration and a throwaway data folder. */
export class PrometheusServer {
  private readonly output: string[] = [];
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    private readonly dir: string,
  ) {
    child.stdout!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => this.output.push(chunk.toString()));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
  }

  /** Writes `config` as prometheus.yml in a temporary folder and starts Prometheus on it; resolves once it is ready. */
  static async start(config: unknown): Promise<PrometheusServer> {
    requireBinary('prometheus');
    const dir = mkdtempSync(join(tmpdir(), 'mini-prometheus-'));
    const configFile = join(dir, 'prometheus.yml');
    writeFileSync(configFile, stringify(config));
    const port = await freePort();
    const args = [`--config.file=${configFile}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`];
    const server = new PrometheusServer(spawn('prometheus', args, { stdio: ['ignore', 'pipe', 'pipe'] }), port, dir);
    try {
      await eventually('Prometheus to be ready', async () => {
        if (server.child.exitCode !== null) throw new Error(`prometheus exited with ${server.child.exitCode}:\n${server.output.join('')}`);
        return (await fetch(server.url('/-/ready'))).ok;
      });
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  url(path: string): string {
    return `http://127.0.0.1:${this.port}${path}`;
  }

  /** GET of an /api/v1 endpoint; throws on an error answer (a PromQL syntax error, say). */
  async api<T>(path: string, params: Record<string, string> = {}): Promise<T> {
    const response = await fetch(this.url(`/api/v1/${path}?${new URLSearchParams(params).toString()}`));
    const body = (await response.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`Prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? response.status}`);
    return body.data;
  }

  /** An instant query's vector (a scalar answer comes back as one series without labels). */
  async query(expr: string): Promise<Sample[]> {
    const data = await this.api<{ resultType: string; result: unknown }>('query', { query: expr });
    if (data.resultType === 'scalar') return [{ metric: {}, value: data.result as [number, string] }];
    if (data.resultType !== 'vector') throw new Error(`${expr}: a ${data.resultType}, not an instant vector`);
    return data.result as Sample[];
  }

  async targets(): Promise<Target[]> {
    return (await this.api<{ activeTargets: Target[] }>('targets', { state: 'active' })).activeTargets;
  }

  async rules(): Promise<RuleStatus[]> {
    const data = await this.api<{ groups: { rules: RuleStatus[] }[] }>('rules');
    return data.groups.flatMap((group) => group.rules);
  }

  /** What the process printed, for failure messages. */
  log(): string {
    return this.output.join('');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.exited;
    rmSync(this.dir, { recursive: true, force: true });
  }
}
