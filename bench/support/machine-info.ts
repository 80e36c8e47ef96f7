import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

/** What a figure was measured on: the same machine must give the baseline in the same run. */
export interface MachineInfo {
  cpuModel: string;
  /** Cores Node sees (os.cpus()) and processors /proc/cpuinfo lists. */
  cores: number;
  procCpuinfoProcessors: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  redis: string;
  /** 1-minute load average when the description was taken: others share this machine. */
  loadAverage1m: number;
}

export function machineInfo(): MachineInfo {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const processors = cpuinfo.split('\n').filter((l) => /^processor\s*:/.test(l)).length;
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? cpus()[0]?.model ?? 'unknown CPU';
  const redis = spawnSync('redis-server', ['--version']).stdout?.toString().match(/v=(\S+)/)?.[1] ?? 'unknown';
  return {
    cpuModel: model.trim(),
    cores: cpus().length,
    procCpuinfoProcessors: processors,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    redis,
    loadAverage1m: loadavg()[0] ?? Number.NaN,
  };
}

/** One line for a report header. */
export function describeMachine(m: MachineInfo = machineInfo()): string {
  return (
    `${m.cores} cores (os.cpus(); /proc/cpuinfo: ${m.procCpuinfoProcessors} × ${m.cpuModel}), ${m.memoryGiB} GiB, Linux ${m.kernel}, ` +
    `Node ${m.node}, redis-server ${m.redis}; load average ${m.loadAverage1m.toFixed(2)} at start`
  );
}

/** Resident memory of a process in MiB (VmRSS in /proc/<pid>/status). */
export function rssMiB(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb === undefined ? Number.NaN : Number(kb) / 1024;
}
