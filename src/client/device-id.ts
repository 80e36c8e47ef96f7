import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** What the Matcher accepts as a device id (session.proto): 16 to 128 URL-safe characters, 8+ different. */
const minDistinctChars = 8;

/**
 * A new random device id: 144 bits as 24 base64url characters. A device id is the secret a guest logs
 * in with (whoever knows it plays as that player), so it is never made from anything guessable.
 */
export function newDeviceId(): string {
  for (;;) {
    const id = randomBytes(18).toString('base64url');
    // Practically always; drawn again in the rare case the Matcher would refuse it.
    if (new Set(id).size >= minDistinctChars) return id;
  }
}

/**
 * The device id kept in `file`, made (readable by the owner only) on first use, so that the same
 * player logs in on every run from this machine.
 */
export function keptDeviceId(file: string): string {
  try {
    const kept = readFileSync(file, 'utf8').trim();
    if (kept !== '') return kept;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const id = newDeviceId();
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, `${id}\n`, { mode: 0o600 });
  return id;
}
