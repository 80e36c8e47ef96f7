import { readFileSync } from 'node:fs';
import type { RedisConnection } from './client.js';

/** A line `--- @include "name"` stands for the file includes/name.lua of the same folder (BullMQ's convention). */
const includeLine = /^--- @include "([a-z0-9-]+)"$/gm;

/** A script's source with its includes put in place (an include may not include another). */
export function scriptSource(folder: URL, name: string): string {
  const lua = readFileSync(new URL(`${name}.lua`, folder), 'utf8');
  return lua.replace(includeLine, (_line, include: string) => readFileSync(new URL(`includes/${include}.lua`, folder), 'utf8'));
}

/**
 * Defines each Lua script of a folder as a command on the connection (with a fixed number of KEYS, or
 * 'variable'). Scripts are real source files
 * whose header names their KEYS, ARGV and return codes; ioredis runs them by SHA and re-sends the
 * body when Redis has forgotten it (after a restart).
 */
export function defineScripts(redis: RedisConnection, folder: URL, scripts: Record<string, number | 'variable'>): void {
  for (const [name, numberOfKeys] of Object.entries(scripts)) {
    const lua = scriptSource(folder, name);
    // 'variable': the caller passes the number of keys as the first argument.
    redis.defineCommand(name, numberOfKeys === 'variable' ? { lua } : { numberOfKeys, lua });
  }
}

/** Calls a command defined by defineScripts. */
export async function runScript(redis: RedisConnection, name: string, keys: string[], args: (string | number)[]): Promise<unknown> {
  const command = (redis as unknown as Record<string, (...a: (string | number)[]) => Promise<unknown>>)[name];
  if (!command) throw new Error(`redis script ${name} is not defined`);
  return command.call(redis, ...keys, ...args);
}
