import { readFileSync } from 'node:fs';
import { cpuMs } from './load.js';
import type { SwarmPlayer, UdpSwarm } from './udp-swarm.js';

/**
 * Datagrams the kernel dropped at the UDP socket(s) bound to this local port because their receive
 * buffer was full (the `drops` column of /proc/net/udp).
 */
export function socketDrops(port: number): number {
  const hexPort = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  let drops = 0;
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields[1]?.endsWith(hexPort)) drops += Number(fields[12] ?? 0);
  }
  return drops;
}

/** Busy and total jiffies of one core so far (/proc/stat: everything but idle and iowait is busy). */
export function coreTimes(cpu: number): { busy: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith(`cpu${cpu} `));
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line!.trim().split(/\s+/).slice(1).map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { busy, total: busy + idle! + iowait! };
}

/** What a measurement window saw of the load generator and the processes it watched. */
export interface Window {
  seconds: number;
  startedAtMs: number;
  endedAtMs: number;
  players: number;
  /** Datagrams back per player per second: mean, and the slowest 1 % of players. */
  receivedPerPlayerSec: number;
  receivedP1PlayerSec: number;
  inputsPerPlayerSec: number;
  /** CPU of each watched process over the window, in % of one core. */
  cpuPercent: Record<string, number>;
  /** The server core as a whole (every process, interrupts, softirq), busy %. */
  serverCoreBusyPercent: number;
  /** This process (the load generator), % of one core. */
  generatorCpuPercent: number;
  /** Datagrams dropped per second at the server's socket (receive buffer full). */
  serverDropsPerSec: number;
  skippedSends: number;
}

/** Watches the swarm's players (those sending at the start), the given processes and the server's UDP port for `seconds`. */
export async function measureWindow(
  swarm: UdpSwarm,
  pids: Record<string, number | undefined>,
  server: { port: number; cpu: number },
  seconds: number,
): Promise<Window> {
  const players: SwarmPlayer[] = swarm.players.filter((p) => p.window !== undefined);
  const received0 = players.map((p) => p.snapshots);
  const inputs0 = players.map((p) => p.inputsSent);
  const cpu0 = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuMs(pid)]));
  const self0 = process.cpuUsage();
  const drops0 = socketDrops(server.port);
  const core0 = coreTimes(server.cpu);
  const skipped0 = swarm.skippedSends;
  const startedAtMs = Date.now();
  const t0 = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  const elapsedSec = (performance.now() - t0) / 1000;
  const self = process.cpuUsage(self0);
  const drops1 = socketDrops(server.port);
  const core1 = coreTimes(server.cpu);
  const cpuPercent = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, (cpuMs(pid) - cpu0[name]!) / 10 / elapsedSec]));
  const rates = players.map((p, i) => (p.snapshots - received0[i]!) / elapsedSec).sort((a, b) => a - b);
  const inputs = players.reduce((sum, p, i) => sum + p.inputsSent - inputs0[i]!, 0);
  const count = Math.max(1, players.length);
  return {
    seconds: elapsedSec,
    startedAtMs,
    endedAtMs: Date.now(),
    players: players.length,
    receivedPerPlayerSec: rates.reduce((a, b) => a + b, 0) / count,
    receivedP1PlayerSec: rates[Math.floor(rates.length / 100)] ?? 0,
    inputsPerPlayerSec: inputs / count / elapsedSec,
    cpuPercent,
    serverCoreBusyPercent: (100 * (core1.busy - core0.busy)) / Math.max(1, core1.total - core0.total),
    generatorCpuPercent: (self.user + self.system) / 10_000 / elapsedSec,
    serverDropsPerSec: (drops1 - drops0) / elapsedSec,
    skippedSends: swarm.skippedSends - skipped0,
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
