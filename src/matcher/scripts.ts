import type { Redis } from 'ioredis';
import { defineScripts } from '../shared/redis/scripts.js';

/** The Matcher's Lua scripts (files in ./scripts) and how many KEYS each takes. */
const matcherScripts = {
  enqueue: 6,
  dequeue: 4,
  'expire-waiting': 2,
  'claim-pairs': 3,
  'register-server': 8,
  'heartbeat-server': 4,
  'deregister-server': 3,
  'end-room': 4,
  'move-rooms': 6,
  'report-unreachable': 4,
  'login-device': 1,
  'issue-session': 1,
  'revoke-sessions': 1,
  'read-ticket': 3,
  'forget-region': 1,
  'lease-region': 2,
} as const;

export type MatcherScript = keyof typeof matcherScripts;

/** Defines every Matcher script on a connection. */
export function defineMatcherScripts(redis: Redis): void {
  defineScripts(redis, new URL('./scripts/', import.meta.url), matcherScripts);
}
