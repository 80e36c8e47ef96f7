import type { RedisConnection } from '../shared/redis/client.js';
import { defineScripts } from '../shared/redis/scripts.js';

/** The room server's Lua scripts (files in ./scripts) and how many KEYS each takes. */
export const roomScripts = {
  'write-checkpoint': 'variable',
  'update-room-info': 1,
} as const;

/** Defines every room server script on a connection. */
export function defineRoomScripts(redis: RedisConnection): void {
  defineScripts(redis, new URL('./scripts/', import.meta.url), roomScripts);
}

/** A script call queued on a pipeline (defineCommand adds the scripts to pipelines too). */
export function queueScript(
  pipeline: object,
  name: keyof typeof roomScripts,
  keys: string[],
  args: (string | number | Buffer)[],
): void {
  const command = (pipeline as Record<string, (...a: (string | number | Buffer)[]) => unknown>)[name];
  if (!command) throw new Error(`redis script ${name} is not defined`);
  const keyCount: (string | number)[] = roomScripts[name] === 'variable' ? [keys.length] : [];
  command.call(pipeline, ...keyCount, ...keys, ...args);
}
