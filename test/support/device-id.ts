import { createHash } from 'node:crypto';

/**
 * A device id the Matcher accepts (16+ URL-safe characters, 8+ of them different) made from a
 * readable label: the same label always gives the same id, so a test can log the same device in twice.
 */
export function deviceIdOf(label: string): string {
  return `${label}.${createHash('sha256').update(label).digest('base64url').slice(0, 22)}`;
}
