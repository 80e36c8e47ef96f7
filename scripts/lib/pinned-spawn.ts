import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Spawns a command, pinned to one CPU core with taskset when `cpu` is given. */
export function pinnedSpawn(cpu: number | undefined, command: string, args: string[], options: SpawnOptions): ChildProcess {
  if (cpu === undefined) return spawn(command, args, options);
  if (spawnSync('taskset', ['--version']).error) throw new Error('taskset is required to pin processes (Debian: util-linux)');
  return spawn('taskset', ['-c', String(cpu), command, ...args], options);
}
