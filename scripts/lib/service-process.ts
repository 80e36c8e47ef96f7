import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { pinnedSpawn } from './pinned-spawn.js';

const root = new URL('../../', import.meta.url).pathname;

/**
 * One of the project's services run as a real child process (`node --import tsx src/<service>/main.ts`),
 * ready once it logs the line that says where it listens.
 */
export class ServiceProcess {
  readonly output: string[] = [];
  private exited: Promise<number | null>;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    /** Port of its Prometheus /metrics endpoint. */
    readonly metricsPort: number,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /**
   * Starts the service with this environment plus `env`; `cpu` pins it to that core with taskset
   * (benchmarks); `nodeArgs` are node's own flags (e.g. --cpu-prof, which NODE_OPTIONS refuses);
   * `echo` also receives every output line as it comes; `ownGroup` puts it in its own process group,
   * so that a terminal's Ctrl-C reaches only the parent, which then stops it in order; `wrap` is a
   * command the service runs under (e.g. `ip netns exec <ns>`), which must exec it in place so that
   * signals reach the service itself.
   */
  static async start(
    entry: string,
    args: string[],
    env: Record<string, string>,
    options: { timeoutMs?: number; cpu?: number; nodeArgs?: string[]; echo?: (line: string) => void; ownGroup?: boolean; wrap?: string[] } = {},
  ): Promise<ServiceProcess> {
    const timeoutMs = options.timeoutMs ?? 15000;
    // Many services run side by side: unless told otherwise, each of ours serves /metrics on a free port.
    const metricsArgs = !entry.startsWith('src/') || args.includes('--metrics-port') ? [] : ['--metrics-port', '0'];
    const [command, ...commandArgs] = [...(options.wrap ?? []), process.execPath, ...(options.nodeArgs ?? []), '--import', 'tsx', entry, ...args, ...metricsArgs];
    const child = pinnedSpawn(options.cpu, command!, commandArgs, {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.ownGroup ?? false,
    });
    const output: string[] = [];
    const lines = createInterface({ input: child.stdout! });
    const echo = options.echo ?? (() => {});
    child.stderr!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      echo(chunk.toString().trimEnd());
    });
    lines.on('line', echo);
    const listening = await new Promise<{ port: number; metrics_port: number }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${entry} did not start in ${timeoutMs} ms:\n${output.join('\n')}`)), timeoutMs);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited with ${code}:\n${output.join('\n')}`));
      });
      lines.on('line', (line) => {
        output.push(line);
        if (/ listening on /.test(line)) {
          clearTimeout(timer);
          resolve(JSON.parse(line) as { port: number; metrics_port: number });
        }
      });
    });
    const service = new ServiceProcess(child, Number(listening.port), Number(listening.metrics_port));
    service.output.push(...output);
    lines.on('line', (line) => service.output.push(line));
    return service;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Whether the process has not exited. */
  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends SIGTERM and resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (this.running) this.child.kill('SIGTERM');
    return this.exited;
  }

  /** SIGKILLs the process (a crash) and waits for it to be gone. */
  async kill(): Promise<void> {
    if (this.running) this.child.kill('SIGKILL');
    await this.exited;
  }
}
