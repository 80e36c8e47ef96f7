import type { RedisConnection } from '../shared/redis/client.js';
import { defineScripts } from '../shared/redis/scripts.js';

/** The Matcher's Lua scripts (files in ./scripts) and how many KEYS each takes. */
const matcherScripts = {
  enqueue: 7,
  'retire-region': 3,
  'set-player-region': 1,
  dequeue: 4,
  'expire-waiting': 2,
  'claim-pairs': 3,
  'register-server': 5,
  'retire-server': 2,
  'heartbeat-server': 3,
  'deregister-server': 2,
  'end-room': 4,
  'move-rooms': 5,
  'report-unreachable': 4,
  'login-device': 1,
  'issue-session': 1,
  'revoke-sessions': 1,
  'read-ticket': 3,
  'forget-region': 1,
} as const;

export type MatcherScript = keyof typeof matcherScripts;

/** Defines every Matcher script on a connection. */
export function defineMatcherScripts(redis: RedisConnection): void {
  defineScripts(redis, new URL('./scripts/', import.meta.url), matcherScripts);
}
