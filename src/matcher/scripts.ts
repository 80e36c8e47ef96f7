import type { Redis } from 'ioredis';
import { defineScripts } from '../shared/redis/scripts.js';

/** The Matcher's Lua scripts (files in ./scripts) and how many KEYS each takes. */
const matcherScripts = {
  enqueue: 5,
  dequeue: 3,
  'expire-waiting': 2,
  'claim-pairs': 3,
  'register-server': 5,
  'heartbeat-server': 3,
  'deregister-server': 2,
  'end-room': 4,
  'move-rooms': 5,
  'report-unreachable': 4,
  'login-device': 1,
  'issue-session': 0,
  'revoke-sessions': 1,
  'read-ticket': 3,
} as const;

export type MatcherScript = keyof typeof matcherScripts;

/** Defines every Matcher script on a connection. */
export function defineMatcherScripts(redis: Redis): void {
  defineScripts(redis, new URL('./scripts/', import.meta.url), matcherScripts);
}
