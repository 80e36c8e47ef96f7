import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';

const needs = 'the network partition tests create a network namespace and a veth pair: they need iproute2 (`ip`; Debian: apt-get install iproute2) and root';

/** Signals that end a test run before its `after` hooks: the link is removed, then the signal does what it would have. */
const fatalSignals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/** Metric of the fallback route: above the kernel's own route for the link (0), so it only counts while that one is unusable. */
const fallbackMetric = 4242;

/**
 * A network namespace of its own, joined to this (root) namespace by a veth pair on a random private
 * /30: `rootIp` on this side, `nsIp` inside. `cut()` takes the link down and `heal()` brings it back:
 * a real partition, both ways. Traffic for the /30 never leaves the machine: while the link is down an
 * `unreachable` route for it stands in (without it the default route would carry it off).
 */
export class NetnsLink {
  private isCut = false;
  private destroyed = false;
  private readonly onExit = (): void => this.destroy();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    try {
      this.destroy();
    } finally {
      process.kill(process.pid, signal);
    }
  };

  private constructor(
    readonly name: string,
    readonly rootDev: string,
    readonly nsDev: string,
    /** The /30, e.g. 10.23.4.8/30. */
    readonly subnet: string,
    readonly rootIp: string,
    readonly nsIp: string,
  ) {}

  /** Creates the namespace and the link, up; fails with a clear message without `ip` or root. */
  static create(): NetnsLink {
    if (spawnSync('ip', ['-V']).error) throw new Error(`${needs}: ip not found`);
    if (process.getuid?.() !== 0) throw new Error(`${needs}: not running as root`);
    const tag = randomBytes(3).toString('hex');
    const base = freeSubnet();
    const link = new NetnsLink(`mini-part-${process.pid}-${tag}`, `mpr${tag}`, `mpn${tag}`, `${ipOf(base)}/30`, ipOf(base + 1), ipOf(base + 2));
    // A run that ends without its after hooks (interrupted, or exiting early) still leaves nothing behind.
    process.once('exit', link.onExit);
    for (const signal of fatalSignals) process.once(signal, link.onSignal);
    try {
      ip('netns', 'add', link.name);
      ip('link', 'add', link.rootDev, 'type', 'veth', 'peer', 'name', link.nsDev, 'netns', link.name);
      ip('route', 'add', 'unreachable', link.subnet, 'metric', String(fallbackMetric));
      ip('addr', 'add', `${link.rootIp}/30`, 'dev', link.rootDev);
      ip('link', 'set', link.rootDev, 'up');
      ip('-n', link.name, 'addr', 'add', `${link.nsIp}/30`, 'dev', link.nsDev);
      ip('-n', link.name, 'link', 'set', link.nsDev, 'up');
      ip('-n', link.name, 'link', 'set', 'lo', 'up');
    } catch (err) {
      link.destroy();
      throw err;
    }
    return link;
  }

  /** The command prefix that runs a program inside the namespace (`ip netns exec` execs it in place: signals reach it). */
  get exec(): string[] {
    return ['ip', 'netns', 'exec', this.name];
  }

  /**
   * Cuts the link: the namespace's end goes down, so the namespace has no route out and what this
   * side sends to it is dropped silently on the veth, as in a real partition.
   */
  cut(): void {
    ip('-n', this.name, 'link', 'set', this.nsDev, 'down');
    this.isCut = true;
  }

  /** Brings the link back (a no-op when it is not cut). */
  heal(): void {
    if (!this.isCut || this.destroyed) return;
    ip('-n', this.name, 'link', 'set', this.nsDev, 'up');
    this.isCut = false;
  }

  /** Deletes the veth pair, the namespace and the fallback route; idempotent, and whatever was left half made. */
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // Only the test's own processes run in there: any still running would outlive the namespace.
    for (const pid of this.pids()) killIfThere(pid);
    const failures = [
      ipUnlessGone('link', 'del', this.rootDev), // takes its peer in the namespace with it
      ipUnlessGone('netns', 'del', this.name),
      ipUnlessGone('route', 'del', 'unreachable', this.subnet, 'metric', String(fallbackMetric)),
    ].filter((failure) => failure !== undefined);
    // Only now: mocha follows a SIGINT with a SIGTERM, which must not kill the process halfway through the above.
    process.removeListener('exit', this.onExit);
    for (const signal of fatalSignals) process.removeListener(signal, this.onSignal);
    if (failures.length > 0) throw new Error(`cleaning up network namespace ${this.name} failed: ${failures.join('; ')}`);
  }

  stop(): void {
    this.destroy();
  }

  /** Ids of the processes running in the namespace (none once it is gone). */
  private pids(): number[] {
    const result = spawnSync('ip', ['netns', 'pids', this.name], { encoding: 'utf8' });
    return result.status === 0 ? result.stdout.split('\n').filter(Boolean).map(Number) : [];
  }
}

function ip(...args: string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error) throw new Error(`${needs}: ${result.error.message}`);
  if (result.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${result.stderr.trim()}`);
  return result.stdout;
}

function killIfThere(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

/** Runs `ip`; returns what went wrong, unless it was that the thing is already gone. */
function ipUnlessGone(...args: string[]): string | undefined {
  try {
    ip(...args);
    return undefined;
  } catch (err) {
    const message = (err as Error).message;
    return /Cannot find device|No such file|No such process/.test(message) ? undefined : message;
  }
}

/** A random /30 in 10.0.0.0/8 that overlaps no route of this namespace (another run's link included). */
function freeSubnet(): number {
  const routes = (JSON.parse(ip('-4', '-j', 'route', 'show', 'table', 'all')) as { dst?: string }[])
    .map((route) => route.dst ?? 'default')
    .filter((dst) => dst !== 'default')
    .map(rangeOf);
  for (let attempt = 0; attempt < 100; attempt++) {
    const base = (10 << 24) + randomInt(0, 1 << 22) * 4;
    if (!routes.some(([first, last]) => first <= base + 3 && base <= last)) return base;
  }
  throw new Error('no free /30 found in 10.0.0.0/8');
}

/** First and last address of a route destination (`a.b.c.d` or `a.b.c.d/len`), as numbers. */
function rangeOf(dst: string): [number, number] {
  const [addr, bits = '32'] = dst.split('/');
  const size = 2 ** (32 - Number(bits));
  const first = Math.floor(toNumber(addr!) / size) * size;
  return [first, first + size - 1];
}

function toNumber(addr: string): number {
  return addr.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function ipOf(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}
